"""The reminder e-mail of an appointment: subject, text and HTML bodies, in
the words, dates and time zone of the appointment's branch (not of the user
who sends it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from app import i18n
from app.i18n import N_

SUBJECT = N_("Recordatorio de su turno del %(fecha)s a las %(hora)s")
INTRO = N_("Le recordamos su turno en %(sucursal)s:")
WITH_PLATE = N_("%(vehiculo)s, patente %(placa)s")
CALL_US = N_("Si no puede venir, llámenos al %(telefono)s y le damos otro turno.")


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Visit:
    customer_name: str
    starts_at: dt.datetime
    make: str
    model: str
    plate: str
    branch_name: str
    address: str
    phone: str
    locale: str  # the branch's: es-AR, es-MX
    tz: ZoneInfo


def reminder(visit: Visit) -> Email:
    say = i18n.translations(visit.locale).gettext
    babel_locale = visit.locale.replace("-", "_")
    local = visit.starts_at.astimezone(visit.tz)
    day = format_date(local.date(), "EEEE dd/MM/yyyy", locale=babel_locale)
    time = format_time(local, "HH:mm", locale=babel_locale)
    vehicle = " ".join(part for part in (visit.make, visit.model) if part) or "—"
    if visit.plate:
        vehicle = say(WITH_PLATE) % {"vehiculo": vehicle, "placa": visit.plate}
    details = [("Fecha", day), ("Hora", time), ("Vehículo", vehicle)]
    if visit.address:
        details.append(("Dirección", visit.address))
    phone = i18n.telefono(visit.phone)
    if phone:
        details.append(("Teléfono", phone))
    greeting = f"Estimado/a {visit.customer_name}:" if visit.customer_name else "Estimado/a cliente:"
    intro = say(INTRO) % {"sucursal": visit.branch_name}
    closing = [say(CALL_US) % {"telefono": phone}] if phone else []
    closing.append("Por favor, llegue unos minutos antes para la recepción del vehículo.")
    subject = say(SUBJECT) % {"fecha": local.strftime("%d/%m/%Y"), "hora": time}
    text = "\n".join(
        [greeting, "", intro, "", *(f"  {label}: {value}" for label, value in details), "", *closing, "",
         visit.branch_name]
    )
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in details
    )
    html = (
        f'<!doctype html><html lang="{escape(visit.locale)}">'
        '<body style="font-family:Arial,sans-serif;font-size:15px;color:#1d2733">'
        f"<p>{escape(greeting)}</p><p>{escape(intro)}</p><table>{rows}</table>"
        + "".join(f"<p>{escape(line)}</p>" for line in closing)
        + f"<p><strong>{escape(visit.branch_name)}</strong></p></body></html>"
    )
    return Email(subject=subject[:300], text=text, html=html)
