"""The opportunity life cycle, transition by transition: open → booked |
discarded; rescheduling and attempts keep it open. Every illegal step is
refused with a Spanish sentence (the rule returns nothing to apply)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.rules import Refused
from app.rules import opportunities as rules

NOW = dt.datetime(2026, 3, 10, 15, 30, 20, tzinfo=dt.UTC)
CLOSED = ["booked", "discarded", "archived", ""]


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert message[0].isupper() and message.endswith(".")  # a whole sentence, shown as is
    return message


# --- discard ----------------------------------------------------------------------------------


def test_an_open_opportunity_is_discarded_with_a_reason():
    assert rules.after_discard("open", 7) == rules.DISCARDED


def test_a_discard_needs_its_reason():
    assert refused(rules.after_discard, "open", None) == "Falta el motivo de descarte."


@pytest.mark.parametrize(("status", "words"), [("booked", "ya tiene turno vendido"), ("discarded", "ya fue descartada"),
                                              ("archived", "ya no está abierta"), ("", "ya no está abierta")])
def test_only_an_open_opportunity_is_discarded(status, words):
    assert words in refused(rules.after_discard, status, 7)


def test_a_closed_opportunity_is_refused_before_the_missing_reason():
    assert "ya fue descartada" in refused(rules.after_discard, "discarded", None)


# --- reschedule -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 9])
def test_a_reschedule_keeps_it_open_and_counts(count):
    assert rules.after_reschedule("open", NOW + dt.timedelta(days=3), NOW, count) == count + 1


def test_a_reschedule_to_the_minute_being_typed_is_not_the_past():
    this_minute = NOW.replace(second=0, microsecond=0)
    assert rules.after_reschedule("open", this_minute, NOW, 0) == 1


@pytest.mark.parametrize("earlier", [dt.timedelta(minutes=1), dt.timedelta(days=1), dt.timedelta(days=400)])
def test_a_reschedule_into_the_past_is_refused(earlier):
    moment = NOW.replace(second=0, microsecond=0) - earlier
    assert refused(rules.after_reschedule, "open", moment, NOW, 2) == "La nueva fecha no puede quedar en el pasado."


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_opportunity_is_not_rescheduled(status):
    assert "no admite cambios" in refused(rules.after_reschedule, status, NOW + dt.timedelta(days=1), NOW, 0)


def test_the_past_is_compared_in_utc_whatever_the_zone():
    # 12:29 in Buenos Aires is 15:29 UTC: one minute before NOW, refused.
    ba = dt.timezone(dt.timedelta(hours=-3))
    with pytest.raises(Refused):
        rules.after_reschedule("open", dt.datetime(2026, 3, 10, 12, 29, tzinfo=ba), NOW, 0)
    assert rules.after_reschedule("open", dt.datetime(2026, 3, 10, 12, 31, tzinfo=ba), NOW, 0) == 1


# --- booking ----------------------------------------------------------------------------------


def test_an_open_opportunity_is_booked():
    assert rules.after_booking("open", NOW + dt.timedelta(hours=2), NOW) == rules.BOOKED


def test_a_booking_in_the_past_is_refused():
    message = refused(rules.after_booking, "open", NOW - dt.timedelta(hours=1), NOW)
    assert message == "El turno no puede quedar en el pasado."


@pytest.mark.parametrize(("status", "words"), [("booked", "ya tiene turno vendido"),
                                              ("discarded", "ya fue descartada")])
def test_a_closed_opportunity_is_not_booked_again(status, words):
    assert words in refused(rules.after_booking, status, NOW + dt.timedelta(days=1), NOW)


# --- attempts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempts", "limit"), [(0, 5), (3, 5), (4, 5), (0, 1), (8, 10)])
def test_an_attempt_is_counted_up_to_the_limit(attempts, limit):
    assert rules.after_attempt("open", attempts, limit) == attempts + 1


@pytest.mark.parametrize(("attempts", "limit"), [(5, 5), (6, 5), (1, 1), (3, 3)])
def test_an_attempt_past_the_limit_is_refused(attempts, limit):
    message = refused(rules.after_attempt, "open", attempts, limit)
    assert f"Ya se registraron los {limit} intentos" in message and "carta o el e-mail" in message


@pytest.mark.parametrize("status", CLOSED)
def test_no_attempts_on_a_closed_opportunity(status):
    assert "no admite cambios" in refused(rules.after_attempt, status, 0, 5)


@pytest.mark.parametrize(("attempts", "limit", "reached"), [(4, 5, False), (5, 5, True), (6, 5, True), (0, 1, False)])
def test_the_fallback_is_due_at_the_limit(attempts, limit, reached):
    assert rules.at_attempt_limit(attempts, limit) is reached


def test_the_last_allowed_attempt_reaches_the_limit():
    count = 0
    for _ in range(5):
        count = rules.after_attempt("open", count, 5)
    assert count == 5 and rules.at_attempt_limit(count, 5)
    with pytest.raises(Refused):
        rules.after_attempt("open", count, 5)


# --- not in the past ---------------------------------------------------------------------------


def test_not_in_past_names_what_it_checks():
    assert refused(rules.not_in_past, NOW - dt.timedelta(days=1), NOW, "La fecha de contacto") == (
        "La fecha de contacto no puede quedar en el pasado."
    )
    rules.not_in_past(NOW, NOW, "X")  # now itself is allowed


# --- the next service ---------------------------------------------------------------------------

SOLD = dt.date(2026, 1, 15)


def test_the_next_service_is_by_days_without_the_monthly_km():
    assert rules.service_due(SOLD, 180, 10_000, None) == SOLD + dt.timedelta(days=180)
    assert rules.service_due(SOLD, 180, 10_000, 0) == SOLD + dt.timedelta(days=180)


def test_the_next_service_comes_earlier_for_a_vehicle_that_runs_a_lot():
    # 10 000 km at 2 500 km a month: four months (122 days), before the 180 days.
    assert rules.service_due(SOLD, 180, 10_000, 2_500) == SOLD + dt.timedelta(days=122)


def test_the_days_win_for_a_vehicle_that_runs_little():
    assert rules.service_due(SOLD, 180, 10_000, 500) == SOLD + dt.timedelta(days=180)


def test_a_rule_without_km_is_by_days():
    assert rules.service_due(SOLD, 365, 0, 3_000) == SOLD + dt.timedelta(days=365)
