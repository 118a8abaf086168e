"""Campaign reads: the vehicles a step-1 search finds, the units of step 2,
the campaign list with its funnel, and who can receive opportunities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app import db
from app.rules.campaigns import Criteria
from app.rules.windows import start_of_day

LIST_CHUNK = 5_000  # pasted VINs or plates per statement (SQLite allows 32,766 arguments)
UNITS_PAGE = 100


@dataclass
class Found:
    vehicles: list[dict[str, Any]] = field(default_factory=list)  # id, vin, plate, owner
    unknown_vins: list[str] = field(default_factory=list)
    unknown_plates: list[str] = field(default_factory=list)
    without_owner: int = 0


def _conditions(c: Criteria, tz: ZoneInfo) -> tuple[list[str], list[Any]]:
    where, args = [], []
    for column, value in (("make", c.make), ("model", c.model), ("trim", c.trim)):
        if value:
            where.append(f"LOWER(v.{column}) LIKE {{}}")
            args.append(f"%{value.lower()}%")
    for sql, value in (("v.model_year >= {}", c.year_from), ("v.model_year <= {}", c.year_to),
                       ("v.sold_on >= {}", c.sold_from), ("v.sold_on <= {}", c.sold_to),
                       ("v.odometer_km >= {}", c.km_from), ("v.odometer_km <= {}", c.km_to)):
        if value is not None and value != "":
            where.append(sql)
            args.append(value)
    if c.visit_after:
        where.append("lv.last_visit >= {}")
        args.append(start_of_day(c.visit_after, tz))
    if c.visit_before:  # never seen counts as "last visit before"
        where.append("(lv.last_visit IS NULL OR lv.last_visit < {})")
        args.append(start_of_day(c.visit_before, tz))
    return where, args


async def find_units(branch_id: int, timezone: str, c: Criteria) -> Found:
    """The branch's vehicles matching every filter; with pasted lists, those in either list."""
    where, args = _conditions(c, ZoneInfo(timezone))
    visits = ("LEFT JOIN (SELECT vehicle, MAX(opened_at) AS last_visit FROM repair_order WHERE branch = {} "
              "GROUP BY vehicle) lv ON lv.vehicle = v.id") if c.visit_after or c.visit_before else ""
    head = f"SELECT v.id, v.vin, v.plate, v.owner FROM vehicle v {visits} WHERE v.branch = {{}}"
    base_args = [branch_id] * (2 if visits else 1)
    rows: dict[int, dict[str, Any]] = {}
    lists = [("vin", c.vins), ("plate", c.plates)]
    if any(values for _, values in lists):
        for column, values in lists:
            for start in range(0, len(values), LIST_CHUNK):
                part = values[start:start + LIST_CHUNK]
                marks = ", ".join("{}" for _ in part)
                sql = " AND ".join([head, f"v.{column} IN ({marks})", *where])
                for row in await db.fetch(sql, *base_args, *part, *args):
                    rows[row["id"]] = row
    else:
        for row in await db.fetch(" AND ".join([head, *where]) + " ORDER BY v.id", *base_args, *args):
            rows[row["id"]] = row
    found = Found()
    found.unknown_vins = _unknown(c.vins, {r["vin"] for r in rows.values()}) if c.vins else []
    found.unknown_plates = _unknown(c.plates, {r["plate"] for r in rows.values()}) if c.plates else []
    for row in rows.values():
        if row["owner"] is None:
            found.without_owner += 1
        else:
            found.vehicles.append(row)
    found.vehicles.sort(key=lambda r: r["id"])
    return found


def _unknown(wanted: list[str], present: set[str]) -> list[str]:
    """Listed values no vehicle of the branch has (a filter may also have left them out)."""
    return [value for value in wanted if value not in present]


