"""The day's end: tomorrow's appointments to every advisor, the day's test-drive
leads to sales.

At the branch's end-of-day time (default 18:00, its own time zone) each
advisor with an e-mail gets tomorrow's list: their appointments (by user, or by
the name the DMS gives) and the ones nobody was assigned. The same list prints
on A4 from /turnos/manana, one advisor per sheet. Sales gets the test drives
customers accepted that day. A job every 10 minutes looks for branches whose
day ended; each message has a key of branch, day and person, so nothing goes
twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from app import db, i18n
from app.audit import Actor, record
from app.board.lists import utc
from app.i18n import N_
from app.messaging import outbox, queries
from app.rules.normalise import fold
from app.rules.windows import start_of_day
from app.tables import Branch, Lead, OutboxMessage

log = logging.getLogger("retorno.daily_pack")
UNASSIGNED = "Sin asesor asignado"
SUBJECT = N_("%(sucursal)s: turnos del %(dia)s (%(cuantos)s)")
HEADER = N_("Turnos de mañana %(dia)s en %(sucursal)s.")
MINE = N_("Sus turnos (%(cuantos)s)")
VISIT = N_("turno en el taller: %(cuando)s")
NO_VISIT = N_("sin turno")


@dataclass
class AdvisorDay:
    name: str
    email: str = ""
    user_id: int | None = None
    appointments: list[dict[str, Any]] = field(default_factory=list)


def day_ended(now_local: dt.datetime, day_end: str) -> bool:
    try:
        hour, minute = (int(x) for x in day_end.split(":"))
    except ValueError:
        hour, minute = 18, 0
    return now_local.time() >= dt.time(hour, minute)


async def tomorrow(branch_id: int, tz: ZoneInfo, today: dt.date) -> tuple[dt.date, list[AdvisorDay]]:
    """Tomorrow's appointments per advisor (the unassigned ones last, as their own list)."""
    day = today + dt.timedelta(days=1)
    rows = await queries.appointments_between(branch_id, start_of_day(day, tz), start_of_day(day + dt.timedelta(1), tz))
    people = await queries.advisors(branch_id)
    by_id = {p["id"]: AdvisorDay(p["full_name"], p["email"], p["id"]) for p in people}
    by_name = {fold(p["full_name"]): by_id[p["id"]] for p in people}
    unassigned = AdvisorDay(UNASSIGNED)
    for row in rows:
        row["starts_at"] = utc(row["starts_at"]).astimezone(tz)
        who = by_id.get(row["advisor"]) or by_name.get(fold(row["advisor_name"] or ""))
        if who is None and row["advisor_name"]:
            who = by_name.setdefault(fold(row["advisor_name"]), AdvisorDay(row["advisor_name"]))
        (who or unassigned).appointments.append(row)
    named = sorted({id(a): a for a in [*by_id.values(), *by_name.values()]}.values(), key=lambda a: fold(a.name))
    return day, [*named, unassigned]


def _appointment_line(a: dict[str, Any]) -> str:
    vehicle = " ".join(p for p in (a["make"], a["model"], a["plate"]) if p)
    phone = i18n.telefono(a["phone_mobile"]) if a["phone_mobile"] else ""
    state = "confirmado" if a["status"] == "confirmed" else "sin confirmar"
    session = " · sesión de tecnología con el especialista" if a["tech_session"] else ""
    return f"{a['starts_at']:%H:%M}  {a['customer_name']}  {phone}  {vehicle}  {a['reason']}  ({state}){session}"


def advisor_email(branch_name: str, day: dt.date, mine: AdvisorDay, unassigned: AdvisorDay,
                  locale: str) -> tuple[str, str, str]:
    say = i18n.translations(locale).gettext
    date = f"{day:%d/%m/%Y}"
    subject = say(SUBJECT) % {"sucursal": branch_name, "dia": date, "cuantos": len(mine.appointments)}
    sections = [(say(MINE) % {"cuantos": len(mine.appointments)}, mine.appointments)]
    if unassigned.appointments:
        sections.append((f"{UNASSIGNED} ({len(unassigned.appointments)})", unassigned.appointments))
    text = "\n".join([say(HEADER) % {"dia": date, "sucursal": branch_name}, ""] + [
        line for title, rows in sections for line in
        [title, *([_appointment_line(a) for a in rows] or ["Ninguno."]), ""]])
    html = "".join(f"<h2>{escape(title)}</h2><ul>" + "".join(
        f"<li>{escape(_appointment_line(a))}</li>" for a in rows) + "</ul>" for title, rows in sections)
    return subject, text, f"<!doctype html><html><body style='font-family:Arial,sans-serif'>{html}</body></html>"


