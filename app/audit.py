"""The one way to write an audit event: inside the caller's transaction,
so the event exists exactly when the change does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.tables import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or a name typed at the sign-in form."""

    user_id: int | None
    username: str
    dealer_id: int | None
    ip: str = ""

    @classmethod
    def of(cls, access: Any) -> Actor:
        return cls(access.user_id, access.username, access.dealer_id, access.ip)


async def record(actor: Actor, action: str, *, entity: str = "", entity_id: int | None = None,
                 branch_id: int | None = None, before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> None:
    await AuditEvent.insert(AuditEvent(
        dealer=actor.dealer_id, branch=branch_id, user=actor.user_id, username=actor.username[:60],
        action=action, entity=entity, entity_id=entity_id, before=before, after=after, ip=actor.ip[:64],
    ))


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after), JSON-friendly."""
    keys = [k for k in after if before.get(k) != after[k]]
    return ({k: plain(before.get(k)) for k in keys}, {k: plain(after[k]) for k in keys})


def plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return str(value)
