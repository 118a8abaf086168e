"""Oportunidades nuevas: open opportunities due from today-N to today+N,
split into overdue / today / upcoming (the branch's local dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app import db, scope
from app.auth.access import Access
from app.board.common import branch_rules
from app.board.lists import Listing, Page, Tab, paged, search
from app.errors import NotFound
from app.i18n import N_
from app.rules import opportunities as opportunity_rules
from app.rules import windows
from app.tables import CallOutcome, CallPurpose, Delivery, DiscardReason, RepairOrder

OVERDUE, TODAY, UPCOMING, CAMPAIGNS = "vencidas", "hoy", "proximas", "campana"
# Op. Campaña: every open campaign opportunity of the window, whatever its day (as the old tool's button).
TABS = (Tab(OVERDUE, N_("Vencidas")), Tab(TODAY, N_("Hoy")), Tab(UPCOMING, N_("Próximas")),
        Tab(CAMPAIGNS, N_("Op. Campaña")))

COLUMNS = """
SELECT o.id, o.branch AS branch_id, o.version, o.kind, o.source, o.reason, o.due_at, o.status,
       o.reschedule_count, o.attempt_count, o.last_attempt_at, o.discard_comment, o.closed_at,
       cp.name AS campaign_name, dr.name AS discard_reason,
       c.id AS customer_id, c.name AS customer_name, c.phone_mobile, c.phone_home, c.email,
       v.id AS vehicle_id, v.plate, v.vin, v.make, v.model, v.model_year, v.odometer_km,
       o.id AS own_opportunity, 0 AS own_appointment
  FROM opportunity o
  JOIN customer c ON c.id = o.customer
  LEFT JOIN vehicle v ON v.id = o.vehicle
  LEFT JOIN campaign cp ON cp.id = o.campaign
  LEFT JOIN discard_reason dr ON dr.id = o.discard_reason
