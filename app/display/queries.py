"""The TV's one list: the branch's appointments of its local day, as reception shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app import db
from app.board.lists import utc
from app.rules.windows import start_of_day

ARRIVALS_SQL = """
SELECT ap.starts_at, ap.status, ap.advisor_name, u.full_name AS advisor_user,
       c.first_name, c.last_name, c.name, v.plate, v.make, v.model,
       r.status AS order_status, r.stage AS order_stage
  FROM appointment ap
  JOIN customer c ON c.id = ap.customer
  JOIN vehicle v ON v.id = ap.vehicle
  LEFT JOIN app_user u ON u.id = ap.advisor
  LEFT JOIN repair_order r ON r.id = ap.repair_order
 WHERE ap.branch = {} AND ap.starts_at >= {} AND ap.starts_at < {}
   AND ap.status IN ('scheduled', 'confirmed', 'arrived')
 ORDER BY ap.starts_at, ap.id
"""

STATES = {"coming": "por llegar", "arrived": "llegó", "in_shop": "en taller", "ready": "listo"}


@dataclass(frozen=True)
class Arrival:
    time: str
    who: str  # first name and initial: nothing more of a customer on a public screen
    plate: str  # masked: AB•••CD
    model: str
    advisor: str
    state: str  # a key of STATES


def short_name(first: str, last: str, full: str) -> str:
    """"Lucía F." — from the first and last names, or the first two words of the name."""
    words = (f"{first} {last}" if first else full).split()
    if not words:
        return "—"
    return words[0] if len(words) == 1 else f"{words[0]} {words[1][0]}."


def masked_plate(plate: str) -> str:
    return f"{plate[:2]}•••{plate[-2:]}" if len(plate) >= 5 else "•••"


def state_of(status: str, order_status: str | None, order_stage: str | None) -> str:
    if status != "arrived":
        return "coming"
    if order_status == "delivered" or order_stage == "finished":
        return "ready"
    return "in_shop" if order_status else "arrived"


async def arrivals(branch_id: int, timezone: str, now: dt.datetime | None = None) -> list[Arrival]:
    tz = ZoneInfo(timezone)
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    rows = await db.fetch(ARRIVALS_SQL, branch_id, start_of_day(today, tz),
                          start_of_day(today + dt.timedelta(days=1), tz))
    return [Arrival(utc(r["starts_at"]).astimezone(tz).strftime("%H:%M"),
                    short_name(r["first_name"], r["last_name"], r["name"]), masked_plate(r["plate"] or ""),
                    " ".join(p for p in (r["make"], r["model"]) if p), r["advisor_user"] or r["advisor_name"] or "",
                    state_of(r["status"], r["order_status"], r["order_stage"])) for r in rows]