UNIT_COLUMNS = """
SELECT u.id, u.selected, u.parts_status, u.opportunity AS opportunity_id,
       v.id AS vehicle_id, v.vin, v.plate, v.make, v.model, v.trim, v.model_year,
       c.id AS customer_id, c.name AS customer_name,
       o.status AS opportunity_status, o.due_at, o.created_at AS assigned_at, au.full_name AS assigned_to
  FROM campaign_unit u
  JOIN vehicle v ON v.id = u.vehicle
  LEFT JOIN customer c ON c.id = v.owner
  LEFT JOIN opportunity o ON o.id = u.opportunity
  LEFT JOIN app_user au ON au.id = o.assigned_to
 WHERE u.campaign = {}
"""


async def units(campaign_id: int, page: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A page of a campaign's units, and its counts: total, selected, processed, parts pending."""
    async with db.read_together():
        rows = await db.fetch(UNIT_COLUMNS + " ORDER BY u.id LIMIT {} OFFSET {}", campaign_id, UNITS_PAGE,
                              (page - 1) * UNITS_PAGE)
        counts = await db.fetch(
            """SELECT COUNT(*) AS total,
                      COALESCE(SUM(CASE WHEN selected THEN 1 ELSE 0 END), 0) AS selected,
                      COALESCE(SUM(CASE WHEN opportunity IS NOT NULL THEN 1 ELSE 0 END), 0) AS processed,
                      COALESCE(SUM(CASE WHEN selected AND parts_status = 'ordered' THEN 1 ELSE 0 END), 0) AS waiting
                 FROM campaign_unit WHERE campaign = {}""", campaign_id)
    return rows, dict(counts[0])


FUNNEL = """
SELECT cp.id, cp.kind, cp.name, cp.bulletin_code, cp.due_on, cp.status, cp.parts_required, cp.parts_status,
       cp.process_status, cp.created_at, cp.processed_at,
       (SELECT COUNT(*) FROM campaign_unit u WHERE u.campaign = cp.id AND u.selected) AS units,
       COUNT(o.id) AS opportunities,
       COALESCE(SUM(CASE WHEN o.status = 'held' THEN 1 ELSE 0 END), 0) AS held,
       COALESCE(SUM(CASE WHEN o.attempt_count > 0 OR o.status = 'booked' THEN 1 ELSE 0 END), 0) AS contacted,
       COALESCE(SUM(CASE WHEN o.status = 'booked' THEN 1 ELSE 0 END), 0) AS booked,
       COALESCE(SUM(CASE WHEN o.status = 'discarded' THEN 1 ELSE 0 END), 0) AS discarded,
       COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM appointment a WHERE a.opportunity = o.id
                                        AND a.status = 'arrived') THEN 1 ELSE 0 END), 0) AS arrived
  FROM campaign cp
  LEFT JOIN opportunity o ON o.campaign = cp.id
 WHERE cp.branch = {} {}
 GROUP BY cp.id, cp.kind, cp.name, cp.bulletin_code, cp.due_on, cp.status, cp.parts_required, cp.parts_status,
          cp.process_status, cp.created_at, cp.processed_at
 ORDER BY cp.created_at DESC, cp.id DESC
"""


async def campaigns(branch_id: int, open_recalls_only: bool = False) -> list[dict[str, Any]]:
    extra = "AND cp.kind = 'recall' AND cp.status <> 'closed'" if open_recalls_only else ""
    return await db.fetch(FUNNEL.replace("{} {}", "{} " + extra, 1), branch_id)


async def coordinators(branch_id: int) -> list[dict[str, Any]]:
    """The branch's active coordinators (and its advisors, who call too in small shops)."""
    return await db.fetch(
        """SELECT u.id, u.full_name, u.role FROM app_user u JOIN user_branch ub ON ub."user" = u.id
            WHERE ub.branch = {} AND u.active = {} AND u.role IN ('coordinator', 'advisor')
            ORDER BY CASE WHEN u.role = 'coordinator' THEN 0 ELSE 1 END, u.full_name""", branch_id, True)


def today_in(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()
