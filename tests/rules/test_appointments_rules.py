"""The appointment life cycle: scheduled → confirmed → arrived;
scheduled | confirmed → no_show. Each legal step and each illegal one."""

from __future__ import annotations

import datetime as dt

import pytest

from app.rules import Refused
from app.rules import appointments as rules

TODAY = dt.date(2026, 3, 10)
YESTERDAY, TOMORROW = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
NOW = dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)
DONE = {
    "arrived": "Este turno ya no está pendiente: el vehículo ya ingresó.",
    "no_show": "Este turno ya no está pendiente: quedó como inasistencia.",
    "cancelled": "Este turno ya no está pendiente: fue cancelado.",
}


def refused(call, *args) -> str:
    with pytest.raises(Refused) as info:
        call(*args)
    return str(info.value)


def test_the_pending_statuses():
    assert rules.PENDING == ("scheduled", "confirmed")


# --- confirm ------------------------------------------------------------------------------------


def test_a_scheduled_appointment_is_confirmed():
    assert rules.after_confirm("scheduled") == rules.CONFIRMED


def test_a_confirmed_appointment_is_not_confirmed_twice():
    assert refused(rules.after_confirm, "confirmed") == "Este turno ya estaba confirmado."


@pytest.mark.parametrize("status", DONE)
def test_a_finished_appointment_is_not_confirmed(status):
    assert refused(rules.after_confirm, status) == DONE[status]


def test_an_unknown_status_is_refused_too():
    assert refused(rules.after_confirm, "weird").startswith("Este turno ya no está pendiente")


# --- check in -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "confirmed"])
def test_a_pending_appointment_checks_in_on_its_day(status):
    assert rules.after_check_in(status, TODAY, TODAY) == rules.ARRIVED


@pytest.mark.parametrize("day", [YESTERDAY, TOMORROW, TODAY + dt.timedelta(days=30)])
def test_a_check_in_on_another_day_is_refused(day):
    assert refused(rules.after_check_in, "scheduled", day, TODAY) == (
        "Solo se puede registrar el ingreso el día del turno."
    )


@pytest.mark.parametrize("status", DONE)
def test_a_finished_appointment_does_not_check_in(status):
    assert refused(rules.after_check_in, status, TODAY, TODAY) == DONE[status]


# --- no-show --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "confirmed"])
def test_a_pending_appointment_of_a_past_day_is_a_no_show(status):
    assert rules.after_no_show(status, YESTERDAY, TODAY) == rules.NO_SHOW


def test_marking_a_no_show_again_changes_nothing():
    assert rules.after_no_show("no_show", TODAY, TODAY) == rules.NO_SHOW


@pytest.mark.parametrize("day", [TODAY, TOMORROW])
def test_today_or_later_is_not_a_no_show_yet(day):
    assert refused(rules.after_no_show, "scheduled", day, TODAY) == "El turno todavía no pasó: no es una inasistencia."


@pytest.mark.parametrize("status", ["arrived", "cancelled"])
def test_an_arrival_or_a_cancellation_is_not_a_no_show(status):
    assert refused(rules.after_no_show, status, YESTERDAY, TODAY) == DONE[status]


# --- the reminder e-mail ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "confirmed"])
def test_a_reminder_may_go_out(status):
    assert rules.reminder_refusal(status, NOW + dt.timedelta(days=1), NOW, "ana@example.com", False) is None


@pytest.mark.parametrize(("starts", "email", "opted_out", "message"), [
    (NOW - dt.timedelta(minutes=1), "ana@example.com", False, "El turno ya pasó: no tiene sentido recordarlo."),
    (NOW + dt.timedelta(days=1), "", False, "El cliente no tiene e-mail cargado."),
    (NOW + dt.timedelta(days=1), "ana@example.com", True, "El cliente pidió no recibir e-mails."),
])
def test_a_reminder_is_refused_with_its_reason(starts, email, opted_out, message):
    assert refused(rules.reminder_refusal, "scheduled", starts, NOW, email, opted_out) == message


@pytest.mark.parametrize("status", DONE)
def test_no_reminder_for_a_finished_appointment(status):
    assert refused(rules.reminder_refusal, status, NOW + dt.timedelta(days=1), NOW, "a@b.co", False) == DONE[status]


def test_the_status_is_checked_first():
    # A cancelled appointment without e-mail says it was cancelled, not that the e-mail is missing.
    assert refused(rules.reminder_refusal, "cancelled", NOW - dt.timedelta(days=1), NOW, "", True) == DONE["cancelled"]


def test_the_reminder_is_due_up_to_the_start():
    assert rules.reminder_refusal("scheduled", NOW, NOW, "a@b.co", False) is None
