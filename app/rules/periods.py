"""The report's periods: presets the manager picks, or her own dates; always
the branch's local dates, first and last day included."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

from app.rules import Refused

PRESETS = {
    "hoy": "Hoy",
    "ayer": "Ayer",
    "semana": "Esta semana",
    "semana-anterior": "Semana anterior",
    "mes": "Este mes",
    "mes-anterior": "Mes anterior",
    "30-dias": "Últimos 30 días",
    "elegido": "Fechas elegidas",
}
MAX_DAYS = 366 * 2


def period(preset: str, today: dt.date, first: dt.date | None = None, last: dt.date | None = None
           ) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    if preset == "hoy":
        return today, today
    if preset == "ayer":
        return today - dt.timedelta(days=1), today - dt.timedelta(days=1)
    if preset == "semana":
        return monday, today
    if preset == "semana-anterior":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if preset == "mes":
        return month, today
    if preset == "mes-anterior":
        return month - relativedelta(months=1), month - dt.timedelta(days=1)
    if preset == "30-dias":
        return today - dt.timedelta(days=29), today
    if first is None or last is None:
        raise Refused("Elija las dos fechas del período.")
    if first > last:
        raise Refused("La fecha «desde» es posterior a «hasta».")
    if (last - first).days > MAX_DAYS:
        raise Refused("El período puede abarcar hasta dos años.")
    return first, last
