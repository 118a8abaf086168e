"""The opportunity life cycle: open → booked | discarded | no_contact (the
branch's limit of unanswered attempts reached: the fallback letter or e-mail
goes out by itself); held → open when a recall's parts arrive. Rescheduling
keeps it open with a new due moment; attempts are logged while open, each in
its time slot, and the next one is proposed in a slot not tried yet."""

from __future__ import annotations

import datetime as dt
import math

from app.rules import Refused

OPEN, BOOKED, DISCARDED, NO_CONTACT = "open", "booked", "discarded", "no_contact"
SLOTS = ("morning", "midday", "afternoon", "evening")  # as app.rules.calls.time_slot names them

_CLOSED = {BOOKED: "ya tiene turno vendido", DISCARDED: "ya fue descartada",
           NO_CONTACT: "quedó sin contacto (se envió la carta o el e-mail)"}


def _must_be_open(status: str) -> None:
    if status != OPEN:
        raise Refused(f"Esta oportunidad {_CLOSED.get(status, 'ya no está abierta')}: no admite cambios.")


def not_in_past(moment: dt.datetime, now: dt.datetime, what: str) -> None:
    # The minute the user is typing in counts as now.
    if moment < now.replace(second=0, microsecond=0):
        raise Refused(f"{what} no puede quedar en el pasado.")


def after_discard(status: str, reason_id: int | None) -> str:
    _must_be_open(status)
    if reason_id is None:
        raise Refused("Falta el motivo de descarte.")
    return DISCARDED


def after_reschedule(status: str, due_at: dt.datetime, now: dt.datetime, reschedules: int) -> int:
    """The new reschedule count."""
    _must_be_open(status)
    not_in_past(due_at, now, "La nueva fecha")
    return reschedules + 1


def after_booking(status: str, starts_at: dt.datetime, now: dt.datetime) -> str:
    _must_be_open(status)
    not_in_past(starts_at, now, "El turno")
    return BOOKED


def after_attempt(status: str, attempts: int, limit: int) -> int:
    """The new attempt count; refused once the branch's limit is reached
    (then the fallback letter or e-mail is due, not another call)."""
    _must_be_open(status)
    if attempts >= limit:
        raise Refused(
            f"Ya se registraron los {limit} intentos que admite la sucursal: "
            "corresponde enviar la carta o el e-mail, o descartar la oportunidad."
        )
    return attempts + 1


def at_attempt_limit(attempts: int, limit: int) -> bool:
    return attempts >= limit


def service_due(since: dt.date, days: int, km: int, monthly_km: int | None) -> dt.date:
    """The next service after a sale (first service) or a visit: after `days`,
    or when the vehicle has run `km` at its monthly km, whichever comes first."""
    due = since + dt.timedelta(days=days)
    if monthly_km and monthly_km > 0 and km > 0:
        by_km = since + dt.timedelta(days=math.ceil(km / monthly_km * 365.25 / 12))
        due = min(due, by_km)
    return due


def next_slot(tried: list[str], current: str) -> str:
    """The slot to call in next: the first not tried yet, counting from the current one; when every slot
    was tried, the least tried (the procedure: "en diferentes horarios")."""
    start = SLOTS.index(current) if current in SLOTS else 0
    order = SLOTS[start:] + SLOTS[:start]
    untried = [slot for slot in order if slot not in tried]
    if untried:
        return untried[0]
    return min(order, key=tried.count)


def without_contact(attempts: int, limit: int, reached: bool) -> bool:
    """The attempt that reaches the limit unanswered closes the opportunity as "sin contacto"."""
    return attempts >= limit and not reached
