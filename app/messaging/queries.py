"""Reads of the messaging area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import db, scope
from app.auth.access import Access
from app.tables import OutboxMessage


async def recent_messages(access: Access, limit: int = 20) -> list[dict[str, Any]]:
    return await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.status,
        OutboxMessage.attempts, OutboxMessage.last_error, OutboxMessage.created_at, OutboxMessage.sent_at,
    ).where(scope.branches(OutboxMessage, access)).order_by(OutboxMessage.id, ascending=False).limit(limit)


async def letters(access: Access, status: str, limit: int = 200) -> list[dict[str, Any]]:
    """The branch's fallback letters: waiting to be printed ("pending") or printed ("sent")."""
    branch_id = access.branch.id if access.branch else 0
    query = OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body_text,
        OutboxMessage.created_at, OutboxMessage.sent_at, OutboxMessage.customer,
    ).where((OutboxMessage.branch == branch_id) & (OutboxMessage.channel == "letter")
            & (OutboxMessage.status == status))
    return await query.order_by(OutboxMessage.id, ascending=status == "pending").limit(limit)


async def appointments_between(branch_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """A day's appointments still to come (scheduled or confirmed), with who attends them."""
    return await db.fetch(
        """SELECT ap.id, ap.starts_at, ap.status, ap.reason, ap.advisor, ap.advisor_name,
                  c.name AS customer_name, c.phone_mobile, v.make, v.model, v.plate,
                  EXISTS (SELECT 1 FROM lead l WHERE l.appointment = ap.id AND l.kind = 'tech_session')
                    AS tech_session
             FROM appointment ap JOIN customer c ON c.id = ap.customer JOIN vehicle v ON v.id = ap.vehicle
            WHERE ap.branch = {} AND ap.starts_at >= {} AND ap.starts_at < {}
              AND ap.status IN ('scheduled', 'confirmed')
            ORDER BY ap.starts_at, ap.id""", branch_id, start, end)


async def advisors(branch_id: int) -> list[dict[str, Any]]:
    return await db.fetch(
        """SELECT u.id, u.full_name, u.email FROM app_user u JOIN user_branch ub ON ub."user" = u.id
            WHERE ub.branch = {} AND u.active = {} AND u.role = 'advisor' ORDER BY u.full_name""", branch_id, True)


async def unsent_test_drives(branch_id: int) -> list[dict[str, Any]]:
    return await db.fetch(
        """SELECT l.id, l.model_of_interest, l.created_at, c.name AS customer_name, c.phone_mobile,
                  v.make, v.model, v.model_year, v.plate, ap.starts_at
             FROM lead l JOIN customer c ON c.id = l.customer
             LEFT JOIN vehicle v ON v.id = l.vehicle LEFT JOIN appointment ap ON ap.id = l.appointment
            WHERE l.branch = {} AND l.kind = 'test_drive' AND l.sent_at IS NULL ORDER BY l.id""", branch_id)
