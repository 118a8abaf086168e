"""The cron job that closes the days that passed: an appointment still
scheduled or confirmed after its local day ended becomes a no-show.

Each branch in its own time zone (Buenos Aires' midnight is not Mexico
City's). Running it again changes nothing; it runs every hour, so every
branch's midnight is caught within the hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from app import db
from app.audit import Actor, record
from app.rules import appointments as rules
from app.rules import windows
from app.tables import Appointment, AppointmentStatus, Branch

SYSTEM = "sistema"  # the audit's "who" for what the job does


async def mark_no_shows(ctx: dict[str, Any], now: dt.datetime | None = None) -> int:
    """Job: how many appointments became no-shows (one audit event each, so
    a user whose form went stale is not told someone else did it)."""
    now = now or dt.datetime.now(dt.UTC)
    total = 0
    branches = await Branch.select(Branch.id, Branch.dealer, Branch.timezone).where(Branch.active.eq(True))
    for branch in branches:
        tz = ZoneInfo(branch["timezone"])
        today_starts = windows.start_of_day(windows.local_today(now, tz), tz)
        async with db.write_transaction():
            closed = await Appointment.update({
                Appointment.status: AppointmentStatus.no_show,
                Appointment.version: Appointment.version + 1,
                Appointment.updated_at: now,
            }).where(
                (Appointment.branch == branch["id"])
                & Appointment.status.is_in(list(rules.PENDING))
                & (Appointment.starts_at < today_starts)
            ).returning(Appointment.id)
            for row in closed:
                await record(Actor(None, SYSTEM, branch["dealer"]), "appointment.no_show", entity="appointment",
                             entity_id=row["id"], branch_id=branch["id"], after={"status": rules.NO_SHOW})
        total += len(closed)
    return total
