"""The appointment life cycle: scheduled → confirmed → arrived;
scheduled | confirmed → no_show | cancelled."""

from __future__ import annotations

import datetime as dt

from app.rules import Refused

SCHEDULED, CONFIRMED, ARRIVED, NO_SHOW, CANCELLED = "scheduled", "confirmed", "arrived", "no_show", "cancelled"
PENDING = (SCHEDULED, CONFIRMED)

_DONE = {ARRIVED: "el vehículo ya ingresó", NO_SHOW: "quedó como inasistencia", CANCELLED: "fue cancelado"}


def _pending(status: str) -> None:
    if status not in PENDING:
        raise Refused(f"Este turno ya no está pendiente: {_DONE.get(status, status)}.")


def after_confirm(status: str) -> str:
    if status == CONFIRMED:
        raise Refused("Este turno ya estaba confirmado.")
    _pending(status)
    return CONFIRMED


def after_check_in(status: str, day: dt.date, today: dt.date) -> str:
    """A manual check-in, when the DMS has not reported the arrival: only on the appointment's day."""
    _pending(status)
    if day != today:
        raise Refused("Solo se puede registrar el ingreso el día del turno.")
    return ARRIVED


def after_no_show(status: str, day: dt.date, today: dt.date) -> str:
    if status == NO_SHOW:
        return NO_SHOW
    _pending(status)
    if day >= today:
        raise Refused("El turno todavía no pasó: no es una inasistencia.")
    return NO_SHOW


def reminder_refusal(status: str, starts_at: dt.datetime, now: dt.datetime, email: str, opted_out: bool) -> None:
    """Why the reminder e-mail cannot go out (raises), or nothing."""
    _pending(status)
    if starts_at < now:
        raise Refused("El turno ya pasó: no tiene sentido recordarlo.")
    if not email:
        raise Refused("El cliente no tiene e-mail cargado.")
    if opted_out:
        raise Refused("El cliente pidió no recibir e-mails.")
