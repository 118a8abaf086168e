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
