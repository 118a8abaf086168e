"""When the system makes an opportunity by itself, and what it says about why.

Projections (first service after a sale, next maintenance after a visit, a
declined job's agreed date) become opportunities when their date enters the
board's window (today + N days), and not once they are older than the window
(by then the customer is a lapsed one, found monthly). Dates are the branch's
local dates.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

LAPSED_MONTHS = 6
# The procedure's monthly list: vehicles that crossed the six-month line during the last month. Those
# lapsed longer were on an earlier month's list (a customer gone for years is not called every month).
LAPSED_CATCH_UP_MONTHS = 1
DAYS_PER_MONTH = 30.44


def service_due(last_on: dt.date, days: int, km: int, monthly_km: int | None) -> dt.date:
    """The next service: N days after the last one, or sooner when the vehicle's monthly km reach N km."""
    by_days = last_on + dt.timedelta(days=days)
    if monthly_km and monthly_km > 0 and km > 0:
        return min(by_days, last_on + dt.timedelta(days=round(km / monthly_km * DAYS_PER_MONTH)))
    return by_days


def in_window(due: dt.date, today: dt.date, window_days: int) -> bool:
    return today - dt.timedelta(days=window_days) <= due <= today + dt.timedelta(days=window_days)


def projection_since(today: dt.date, interval_days: int, window_days: int) -> dt.date:
    """The oldest last service whose projection can still be in the window (a monthly km can only make it
    sooner, never later)."""
    return today - dt.timedelta(days=interval_days + window_days)


def lapsed_between(today: dt.date) -> tuple[dt.date, dt.date]:
    """Last seen on or after the first date and before the second: crossed the six-month line lately."""
    return (today - relativedelta(months=LAPSED_MONTHS + LAPSED_CATCH_UP_MONTHS),
            today - relativedelta(months=LAPSED_MONTHS))


def lapsed_key(vehicle_id: int, today: dt.date) -> str:
    return f"lapsed:vehicle:{vehicle_id}:{today:%Y-%m}"


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def first_service_reason(delivered_on: dt.date, due: dt.date) -> str:
    return f"Primer service: unidad entregada el {delivered_on:%d/%m/%Y}, le corresponde el {due:%d/%m/%Y}"


def maintenance_reason(serviced_on: dt.date, due: dt.date) -> str:
    return f"Próximo mantenimiento: último service el {serviced_on:%d/%m/%Y}, le corresponde el {due:%d/%m/%Y}"


def lapsed_reason(last_seen: dt.date) -> str:
    return f"Sin visitas al taller desde el {last_seen:%d/%m/%Y}"


def declined_reason(number: str, lines: list[str]) -> str:
    shown = "; ".join(lines[:3]) + ("…" if len(lines) > 3 else "")
    return f"Trabajo no autorizado en la orden {number}: {shown}"


def web_booking_reason(starts_local: dt.datetime) -> str:
    return f"Turno pedido por la web para el {starts_local:%d/%m/%Y %H:%M}: confirmarlo hoy"


def no_show_reason(starts_local: dt.datetime) -> str:
    return f"No vino al turno del {starts_local:%d/%m/%Y %H:%M}: recontactar"
