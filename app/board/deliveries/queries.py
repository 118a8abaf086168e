"""Entregas: the branch's sales deliveries of the last N days (local dates
today-N … today), split by whether the welcome call was made."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app import db, scope
from app.auth.access import Access
from app.board.lists import Listing, Page, Tab, paged, search
from app.errors import NotFound
from app.i18n import N_
from app.rules import windows

PENDING, DONE = "sin-llamado", "con-llamado"
TABS = (Tab(PENDING, N_("Sin llamado")), Tab(DONE, N_("Con llamado")))
STATUS = {PENDING: "pending", DONE: "done"}

COLUMNS = """
SELECT d.id, d.branch AS branch_id, d.version, d.delivered_at, d.salesperson,
       d.welcome_call_status, d.welcome_call_comment, d.welcome_called_at,
       co.name AS outcome_name, co.reached AS outcome_reached, u.full_name AS called_by_name,
       c.id AS customer_id, c.name AS customer_name, c.phone_mobile, c.phone_home, c.email,
       v.id AS vehicle_id, v.plate, v.vin, v.make, v.model, v.model_year,
       0 AS own_opportunity, 0 AS own_appointment
  FROM delivery d
  JOIN customer c ON c.id = d.customer
  JOIN vehicle v ON v.id = d.vehicle
  LEFT JOIN call_outcome co ON co.id = d.welcome_call_outcome
  LEFT JOIN app_user u ON u.id = d.welcome_called_by
"""


def _window(access: Access, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The same UTC interval as the home button's count (app.board.queries)."""
    assert access.branch is not None
    tz = ZoneInfo(access.branch.timezone)
    return windows.last_days(windows.local_today(now, tz), access.branch.windows.deliveries).utc(tz)


async def page(access: Access, chosen: Listing) -> Page:
    if access.branch is None:
        return Page([], 0, chosen)
    now = dt.datetime.now(dt.UTC)
    first, end = _window(access, now)
    where = search(chosen.q)
    inner = (
        COLUMNS + " WHERE d.branch = {} AND d.delivered_at >= {} AND d.delivered_at < {}"
        f" AND d.welcome_call_status = {{}} AND {where.sql}"
    )
    async with db.read_together():
        rows = await db.fetch(
            paged(inner, "d.delivered_at DESC, d.id DESC"),
            now, access.branch.id, first, end, STATUS[chosen.tab], *where.args, chosen.offset,
        )
        counts = await _tab_counts(access, chosen, first, end)
    return Page(rows, counts[chosen.tab], chosen, counts)


async def counts(access: Access, chosen: Listing) -> dict[str, int]:
    return await _tab_counts(access, chosen, *_window(access, dt.datetime.now(dt.UTC)))


async def _tab_counts(access: Access, chosen: Listing, first: dt.datetime, end: dt.datetime) -> dict[str, int]:
    assert access.branch is not None
    where = search(chosen.q)
    joins = "JOIN customer c ON c.id = d.customer JOIN vehicle v ON v.id = d.vehicle" if chosen.q else ""
    rows = await db.fetch(
        f"""SELECT COALESCE(SUM(CASE WHEN d.welcome_call_status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                   COALESCE(SUM(CASE WHEN d.welcome_call_status = 'done' THEN 1 ELSE 0 END), 0) AS done
              FROM delivery d {joins}
             WHERE d.branch = {{}} AND d.delivered_at >= {{}} AND d.delivered_at < {{}} AND {where.sql}""",
        access.branch.id,
        first,
        end,
        *where.args,
    )
    return {PENDING: int(rows[0]["pending"]), DONE: int(rows[0]["done"])}


async def row(access: Access, delivery_id: int) -> dict[str, Any]:
    """One delivery as the list shows it, called or not (within the user's branches)."""
    scope.known_id(delivery_id)
    reach, ids = scope.branches_sql("d.branch", access)
    rows = await db.fetch(
        paged(COLUMNS + f" WHERE d.id = {{}} AND {reach}", "d.id"), dt.datetime.now(dt.UTC), delivery_id, *ids, 0
    )
    if not rows:
        raise NotFound()
    return rows[0]