def test_drive_email(branch_name: str, today: dt.date, leads: list[dict[str, Any]], tz: ZoneInfo,
                     locale: str) -> tuple[str, str]:
    say = i18n.translations(locale).gettext
    lines = [f"Clientes de posventa que aceptaron una prueba de manejo hoy ({today:%d/%m/%Y}) en {branch_name}:", ""]
    for lead in leads:
        current = " ".join(str(p) for p in (lead["make"], lead["model"], lead["model_year"], lead["plate"]) if p)
        visit = (say(VISIT) % {"cuando": f"{utc(lead['starts_at']).astimezone(tz):%d/%m/%Y %H:%M}"}
                 if lead["starts_at"] else say(NO_VISIT))
        phone = i18n.telefono(lead["phone_mobile"]) if lead["phone_mobile"] else "sin teléfono"
        lines.append(f"- {lead['customer_name']} · {phone} · tiene {current or 'un vehículo'} · quiere probar "
                     f"{lead['model_of_interest']} · {visit}")
    return f"{branch_name}: {len(leads)} prueba(s) de manejo para contactar", "\n".join(lines)


async def _queue_once(key: str, **message: Any) -> int | None:
    if await OutboxMessage.exists().where(OutboxMessage.dedupe_key == key):
        return None
    return await outbox.queue_email(dedupe_key=key, **message)


async def send_daily_pack(ctx: dict[str, Any], now: dt.datetime | None = None, branch_id: int | None = None) -> int:
    """The job: how many messages it queued."""
    now = now or dt.datetime.now(dt.UTC)
    query = Branch.select(Branch.id, Branch.dealer, Branch.name, Branch.locale, Branch.timezone,
                          Branch.day_end_time, Branch.sales_email).where(Branch.active.eq(True))
    if branch_id is not None:
        query = query.where(Branch.id == branch_id)
    queued: list[int] = []
    for b in await query:
        mine: list[int] = []
        tz = ZoneInfo(b["timezone"])
        local = now.astimezone(tz)
        if not day_ended(local, b["day_end_time"]):
            continue
        day, lists = await tomorrow(b["id"], tz, local.date())
        unassigned = lists[-1]
        async with db.write_transaction():
            for advisor in lists[:-1]:
                if not advisor.email or advisor.user_id is None:
                    continue
                if not advisor.appointments and not unassigned.appointments:
                    continue  # nothing for them tomorrow: no mail
                subject, text, html = advisor_email(b["name"], day, advisor, unassigned, b["locale"])
                if (message_id := await _queue_once(
                        f"daily-pack:{b['id']}:{day.isoformat()}:{advisor.user_id}", recipient=advisor.email,
                        subject=subject, body_text=text, body_html=html, branch_id=b["id"],
                        entity="daily_pack")) is not None:
                    mine.append(message_id)
            leads = await queries.unsent_test_drives(b["id"]) if b["sales_email"] else []
            if leads:
                subject, text = test_drive_email(b["name"], local.date(), leads, tz, b["locale"])
                if (message_id := await _queue_once(
                        f"test-drives:{b['id']}:{local.date().isoformat()}:{leads[-1]['id']}",
                        recipient=b["sales_email"], subject=subject, body_text=text, branch_id=b["id"],
                        entity="test_drive_leads")) is not None:
                    mine.append(message_id)
                    await Lead.update({Lead.sent_at: now}).where(Lead.id.is_in([x["id"] for x in leads]))
            if mine:
                await record(Actor(None, "sistema", b["dealer"]), "daily_pack.queue", entity="branch",
                             entity_id=b["id"], branch_id=b["id"], after={"day": day.isoformat(), "messages": mine})
        queued += mine
    for message_id in queued:  # this is a job already: deliver here (the sweep retries what fails)
        await outbox.deliver_message(ctx, message_id)
    return len(queued)
