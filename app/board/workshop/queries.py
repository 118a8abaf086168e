"""The workshop's two lists, both of repair orders:

- En proceso: open orders, by how long the vehicle has been in the shop
  (the local opening date: today / yesterday / up to a week / more).
- Servicios realizados: orders delivered in the last N days (local dates
  today-N … today), split by whether the courtesy call was made.

Their totals are the home buttons' counts (app.board.queries).
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
from app.rules import repair_orders as rules
from app.rules import windows

IN_PROCESS_TABS = (
    Tab(rules.TODAY, N_("Hoy")),
    Tab(rules.YESTERDAY, N_("Ayer")),
    Tab(rules.WEEK, N_("Hasta 1 semana")),
    Tab(rules.OLDER, N_("Más de 1 semana")),
)
PENDING, DONE = "sin-llamado", "con-llamado"
DONE_TABS = (Tab(PENDING, N_("Sin llamado de cortesía")), Tab(DONE, N_("Con llamado")))
CALL_STATUS = {PENDING: "pending", DONE: "done"}

COLUMNS = """
SELECT r.id, r.branch AS branch_id, r.version, r.number, r.status, r.stage, r.advisor_name,
       r.opened_at, r.finished_at, r.delivered_at, r.delivered_by, du.full_name AS delivered_by_name,
       r.courtesy_call_status, r.courtesy_call_comment, r.courtesy_called_at,
       co.name AS outcome_name, co.reached AS outcome_reached, cu.full_name AS called_by_name,
       c.id AS customer_id, c.name AS customer_name, c.phone_mobile, c.phone_home, c.email,
       v.id AS vehicle_id, v.plate, v.vin, v.make, v.model, v.model_year,
       0 AS own_opportunity, 0 AS own_appointment
  FROM repair_order r
  JOIN customer c ON c.id = r.customer
  JOIN vehicle v ON v.id = r.vehicle
  LEFT JOIN app_user du ON du.id = r.delivered_by
  LEFT JOIN call_outcome co ON co.id = r.courtesy_call_outcome
  LEFT JOIN app_user cu ON cu.id = r.courtesy_called_by
"""
SEARCH_JOINS = "JOIN customer c ON c.id = r.customer JOIN vehicle v ON v.id = r.vehicle"


def _today(access: Access, now: dt.datetime) -> tuple[dt.date, ZoneInfo]:
    assert access.branch is not None
    tz = ZoneInfo(access.branch.timezone)
    return windows.local_today(now, tz), tz


def _with_days(rows: list[dict[str, Any]], today: dt.date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Days in the shop: local dates from opening to today (0 = opened today)."""
    for r in rows:
        r["days"] = max(0, (today - utc(r["opened_at"]).astimezone(tz).date()).days)
    return rows


# --- En proceso --------------------------------------------------------------------------------


def age_bounds(today: dt.date, tz: ZoneInfo) -> dict[str, tuple[dt.datetime | None, dt.datetime | None]]:
    """Each age group as a UTC interval [start, end) of opened_at; None is open-ended."""
    bounds = {}
    for age in rules.AGES:
        first, last = rules.age_span(age, today)
        bounds[age] = (
            windows.start_of_day(first, tz) if first else None,
            windows.start_of_day(last + dt.timedelta(days=1), tz) if last else None,
        )
    return bounds


def age_sql(start: dt.datetime | None, end: dt.datetime | None) -> tuple[str, list[dt.datetime]]:
    clauses, args = [], []
    if start is not None:
        clauses.append("r.opened_at >= {}")
        args.append(start)
    if end is not None:
        clauses.append("r.opened_at < {}")
        args.append(end)
    return " AND ".join(clauses) or "TRUE", args


async def in_process_page(access: Access, chosen: Listing) -> Page:
    if access.branch is None:
        return Page([], 0, chosen)
    now = dt.datetime.now(dt.UTC)
    today, tz = _today(access, now)
    bounds = age_bounds(today, tz)
    age, age_args = age_sql(*bounds[chosen.tab])
    where = search(chosen.q)
    inner = COLUMNS + f" WHERE r.branch = {{}} AND r.status = 'open' AND {age} AND {where.sql}"
    async with db.read_together():
        rows = await db.fetch(
            paged(inner, "r.opened_at DESC, r.id DESC"),
            now, access.branch.id, *age_args, *where.args, chosen.offset,
        )
        counts = await _age_counts(access, chosen, bounds)
    return Page(_with_days(rows, today, tz), counts[chosen.tab], chosen, counts)


