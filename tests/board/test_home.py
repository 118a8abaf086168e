"""The board home: six buttons whose counts are the lists' real sizes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.http import text_of


def local_noon(days: int, tz: str) -> dt.datetime:
    today = dt.datetime.now(ZoneInfo(tz)).date() + dt.timedelta(days=days)
    return dt.datetime.combine(today, dt.time(12), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


async def test_counts_are_the_branch_lists(as_user, make):
    branch = await make.branch()
    tz = branch.timezone
    user = await make.user("coordinator", [branch])
    other = await make.branch(country="MX")  # its rows must not count
    # Entregas: last 30 days inclusive; one 31 days ago does not count.
    await make.delivery(branch, delivered_at=local_noon(0, tz))
    await make.delivery(branch, delivered_at=local_noon(-30, tz), welcome_call_status="done")
    await make.delivery(branch, delivered_at=local_noon(-31, tz))
    await make.delivery(other, delivered_at=local_noon(0, tz))
    # Oportunidades: open, due −15…+15; overdue = before today.
    await make.opportunity(branch, due_at=local_noon(-15, tz))
    await make.opportunity(branch, due_at=local_noon(0, tz))
    await make.opportunity(branch, due_at=local_noon(15, tz))
    await make.opportunity(branch, due_at=local_noon(16, tz))
    await make.opportunity(branch, due_at=local_noon(0, tz), status="discarded")
    # Próximos turnos: scheduled/confirmed from today on; today's detail.
    await make.appointment(branch, starts_at=local_noon(0, tz))
    await make.appointment(branch, starts_at=local_noon(2, tz), status="confirmed")
    await make.appointment(branch, starts_at=local_noon(-1, tz))
    await make.appointment(branch, starts_at=local_noon(1, tz), status="cancelled")
    # En proceso: open ROs; Realizados: delivered in the last 15 days.
    await make.repair_order(branch, opened_at=local_noon(0, tz))
    await make.repair_order(branch, opened_at=local_noon(-9, tz))
    await make.repair_order(branch, opened_at=local_noon(-3, tz), status="delivered",
                            delivered_at=local_noon(-1, tz))
    await make.repair_order(branch, opened_at=local_noon(-30, tz), status="delivered",
                            delivered_at=local_noon(-16, tz))

    client = await as_user(user.username)
    response = await client.get("/")
    assert response.status_code == 200
    counts = dict(zip(["entregas", "oportunidades", "turnos", "en-proceso", "realizados", "reportes"],
                      text_of(response.text, "count"), strict=True))
    assert counts == {"entregas": "2", "oportunidades": "3", "turnos": "2", "en-proceso": "2",
                      "realizados": "1", "reportes": "0"}
    assert "1 sin llamado de bienvenida" in response.text
    assert "1 vencidas" in response.text
    assert "1 para hoy" in response.text


async def test_htmx_refresh_returns_only_the_buttons(as_user, make):
    branch = await make.branch()
    user = await make.user("advisor", [branch])
    client = await as_user(user.username)
    response = await client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<section id=\"board-buttons\"")
    assert "<html" not in response.text
    assert response.headers["vary"] == "HX-Request"


async def test_mexican_branch_speaks_mexican(as_user, make):
    branch = await make.branch(country="MX")
    user = await make.user("manager", [branch])
    response = await (await as_user(user.username)).get("/")
    assert "Próximas citas" in response.text and "Próximos turnos" not in response.text
    assert 'lang="es-MX"' in response.text
