"""Reads of the messaging area."""

from __future__ import annotations

from typing import Any

from app import scope
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
