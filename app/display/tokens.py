"""The reception TV's links: `/pantalla/<token>`, one branch each, shown once, kept hashed, revocable.

A token is `tv_` + 32 url-safe characters. Only its SHA-256 is stored; every
request (the page and each event of its live stream) looks it up again, so a
revoked link stops at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from app import db
from app.audit import Actor, record
from app.board.lists import utc
from app.display import live
from app.dms.api_keys import hashed  # one way to keep a shown-once secret
from app.tables import Branch, DisplayToken

PREFIX = "tv_"
SHOWN = 8
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Screen:
    """What a live token reaches: its branch, in its time zone and words."""

    token_id: int
    branch_id: int
    branch_name: str
    timezone: str
    locale: str


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str  # shown once, never stored
    branch_code: str


SCREEN_SQL = """
SELECT t.id, t.branch, t.last_seen_at, b.name, b.timezone, b.locale
  FROM display_token t JOIN branch b ON b.id = t.branch
 WHERE t.token_hash = {} AND t.revoked_at IS NULL AND b.active
"""


async def screen(token: str) -> Screen | None:
    if not token.startswith(PREFIX) or len(token) > 80:
        return None
    rows = await db.fetch(SCREEN_SQL, hashed(token))
    if not rows:
        return None
    r = rows[0]
    now = dt.datetime.now(dt.UTC)
    if r["last_seen_at"] is None or now - utc(r["last_seen_at"]) > TOUCH_EVERY:
        await DisplayToken.update({DisplayToken.last_seen_at: now}).where(DisplayToken.id == r["id"])
    return Screen(r["id"], r["branch"], r["name"], r["timezone"], r["locale"])


async def create(branch_id: int, name: str, actor: Actor) -> NewToken:
    token = PREFIX + secrets.token_urlsafe(24)
    async with db.write_transaction():
        branch = await Branch.select(Branch.code).where(Branch.id == branch_id).first()
        assert branch is not None
        row = DisplayToken(branch=branch_id, name=name.strip()[:120], prefix=token[:SHOWN], token_hash=hashed(token),
                           created_by=actor.user_id)
        await row.save()
        await record(actor, "display.create", entity="display_token", entity_id=row.id, branch_id=branch_id,
                     after={"name": row.name, "prefix": row.prefix})
    return NewToken(row.id, token, branch["code"])


async def revoke(token_id: int, branch_ids: frozenset[int] | None, actor: Actor) -> int | None:
    """The link's branch once it is revoked (revoking it again changes nothing), or None when there is no
    such link within reach."""
    where = DisplayToken.id == token_id
    if branch_ids is not None:
        where &= DisplayToken.branch.is_in(list(branch_ids) or [0])
    async with db.write_transaction():
        row = await DisplayToken.select(DisplayToken.branch, DisplayToken.prefix, DisplayToken.revoked_at).where(
            where).first()
        if row is None:
            return None
        if row["revoked_at"] is None:
            await DisplayToken.update({DisplayToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
                DisplayToken.id == token_id)
            await record(actor, "display.revoke", entity="display_token", entity_id=token_id,
                         branch_id=row["branch"], after={"prefix": row["prefix"]})
            live.revoked(row["branch"])  # its TVs check their link as soon as this commits
    return row["branch"]


async def listed(branch_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    query = DisplayToken.select(DisplayToken.id, DisplayToken.name, DisplayToken.prefix, DisplayToken.created_at,
                                DisplayToken.revoked_at, DisplayToken.last_seen_at,
                                DisplayToken.branch.name.as_alias("branch_name"),
                                DisplayToken.branch.code.as_alias("branch_code"))
    if branch_ids is not None:
        query = query.where(DisplayToken.branch.is_in(list(branch_ids) or [0]))
    return await query.order_by(DisplayToken.id, ascending=False)
