"""API keys of the ingestion API: one branch each, shown once, kept hashed, revocable.

A key is `rk_` + 43 url-safe characters (256 random bits). Only its SHA-256
is stored; a lookup by hash is a unique-index probe, so authenticating costs
one query, and a revoked key is refused from the next request on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException

from app import db
from app.audit import Actor, record
from app.tables import ApiKey, Branch

PREFIX = "rk_"
SHOWN = 10  # characters of the key kept in clear to tell keys apart in lists


@dataclass(frozen=True)
class KeyAccess:
    """What a valid key reaches: one branch."""

    key_id: int
    prefix: str
    branch_id: int
    branch_code: str
    dealer_id: int
    country: str
    timezone: str


@dataclass(frozen=True)
class NewKey:
    id: int
    key: str  # shown once, never stored
    branch_code: str


def hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


KEY_SQL = """
SELECT k.id, k.prefix, k.branch, b.code, b.dealer, b.country, b.timezone, k.last_used_at
  FROM api_key k JOIN branch b ON b.id = k.branch
 WHERE k.key_hash = {} AND k.revoked_at IS NULL AND b.active
"""

TOUCH_EVERY = dt.timedelta(minutes=1)


async def authenticate(key: str) -> KeyAccess | None:
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    rows = await db.fetch(KEY_SQL, hashed(key))
    if not rows:
        return None
    r = rows[0]
    now = dt.datetime.now(dt.UTC)
    if r["last_used_at"] is None or now - r["last_used_at"] > TOUCH_EVERY:
        await ApiKey.update({ApiKey.last_used_at: now}).where(ApiKey.id == r["id"])
    return KeyAccess(r["id"], r["prefix"], r["branch"], r["code"], r["dealer"], r["country"], r["timezone"])


async def require_key(connection: ASGIConnection) -> None:
    """The guard's part for API routes: a live key, or 401."""
    access = await authenticate(connection.headers.get("x-api-key", ""))
    if access is None:
        raise NotAuthorizedException(detail="Falta la clave de API (X-Api-Key) o no es válida.")
    connection.state.api_key = access


async def create(branch_id: int, name: str, actor: Actor) -> NewKey:
    key = PREFIX + secrets.token_urlsafe(32)
    async with db.write_transaction():
        branch = await Branch.select(Branch.code).where(Branch.id == branch_id).first()
        assert branch is not None
        row = ApiKey(branch=branch_id, name=name.strip()[:120], prefix=key[:SHOWN], key_hash=hashed(key),
                     created_by=actor.user_id)
        await row.save()
        await record(actor, "api_key.create", entity="api_key", entity_id=row.id, branch_id=branch_id,
                     after={"name": row.name, "prefix": row.prefix})
    return NewKey(row.id, key, branch["code"])


async def revoke(key_id: int, branch_ids: frozenset[int] | None, actor: Actor) -> bool:
    """False when there is no such live key within reach."""
    async with db.write_transaction():
        where = (ApiKey.id == key_id) & ApiKey.revoked_at.is_null()
        if branch_ids is not None:
            where &= ApiKey.branch.is_in(list(branch_ids) or [0])
        rows = await ApiKey.update({ApiKey.revoked_at: dt.datetime.now(dt.UTC)}).where(where).returning(
            ApiKey.branch, ApiKey.prefix)
        if not rows:
            return False
        await record(actor, "api_key.revoke", entity="api_key", entity_id=key_id, branch_id=rows[0]["branch"],
                     after={"prefix": rows[0]["prefix"]})
    return True


async def listed(branch_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    query = ApiKey.select(ApiKey.id, ApiKey.name, ApiKey.prefix, ApiKey.created_at, ApiKey.last_used_at,
                          ApiKey.revoked_at, ApiKey.branch.code.as_alias("branch_code"),
                          ApiKey.branch.name.as_alias("branch_name"))
    if branch_ids is not None:
        query = query.where(ApiKey.branch.is_in(list(branch_ids) or [0]))
    return await query.order_by(ApiKey.id, ascending=False)
