"""Próximos turnos: today's not yet arrived, to confirm, confirmed, the no-shows
of the last days and today's last arrivals (the branch's local dates).

Por confirmar + Confirmados is the home button's count (HOME_COUNTS_SQL):
scheduled or confirmed, starting today or later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app import db, scope
from app.auth.access import Access
from app.board.lists import Listing, Page, Tab, paged, search, utc
from app.errors import NotFound
from app.i18n import N_
from app.rules import windows
from app.tables import Opportunity

NOT_ARRIVED, TO_CONFIRM, CONFIRMED, NO_SHOWS, ARRIVALS = (
    "no-ingresados", "por-confirmar", "confirmados", "inasistencias", "ingresos"
)
TABS = (
    Tab(NOT_ARRIVED, N_("No ingresados")),
    Tab(TO_CONFIRM, N_("Por confirmar")),
    Tab(CONFIRMED, N_("Confirmados")),
    Tab(NO_SHOWS, N_("Inasistencias")),
    Tab(ARRIVALS, N_("Últimos ingresos")),
)
LAST_ARRIVALS = 10  # Últimos ingresos: today's last ten, no further pages

COLUMNS = """
SELECT a.id, a.branch AS branch_id, b.timezone, a.version, a.starts_at, a.status, a.source, a.advisor_name,
       a.reason, a.reminder_sent_at, a.confirmed_at, a.confirmation_comment, a.arrived_at, a.check_in_source,
       a.opportunity AS opportunity_id, COALESCE(u.full_name, '') AS confirmed_by_name,
       c.id AS customer_id, c.name AS customer_name, c.phone_mobile, c.phone_home, c.email, c.email_opt_out,
       v.id AS vehicle_id, v.plate, v.vin, v.make, v.model, v.model_year,
       a.opportunity AS own_opportunity, a.id AS own_appointment
  FROM appointment a
  JOIN branch b ON b.id = a.branch
  JOIN customer c ON c.id = a.customer
  JOIN vehicle v ON v.id = a.vehicle
  LEFT JOIN app_user u ON u.id = a.confirmed_by
