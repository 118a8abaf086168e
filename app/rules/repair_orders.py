"""The repair order: open → delivered. Delivery starts the courtesy-call window."""

from __future__ import annotations

import datetime as dt

from app.rules import Refused

OPEN, DELIVERED, CANCELLED = "open", "delivered", "cancelled"

# En proceso, by how long the vehicle has been in the shop (local opening date).
TODAY, YESTERDAY, WEEK, OLDER = "hoy", "ayer", "semana", "mas"
AGES = (TODAY, YESTERDAY, WEEK, OLDER)


def after_delivery(status: str) -> str:
    if status == DELIVERED:
        raise Refused("Esta unidad ya figura como entregada.")
    if status != OPEN:
        raise Refused("Esta orden fue anulada: no se puede entregar.")
    return DELIVERED


def age_span(age: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The local opening dates [first, last] of an age group; None is open-ended."""
    day = dt.timedelta(days=1)
    return {
        TODAY: (today, None),
        YESTERDAY: (today - day, today - day),
        WEEK: (today - 7 * day, today - 2 * day),
        OLDER: (None, today - 8 * day),
    }[age]