"""


def _bounds(access: Access, now: dt.datetime) -> dict[str, dt.datetime]:
    assert access.branch is not None
    tz = ZoneInfo(access.branch.timezone)
    today = windows.local_today(now, tz)
    first, end = windows.around(today, access.branch.windows.opportunities).utc(tz)
    today_start, tomorrow = windows.Span(today, today).utc(tz)
    return {"first": first, "today": today_start, "tomorrow": tomorrow, "end": end}


def _tab_range(tab: str, b: dict[str, dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    return {OVERDUE: (b["first"], b["today"]), TODAY: (b["today"], b["tomorrow"]), UPCOMING: (b["tomorrow"], b["end"]),
            CAMPAIGNS: (b["first"], b["end"])}[tab]


async def page(access: Access, chosen: Listing) -> Page:
    if access.branch is None:
        return Page([], 0, chosen)
    now = dt.datetime.now(dt.UTC)
    b = _bounds(access, now)
    start, end = _tab_range(chosen.tab, b)
    where = search(chosen.q)
    inner = (
        COLUMNS + f" WHERE o.branch = {{}} AND o.status = 'open' AND o.due_at >= {{}} AND o.due_at < {{}}"
        f"{' AND o.campaign IS NOT NULL' if chosen.tab == CAMPAIGNS else ''} AND {where.sql}"
    )
    async with db.read_together():
        rows = await db.fetch(paged(inner, "o.due_at, o.id"), now, access.branch.id, start, end, *where.args,
                              chosen.offset)
        counts = await tab_counts(access, chosen, now, b)
    return Page(rows, counts[chosen.tab], chosen, counts)


async def counts(access: Access, chosen: Listing) -> dict[str, int]:
    now = dt.datetime.now(dt.UTC)
    return await tab_counts(access, chosen, now, _bounds(access, now))


async def tab_counts(access: Access, chosen: Listing, now: dt.datetime, b: dict[str, dt.datetime]) -> dict[str, int]:
    assert access.branch is not None
    where = search(chosen.q)
    joins = "JOIN customer c ON c.id = o.customer LEFT JOIN vehicle v ON v.id = o.vehicle" if chosen.q else ""
    rows = await db.fetch(
        f"""SELECT COALESCE(SUM(CASE WHEN o.due_at < {{}} THEN 1 ELSE 0 END), 0) AS overdue,
                   COALESCE(SUM(CASE WHEN o.due_at >= {{}} AND o.due_at < {{}} THEN 1 ELSE 0 END), 0) AS today,
                   COALESCE(SUM(CASE WHEN o.due_at >= {{}} THEN 1 ELSE 0 END), 0) AS upcoming,
                   COALESCE(SUM(CASE WHEN o.campaign IS NOT NULL THEN 1 ELSE 0 END), 0) AS campaigns
              FROM opportunity o {joins}
             WHERE o.branch = {{}} AND o.status = 'open' AND o.due_at >= {{}} AND o.due_at < {{}} AND {where.sql}""",
        b["today"],
        b["today"],
        b["tomorrow"],
        b["tomorrow"],
        access.branch.id,
        b["first"],
        b["end"],
        *where.args,
    )
    row = rows[0]
    return {OVERDUE: int(row["overdue"]), TODAY: int(row["today"]), UPCOMING: int(row["upcoming"]),
            CAMPAIGNS: int(row["campaigns"])}


async def row(access: Access, opp_id: int) -> dict[str, Any]:
    """One opportunity as the list shows it, whatever its status (within the user's branches)."""
    scope.known_id(opp_id)
    reach, ids = scope.branches_sql("o.branch", access)
    rows = await db.fetch(
        paged(COLUMNS + f" WHERE o.id = {{}} AND {reach}", "o.id"), dt.datetime.now(dt.UTC), opp_id, *ids, 0
    )
    if not rows:
        raise NotFound()
    return rows[0]


async def discard_reasons(access: Access, branch_id: int) -> list[dict[str, Any]]:
    return (
        await DiscardReason.select(DiscardReason.id, DiscardReason.name)
        .where((DiscardReason.branch == branch_id) & DiscardReason.active.eq(True)
               & scope.branches(DiscardReason, access))
        .order_by(DiscardReason.position)
        .order_by(DiscardReason.name)
    )


async def call_outcomes(access: Access, branch_id: int, purpose: str) -> list[dict[str, Any]]:
    """The branch's active outcomes for one kind of call (and those for any call)."""
    return (
        await CallOutcome.select(CallOutcome.id, CallOutcome.name, CallOutcome.reached)
        .where(
            (CallOutcome.branch == branch_id)
            & CallOutcome.active.eq(True)
            & scope.branches(CallOutcome, access)
            & CallOutcome.purpose.is_in([purpose, CallPurpose.any.value])
        )
        .order_by(CallOutcome.position)
        .order_by(CallOutcome.name)
    )


async def vehicle_summary(access: Access, vehicle_id: int) -> dict[str, Any]:
    """The vehicle and its customer, as a form about them shows it."""
    scope.known_id(vehicle_id)
    reach, ids = scope.branches_sql("v.branch", access)
    rows = await db.fetch(
        f"""SELECT v.id AS vehicle_id, v.branch, v.plate, v.vin, v.make, v.model, v.model_year, v.monthly_km,
                   c.id AS customer_id, c.name AS customer_name, c.phone_mobile, c.email
              FROM vehicle v LEFT JOIN customer c ON c.id = COALESCE(v.owner, v.driver)
             WHERE v.id = {{}} AND {reach}""",
        vehicle_id,
        *ids,
    )
    if not rows:
        raise NotFound()
    return rows[0]


async def new_opportunity(
    access: Access, vehicle_id: int, delivery_id: int | None = None, repair_order_id: int | None = None
) -> dict[str, Any]:
    """The "Crear oportunidad" form, prefilled: after a sale, the first service
    by the branch's rule and the vehicle's monthly km; after a visit, the next
    maintenance; otherwise a manual call tomorrow."""
    vehicle = await vehicle_summary(access, vehicle_id)
    branch = await branch_rules(vehicle["branch"])
    today = branch.today(dt.datetime.now(dt.UTC))
    kind, due, reason = "manual", today + dt.timedelta(days=1), ""
    if delivery_id is not None:
        delivery = await scope.one(Delivery, access, delivery_id, Delivery.delivered_at, Delivery.vehicle)
        if delivery["vehicle"] == vehicle_id:
            since = delivery["delivered_at"].astimezone(branch.tz).date()
            kind, reason = "welcome_followup", "Primer servicio"
            due = opportunity_rules.service_due(
                since, branch.first_service_days, branch.first_service_km, vehicle["monthly_km"]
            )
    elif repair_order_id is not None:
        order = await scope.one(
            RepairOrder, access, repair_order_id, RepairOrder.delivered_at, RepairOrder.opened_at, RepairOrder.vehicle
        )
        if order["vehicle"] == vehicle_id:
            since = (order["delivered_at"] or order["opened_at"]).astimezone(branch.tz).date()
            kind, reason = "maintenance", "Próximo mantenimiento"
            due = opportunity_rules.service_due(
                since, branch.service_interval_days, branch.service_interval_km, vehicle["monthly_km"]
            )
    # A due date already gone (an old sale or visit) is proposed for tomorrow: today at 10:00 may be past
    # by now, and the form would refuse its own proposal.
    due = due if due > today else today + dt.timedelta(days=1)
    return {
        "vehicle": vehicle,
        "form": {
            "vehicle_id": str(vehicle_id),
            "kind": kind,
            "day": due.isoformat(),
            "time": "10:00",
            "reason": reason,
            "delivery_id": str(delivery_id or ""),
            "repair_order_id": str(repair_order_id or ""),
        },
    }


async def tried_slots(opp_id: int) -> list[str]:
    """The time slots of the opportunity's calls so far, oldest first."""
    rows = await db.fetch("SELECT time_slot FROM contact_attempt WHERE opportunity = {} ORDER BY created_at, id",
                          opp_id)
    return [r["time_slot"] for r in rows]
