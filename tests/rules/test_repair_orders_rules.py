"""The repair order: open → delivered; and the age groups of En proceso."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.rules import Refused
from app.rules import repair_orders as rules

TODAY = dt.date(2026, 3, 10)
DAY = dt.timedelta(days=1)


def test_an_open_order_is_delivered():
    assert rules.after_delivery("open") == rules.DELIVERED


def test_a_delivered_order_is_not_delivered_twice():
    with pytest.raises(Refused, match=f"^{re.escape('Esta unidad ya figura como entregada.')}$"):
        rules.after_delivery("delivered")


@pytest.mark.parametrize("status", ["cancelled", "", "weird"])
def test_a_cancelled_order_is_not_delivered(status):
    with pytest.raises(Refused, match=f"^{re.escape('Esta orden fue anulada: no se puede entregar.')}$"):
        rules.after_delivery(status)


@pytest.mark.parametrize(("age", "span"), [
    ("hoy", (TODAY, None)),
    ("ayer", (TODAY - DAY, TODAY - DAY)),
    ("semana", (TODAY - 7 * DAY, TODAY - 2 * DAY)),
    ("mas", (None, TODAY - 8 * DAY)),
])
def test_each_age_group(age, span):
    assert rules.age_span(age, TODAY) == span


def contains(span: tuple[dt.date | None, dt.date | None], day: dt.date) -> bool:
    first, last = span
    return (first is None or first <= day) and (last is None or day <= last)


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 1, 1), dt.date(2024, 3, 1), dt.date(2026, 12, 31)])
def test_the_age_groups_split_every_opening_day_once(today):
    # From a year ago to today (and a vehicle opened "tomorrow" by a DMS clock ahead: today's group).
    for back in range(-1, 366):
        day = today - back * DAY
        groups = [age for age in rules.AGES if contains(rules.age_span(age, today), day)]
        assert len(groups) == 1, (day, groups)


def test_the_groups_are_in_the_tab_order():
    assert rules.AGES == ("hoy", "ayer", "semana", "mas")


def test_an_unknown_group_is_an_error_of_the_caller():
    with pytest.raises(KeyError):
        rules.age_span("mañana", TODAY)
