"""/healthz answers what an operator needs, as JSON, without signing in."""

from __future__ import annotations

import dataclasses

from app import health


async def test_healthy(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["pending_migrations"] == []
    assert body["database"]["engine"] in ("sqlite", "postgresql")
    assert body["jobs"] == {"backend": "in-process"}
    assert body["redis"] == {"configured": False}
    assert "retorno_sesion" not in response.headers.get("set-cookie", "")


async def test_unreachable_redis_degrades(client, monkeypatch, settings):
    monkeypatch.setattr(health, "get_settings", lambda: dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"))
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded" and response.json()["redis"]["ok"] is False


async def test_pending_migrations_degrade(client, monkeypatch):
    async def one_pending() -> list[str]:
        return ["2099-01-01T00:00:00:000000"]

    monkeypatch.setattr(health.db, "pending_migrations", one_pending)
    response = await client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"]["pending_migrations"]


async def test_real_redis_is_reported(client, monkeypatch, settings, redis_url):
    monkeypatch.setattr(health, "get_settings", lambda: dataclasses.replace(settings, redis_url=redis_url))
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["redis"] == {"configured": True, "ok": True}


async def test_healthz_says_how_old_the_dms_data_is_without_naming_branches(client, make):
    import datetime as dt

    from app.tables import Branch

    branch = await make.branch()
    await Branch.update({Branch.dms_synced_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=3)}).where(
        Branch.id == branch.id)
    dms = (await client.get("/healthz")).json()["dms"]
    assert dms["oldest_minutes"] >= 3 * 24 * 60 - 1 and dms["stale_branches"] >= 1
    assert branch.code not in str(dms)