"""

# Each tab: its condition (arguments named after the bounds) and its order.
# Every tab also keeps starts_at >= the no-show window's first day, so the
# whole list reads one range of the (branch, starts_at) index.
_TABS: dict[str, tuple[str, tuple[str, ...], str]] = {
    NOT_ARRIVED: ("a.status IN ('scheduled', 'confirmed') AND a.starts_at >= {} AND a.starts_at < {}",
                  ("today", "tomorrow"), "a.starts_at, a.id"),
    TO_CONFIRM: ("a.status = 'scheduled' AND a.starts_at >= {}", ("today",), "a.starts_at, a.id"),
    CONFIRMED: ("a.status = 'confirmed' AND a.starts_at >= {}", ("today",), "a.starts_at, a.id"),
    NO_SHOWS: ("a.status IN ('no_show', 'scheduled', 'confirmed') AND a.starts_at < {}", ("today",),
               "a.starts_at DESC, a.id DESC"),
    ARRIVALS: ("a.status = 'arrived' AND a.arrived_at >= {} AND a.arrived_at < {}", ("today", "tomorrow"),
               "a.arrived_at DESC, a.id DESC"),
}


def bounds(tz: ZoneInfo, no_show_days: int, now: dt.datetime) -> dict[str, dt.datetime]:
    today = windows.local_today(now, tz)
    today_start, tomorrow = windows.Span(today, today).utc(tz)
    return {"first": windows.start_of_day(today - dt.timedelta(days=no_show_days), tz), "today": today_start,
            "tomorrow": tomorrow}


def _bounds(access: Access, now: dt.datetime) -> dict[str, dt.datetime]:
    assert access.branch is not None
    return bounds(ZoneInfo(access.branch.timezone), access.branch.windows.no_shows, now)


async def page(access: Access, chosen: Listing) -> Page:
    if access.branch is None:
        return Page([], 0, chosen)
    now = dt.datetime.now(dt.UTC)
    b = _bounds(access, now)
    condition, names, order = _TABS[chosen.tab]
    where = search(chosen.q)
    inner = COLUMNS + f" WHERE a.branch = {{}} AND a.starts_at >= {{}} AND {condition} AND {where.sql}"
    async with db.read_together():
        rows = await db.fetch(paged(inner, order), now, access.branch.id, b["first"], *(b[n] for n in names),
                              *where.args, chosen.offset)
        counts = await tab_counts(access, chosen, b)
        if chosen.tab == ARRIVALS:
            rows = rows[:LAST_ARRIVALS] if chosen.page == 1 else []
        rows = await _complete(rows, now)
    return Page(rows, counts[chosen.tab], chosen, counts)


async def counts(access: Access, chosen: Listing) -> dict[str, int]:
    return await tab_counts(access, chosen, _bounds(access, dt.datetime.now(dt.UTC)))


async def tab_counts(access: Access, chosen: Listing, b: dict[str, dt.datetime]) -> dict[str, int]:
    assert access.branch is not None
    where = search(chosen.q)
    joins = "JOIN customer c ON c.id = a.customer JOIN vehicle v ON v.id = a.vehicle" if chosen.q else ""
    sums, args = [], []
    for key, (condition, names, _order) in _TABS.items():
        sums.append(f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS \"{key}\"")
        args += [b[n] for n in names]
    rows = await db.fetch(
        f"SELECT {', '.join(sums)} FROM appointment a {joins}"
        f" WHERE a.branch = {{}} AND a.starts_at >= {{}} AND {where.sql}",
        *args,
        access.branch.id,
        b["first"],
        *where.args,
    )
    found = {key: int(value) for key, value in rows[0].items()}
    found[ARRIVALS] = min(found[ARRIVALS], LAST_ARRIVALS)
    return found


async def row(access: Access, appointment_id: int) -> dict[str, Any]:
    """One appointment as the list shows it, whatever its status (within the user's branches)."""
    scope.known_id(appointment_id)
    reach, ids = scope.branches_sql("a.branch", access)
    now = dt.datetime.now(dt.UTC)
    rows = await db.fetch(paged(COLUMNS + f" WHERE a.id = {{}} AND {reach}", "a.id"), now, appointment_id, *ids, 0)
    if not rows:
        raise NotFound()
    return (await _complete(rows, now))[0]


# --- what a row adds to its columns ---------------------------------------------------------------

# The latest message about each appointment of the page, and its latest recontact.
_MESSAGES_SQL = """
SELECT m.entity_id, m.status, m.attempts, m.last_error, m.created_at, m.sent_at
  FROM outbox_message m
 WHERE m.entity = 'appointment' AND m.entity_id IN ({ids})
 ORDER BY m.id
"""
_RECONTACTS_SQL = """
SELECT t.appointment, t.created_at, t.comment, COALESCE(o.name, '') AS outcome
  FROM contact_attempt t LEFT JOIN call_outcome o ON o.id = t.outcome
 WHERE t.customer IN ({customers}) AND t.appointment IN ({ids}) AND t.purpose = 'recontact'
 ORDER BY t.id
"""


async def _complete(rows: list[dict[str, Any]], now: dt.datetime) -> list[dict[str, Any]]:
    """The page's rows with their day (past / today / future, in their branch's
    time zone), the reminder e-mail's state and the last recontact."""
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    customers = sorted({r["customer_id"] for r in rows})
    marks = ", ".join("{}" for _ in ids)
    messages = await db.fetch(_MESSAGES_SQL.format(ids=marks), *ids)
    recontacts = await db.fetch(
        _RECONTACTS_SQL.format(customers=", ".join("{}" for _ in customers), ids=marks), *customers, *ids
    )
    last_message = {m["entity_id"]: m for m in messages}  # ordered by id: the last one wins
    last_recontact = {t["appointment"]: t for t in recontacts}
    for r in rows:
        tz = ZoneInfo(r["timezone"])
        today = now.astimezone(tz).date()
        starts_at = utc(r["starts_at"])
        assert starts_at is not None
        day = starts_at.astimezone(tz).date()
        message = last_message.get(r["id"])
        recontact = last_recontact.get(r["id"])
        r.update(
            starts_at=starts_at,
            arrived_at=utc(r["arrived_at"]),
            reminder_sent_at=utc(r["reminder_sent_at"]),
            confirmed_at=utc(r["confirmed_at"]),
            day="today" if day == today else "past" if day < today else "future",
            upcoming=starts_at > now,
            reminder=_reminder(message, tz, today),
            recontact=recontact and db.Row(recontact, created_at=utc(recontact["created_at"])),
        )
    return rows


def _reminder(message: dict[str, Any] | None, tz: ZoneInfo, today: dt.date) -> dict[str, Any] | None:
    """The reminder e-mail's state as the row says it: sent (when), failed (why), queued."""
    if message is None:
        return None
    sent_at = utc(message["sent_at"])
    return {
        "status": message["status"],
        "at": sent_at or utc(message["created_at"]),
        "today": sent_at is not None and sent_at.astimezone(tz).date() == today,
        "error": message["last_error"],
        "attempts": message["attempts"],
    }


async def open_recontact(branch_id: int, vehicle_id: int) -> dict[str, Any] | None:
    """The vehicle's open no-show opportunity, if any (one per vehicle and kind)."""
    return (
        await Opportunity.select(Opportunity.id, Opportunity.due_at)
        .where((Opportunity.branch == branch_id) & (Opportunity.vehicle == vehicle_id)
               & (Opportunity.kind == "no_show")
               & Opportunity.campaign.is_null() & (Opportunity.status == "open"))
        .first()
    )
