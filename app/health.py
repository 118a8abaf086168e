"""/healthz: what an operator or a load balancer needs to know, as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import get
from litestar.response import Response
from redis.asyncio import Redis

from app import db, jobs
from app.auth.access import PUBLIC
from app.config import get_settings


async def _database() -> dict[str, Any]:
    try:
        await db.fetch("SELECT 1 AS one")
        pending = await db.pending_migrations()
    except Exception as error:
        return {"ok": False, "engine": "postgresql" if db.is_postgres() else "sqlite", "error": type(error).__name__}
    return {"ok": True, "engine": "postgresql" if db.is_postgres() else "sqlite", "pending_migrations": pending}


async def _redis(url: str | None) -> dict[str, Any]:
    if not url:
        return {"configured": False}
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
        return {"configured": True, "ok": True}
    except Exception as error:
        return {"configured": True, "ok": False, "error": type(error).__name__}
    finally:
        await client.aclose()


async def _dms_data_age(stale_minutes: int) -> dict[str, Any]:
    """How old the DMS data is across active branches (counts only: this page is public)."""
    rows = await db.fetch("SELECT dms_synced_at FROM branch WHERE active")
    now = dt.datetime.now(dt.UTC)
    ages = [(now - r["dms_synced_at"]).total_seconds() / 60 for r in rows if r["dms_synced_at"] is not None]
    never = len(rows) - len(ages)
    return {"branches": len(rows), "never_received": never, "oldest_minutes": round(max(ages)) if ages else None,
            "stale_branches": never + sum(1 for a in ages if a > stale_minutes), "stale_after_minutes": stale_minutes}


@get("/healthz", opt=PUBLIC, include_in_schema=False, cache=False)
async def healthz() -> Response[dict[str, Any]]:
    settings = get_settings()
    database = await _database()
    redis = await _redis(settings.redis_url)
    healthy = database["ok"] and not database.get("pending_migrations") and redis.get("ok", True)
    body = {"status": "ok" if healthy else "degraded", "database": database,
            "jobs": {"backend": jobs.backend()}, "redis": redis}
    if database["ok"] and not database.get("pending_migrations"):
        body["dms"] = await _dms_data_age(settings.dms_stale_minutes)  # stale data warns, it is not "degraded"
    return Response(body, status_code=200 if healthy else 503)
