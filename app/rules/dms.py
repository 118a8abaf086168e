"""What the DMS may change on rows the board also changes.

The DMS is the source of truth for sales, appointments and repair orders, but
the board moves some of them first (a manual check-in, "unidad entregada", a
confirmation by phone). An import that arrives later with older news must not
undo what people did: these rules say which status wins.
"""

from __future__ import annotations

import datetime as dt

from app.rules.appointments import ARRIVED, CONFIRMED, NO_SHOW, PENDING, SCHEDULED

OPEN, DELIVERED = "open", "delivered"


def repair_order_status(current: str | None, incoming: str | None) -> str | None:
    """The status to keep. A delivered order is not reopened by an export taken
    before the delivery; a cancellation from the DMS always applies."""
    if incoming is None:
        return current
    if current == DELIVERED and incoming == OPEN:
        return current
    return incoming


def appointment_status(current: str | None, incoming: str | None) -> str | None:
    """The status to keep. An arrival or a no-show is settled; a confirmation
    made by phone stays when the DMS still says "scheduled"."""
    if incoming is None:
        return current if current is not None else SCHEDULED
    if current in (ARRIVED, NO_SHOW):
        return current
    if current == CONFIRMED and incoming == SCHEDULED:
        return current
    return incoming


def arrives(status: str, has_repair_order: bool, starts_on: dt.date, opened_on: dt.date) -> bool:
    """Whether a repair order opened on `opened_on` (local date) is the arrival
    of an appointment on `starts_on`: same day, and the appointment still waits
    for its car (a no-show marked at midnight is corrected by a late report)."""
    if starts_on != opened_on:
        return False
    if status == ARRIVED:
        return not has_repair_order  # checked in by hand: link the order
    return status in (*PENDING, NO_SHOW)

