"""Welcome calls (after a sale) and courtesy calls (after a service): pending → done."""

from __future__ import annotations

import datetime as dt

from app.rules import Refused

PENDING, DONE = "pending", "done"

MORNING, MIDDAY, AFTERNOON, EVENING = "morning", "midday", "afternoon", "evening"
SLOTS = (MORNING, MIDDAY, AFTERNOON, EVENING)


def after_call(status: str, outcome_id: int | None, what: str) -> str:
    if status == DONE:
        raise Refused(f"El {what} ya se registró.")
    if outcome_id is None:
        raise Refused("Falta el resultado del llamado.")
    return DONE


def time_slot(local: dt.time) -> str:
    """mañana < 12:00 ≤ mediodía < 14:00 ≤ tarde < 19:00 ≤ noche."""
    if local < dt.time(12):
        return MORNING
    if local < dt.time(14):
        return MIDDAY
    if local < dt.time(19):
        return AFTERNOON
    return EVENING
