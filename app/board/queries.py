"""Reads behind the board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app import db
from app.rules import windows
from app.rules.windows import Windows

# One statement, one round trip: each derived table counts one list and its
# detail figure (STACK-NOTES §8: counts on one connection, not six).
HOME_COUNTS_SQL = """
SELECT * FROM
 (SELECT COUNT(*) AS deliveries,
         COALESCE(SUM(CASE WHEN welcome_call_status = 'pending' THEN 1 ELSE 0 END), 0) AS deliveries_pending
    FROM delivery WHERE branch = {} AND delivered_at >= {} AND delivered_at < {}) d,
 (SELECT COUNT(*) AS opportunities,
         COALESCE(SUM(CASE WHEN due_at < {} THEN 1 ELSE 0 END), 0) AS opportunities_overdue
    FROM opportunity WHERE branch = {} AND status = 'open' AND due_at >= {} AND due_at < {}) o,
 (SELECT COUNT(*) AS appointments,
         COALESCE(SUM(CASE WHEN starts_at < {} THEN 1 ELSE 0 END), 0) AS appointments_today
    FROM appointment WHERE branch = {} AND status IN ('scheduled', 'confirmed') AND starts_at >= {}) a,
 (SELECT COUNT(*) AS in_process,
         COALESCE(SUM(CASE WHEN opened_at >= {} THEN 1 ELSE 0 END), 0) AS in_process_today
    FROM repair_order WHERE branch = {} AND status = 'open') p,
 (SELECT COUNT(*) AS done,
         COALESCE(SUM(CASE WHEN courtesy_call_status = 'pending' THEN 1 ELSE 0 END), 0) AS done_pending
    FROM repair_order WHERE branch = {} AND status = 'delivered' AND delivered_at >= {} AND delivered_at < {}) r,
 (SELECT COUNT(*) AS booked_this_month
    FROM opportunity WHERE branch = {} AND status = 'booked' AND closed_at >= {} AND closed_at < {}) b
"""


@dataclass(frozen=True)
class HomeCounts:
    deliveries: int
    deliveries_pending: int
    opportunities: int
    opportunities_overdue: int
    appointments: int
    appointments_today: int
    in_process: int
    in_process_today: int
    done: int
    done_pending: int
    booked_this_month: int


async def home_counts(branch_id: int, timezone: str, spans: Windows, now: dt.datetime) -> HomeCounts:
    tz = ZoneInfo(timezone)
    today = windows.local_today(now, tz)
    today_start, tomorrow_start = windows.Span(today, today).utc(tz)
    deliveries = windows.last_days(today, spans.deliveries).utc(tz)
    opportunities = windows.around(today, spans.opportunities).utc(tz)
    done = windows.last_days(today, spans.done).utc(tz)
    month = windows.month_of(today).utc(tz)
    rows = await db.fetch(
        HOME_COUNTS_SQL,
        branch_id, *deliveries,
        today_start, branch_id, *opportunities,
        tomorrow_start, branch_id, today_start,
        today_start, branch_id,
        branch_id, *done,
        branch_id, *month,
    )
    return HomeCounts(**{k: int(v) for k, v in rows[0].items()})
