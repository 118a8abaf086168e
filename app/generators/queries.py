"""What each generator looks at, one branch at a time. Every query leaves out
vehicles in the shop (an open repair order), with an appointment to come, or
that already have an open (or held) opportunity of the kind being made."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import db
from app.dms.bulk import Bulk

# {} placeholders: branch (in the subquery), now, kind.
FREE = """
   AND NOT EXISTS (SELECT 1 FROM repair_order x WHERE x.vehicle = v.id AND x.status = 'open')
   AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.vehicle = v.id AND a.status IN ('scheduled', 'confirmed')
                      AND a.starts_at >= {})
   AND NOT EXISTS (SELECT 1 FROM opportunity o WHERE o.vehicle = v.id AND o.kind = {} AND o.status IN ('open', 'held'))
"""


async def deliveries_without_service(branch_id: int, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """Sales delivered since `since` whose vehicle has not been to the shop since."""
    return await db.fetch(
        f"""SELECT d.id, d.delivered_at, v.id AS vehicle, COALESCE(v.owner, d.customer) AS customer, v.monthly_km
              FROM delivery d JOIN vehicle v ON v.id = d.vehicle
             WHERE d.branch = {{}} AND d.delivered_at >= {{}}
               AND NOT EXISTS (SELECT 1 FROM repair_order r
                                  WHERE r.vehicle = d.vehicle AND r.opened_at > d.delivered_at)
               {FREE}""",
        branch_id, since, now, "welcome_followup")


async def last_services(branch_id: int, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """Each vehicle's latest visit, when it was delivered since `since`."""
    return await db.fetch(
        f"""SELECT r.id, r.delivered_at, v.id AS vehicle, COALESCE(v.owner, r.customer) AS customer, v.monthly_km
              FROM repair_order r JOIN vehicle v ON v.id = r.vehicle
             WHERE r.branch = {{}} AND r.status = 'delivered' AND r.delivered_at >= {{}}
               AND NOT EXISTS (SELECT 1 FROM repair_order n WHERE n.vehicle = r.vehicle AND n.opened_at > r.opened_at)
               {FREE}""",
        branch_id, since, now, "maintenance")


async def lapsed_vehicles(branch_id: int, first: dt.datetime, before: dt.datetime, recent: dt.datetime,
                          now: dt.datetime) -> list[dict[str, Any]]:
    """Vehicles with an owner last seen (visit or sale) in [first, before), with no open opportunity of any
    kind and no lapsed one made since `recent`."""
    return await db.fetch(
        """SELECT v.id AS vehicle, v.owner AS customer, seen.last_seen
             FROM vehicle v
             JOIN (SELECT vehicle, MAX(moment) AS last_seen FROM (
                     SELECT vehicle, opened_at AS moment FROM repair_order WHERE branch = {}
                     UNION ALL SELECT vehicle, delivered_at AS moment FROM delivery WHERE branch = {}) m
                   GROUP BY vehicle) seen ON seen.vehicle = v.id
            WHERE v.branch = {} AND v.owner IS NOT NULL AND seen.last_seen >= {} AND seen.last_seen < {}
              AND NOT EXISTS (SELECT 1 FROM repair_order x WHERE x.vehicle = v.id AND x.status = 'open')
              AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.vehicle = v.id
                                 AND a.status IN ('scheduled', 'confirmed') AND a.starts_at >= {})
              AND NOT EXISTS (SELECT 1 FROM opportunity o WHERE o.vehicle = v.id
                                 AND (o.status IN ('open', 'held') OR (o.kind = 'lapsed' AND o.created_at >= {})))""",
        branch_id, branch_id, branch_id, first, before, now, recent)


async def declined_lines(branch_id: int, first: dt.date, last: dt.date, now: dt.datetime) -> list[dict[str, Any]]:
    """Declined lines whose agreed follow-up date is in [first, last], on the vehicle's latest visit."""
    return await db.fetch(
        f"""SELECT r.id AS repair_order, r.number, l.description, l.follow_up_on,
                   v.id AS vehicle, COALESCE(v.owner, r.customer) AS customer
              FROM repair_order_line l JOIN repair_order r ON r.id = l.repair_order JOIN vehicle v ON v.id = r.vehicle
             WHERE l.branch = {{}} AND l.approval = 'declined' AND l.follow_up_on >= {{}} AND l.follow_up_on <= {{}}
               AND NOT EXISTS (SELECT 1 FROM repair_order n WHERE n.vehicle = r.vehicle AND n.opened_at > r.opened_at)
               {FREE}
             ORDER BY r.id, l.line_no""",
        branch_id, first, last, now, "declined_work")


async def web_bookings_to_confirm(branch_id: int, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """Appointments the customer booked on the web, still unconfirmed, to come."""
    return await db.fetch(
        """SELECT a.id, a.starts_at, a.vehicle, a.customer FROM appointment a
            WHERE a.branch = {} AND a.source = 'web' AND a.status = 'scheduled' AND a.created_at >= {}
              AND a.starts_at >= {}
              AND NOT EXISTS (SELECT 1 FROM opportunity o WHERE o.vehicle = a.vehicle AND o.kind = 'web_booking'
                                 AND o.status IN ('open', 'held'))""",
        branch_id, since, now)


async def settled_web_bookings(branch_id: int) -> list[dict[str, Any]]:
    """Open web-booking opportunities whose appointment is no longer waiting for confirmation."""
    return await db.fetch(
        """SELECT o.id, a.status FROM opportunity o JOIN appointment a ON o.origin_key = 'web:appointment:' || a.id
            WHERE o.branch = {} AND o.kind = 'web_booking' AND o.status = 'open' AND a.status <> 'scheduled'""",
        branch_id)


async def no_shows(branch_id: int, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """Appointments missed since `since` with no later appointment for the vehicle."""
    return await db.fetch(
        f"""SELECT ap.id, ap.starts_at, v.id AS vehicle, COALESCE(v.owner, ap.customer) AS customer
              FROM appointment ap JOIN vehicle v ON v.id = ap.vehicle
             WHERE ap.branch = {{}} AND ap.status = 'no_show' AND ap.starts_at >= {{}}
               AND NOT EXISTS (SELECT 1 FROM appointment later WHERE later.vehicle = ap.vehicle
                                  AND later.starts_at > ap.starts_at AND later.status <> 'cancelled')
               {FREE}""",
        branch_id, since, now, "no_show")


async def existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 5_000):
        part = keys[start:start + 5_000]
        marks, args = db.in_list(part)  # type: ignore[arg-type]
        found |= {r["origin_key"] for r in await db.fetch(
            f"SELECT origin_key FROM opportunity WHERE origin_key IN {marks}", *args)}
    return found


COLUMNS = ("id", "branch", "customer", "vehicle", "kind", "source", "reason", "due_at", "status", "origin_key",
           "repair_order", "delivery", "created_at", "updated_at")


async def insert_opportunities(bulk: Bulk, rows: list[tuple[Any, ...]]) -> None:
    """Rows in COLUMNS order; one whose key (or open kind for the vehicle) exists already is skipped."""
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    marks = ", ".join("?" * len(COLUMNS))
    await bulk.execute_many(f'INSERT INTO "opportunity" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING', rows)
