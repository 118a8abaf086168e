"""Welcome and courtesy calls: pending → done; and the time slot of a call."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.rules import Refused
from app.rules import calls as rules


def test_a_pending_call_is_done_with_its_outcome():
    assert rules.after_call("pending", 3, "llamado de bienvenida") == rules.DONE


def test_a_call_is_not_recorded_twice():
    with pytest.raises(Refused, match=f"^{re.escape('El llamado de cortesía ya se registró.')}$"):
        rules.after_call("done", 3, "llamado de cortesía")


def test_a_call_needs_its_outcome():
    with pytest.raises(Refused, match=f"^{re.escape('Falta el resultado del llamado.')}$"):
        rules.after_call("pending", None, "llamado de bienvenida")


def test_a_done_call_is_refused_before_the_missing_outcome():
    with pytest.raises(Refused, match="ya se registró"):
        rules.after_call("done", None, "llamado de bienvenida")


@pytest.mark.parametrize(("local", "slot"), [
    (dt.time(0, 0), "morning"),
    (dt.time(8, 30), "morning"),
    (dt.time(11, 59, 59), "morning"),
    (dt.time(12, 0), "midday"),
    (dt.time(13, 59), "midday"),
    (dt.time(14, 0), "afternoon"),
    (dt.time(18, 59), "afternoon"),
    (dt.time(19, 0), "evening"),
    (dt.time(23, 59, 59), "evening"),
])
def test_the_time_slot_boundaries(local, slot):
    assert rules.time_slot(local) == slot


def test_every_minute_of_the_day_has_one_slot_in_order():
    seen = []
    for minute in range(24 * 60):
        slot = rules.time_slot(dt.time(minute // 60, minute % 60))
        assert slot in rules.SLOTS
        if not seen or seen[-1] != slot:
            seen.append(slot)
    assert tuple(seen) == rules.SLOTS  # each slot once, in the order of the day