async def in_process_counts(access: Access, chosen: Listing) -> dict[str, int]:
    today, tz = _today(access, dt.datetime.now(dt.UTC))
    return await _age_counts(access, chosen, age_bounds(today, tz))


async def _age_counts(
    access: Access, chosen: Listing, bounds: dict[str, tuple[dt.datetime | None, dt.datetime | None]]
) -> dict[str, int]:
    assert access.branch is not None
    where = search(chosen.q)
    sums, args = [], []
    for age in rules.AGES:
        condition, age_args = age_sql(*bounds[age])
        sums.append(f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {age}")
        args += age_args
    rows = await db.fetch(
        f"""SELECT {', '.join(sums)}
              FROM repair_order r {SEARCH_JOINS if chosen.q else ''}
             WHERE r.branch = {{}} AND r.status = 'open' AND {where.sql}""",
        *args,
        access.branch.id,
        *where.args,
    )
    return {age: int(rows[0][age]) for age in rules.AGES}


# --- Servicios realizados ----------------------------------------------------------------------


def _done_window(access: Access, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The same UTC interval as the home button's count."""
    assert access.branch is not None
    today, tz = _today(access, now)
    return windows.last_days(today, access.branch.windows.done).utc(tz)


async def done_page(access: Access, chosen: Listing) -> Page:
    if access.branch is None:
        return Page([], 0, chosen)
    now = dt.datetime.now(dt.UTC)
    today, tz = _today(access, now)
    first, end = _done_window(access, now)
    where = search(chosen.q)
    inner = (
        COLUMNS + " WHERE r.branch = {} AND r.status = 'delivered' AND r.delivered_at >= {} AND r.delivered_at < {}"
        f" AND r.courtesy_call_status = {{}} AND {where.sql}"
    )
    async with db.read_together():
        rows = await db.fetch(
            paged(inner, "r.delivered_at DESC, r.id DESC"),
            now, access.branch.id, first, end, CALL_STATUS[chosen.tab], *where.args, chosen.offset,
        )
        counts = await _done_counts(access, chosen, first, end)
    return Page(_with_days(rows, today, tz), counts[chosen.tab], chosen, counts)


async def done_counts(access: Access, chosen: Listing) -> dict[str, int]:
    return await _done_counts(access, chosen, *_done_window(access, dt.datetime.now(dt.UTC)))


async def _done_counts(access: Access, chosen: Listing, first: dt.datetime, end: dt.datetime) -> dict[str, int]:
    assert access.branch is not None
    where = search(chosen.q)
    rows = await db.fetch(
        f"""SELECT COALESCE(SUM(CASE WHEN r.courtesy_call_status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                   COALESCE(SUM(CASE WHEN r.courtesy_call_status = 'done' THEN 1 ELSE 0 END), 0) AS done
              FROM repair_order r {SEARCH_JOINS if chosen.q else ''}
             WHERE r.branch = {{}} AND r.status = 'delivered' AND r.delivered_at >= {{}} AND r.delivered_at < {{}}
               AND {where.sql}""",
        access.branch.id,
        first,
        end,
        *where.args,
    )
    return {PENDING: int(rows[0]["pending"]), DONE: int(rows[0]["done"])}


# --- one row, for either list -------------------------------------------------------------------


async def row(access: Access, ro_id: int) -> dict[str, Any]:
    """One repair order as the lists show it, whatever its status (within the user's branches)."""
    scope.known_id(ro_id)
    reach, ids = scope.branches_sql("r.branch", access)
    now = dt.datetime.now(dt.UTC)
    rows = await db.fetch(paged(COLUMNS + f" WHERE r.id = {{}} AND {reach}", "r.id"), now, ro_id, *ids, 0)
    if not rows:
        raise NotFound()
    found = rows[0]
    tz = ZoneInfo(next(b.timezone for b in access.branches if b.id == found["branch_id"]))
    return _with_days([found], windows.local_today(now, tz), tz)[0]
