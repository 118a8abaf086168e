"""The reception TV over HTTP: a link shown once and kept hashed, a page without cookies or login that shows
one branch's arrivals of the day (first name and initial, masked plate, escaped), refused once revoked;
its live stream; the links made and revoked by managers only."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx

from app.audit import Actor
from app.display import tokens
from app.tables import DisplayToken
from tests.http import text_of


def today_at(branch, hour: int) -> dt.datetime:
    tz = ZoneInfo(branch.timezone)
    return dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(hour), tz).astimezone(dt.UTC)


async def _screen(make):
    branch = await make.branch(country="AR")
    customer = await make.customer(branch, first_name="Lucía", last_name="Fernández", name="Lucía Fernández")
    vehicle = await make.vehicle(branch, owner=customer, plate="AB123CD", make="Volkswagen", model="Taos")
    await make.appointment(branch, vehicle=vehicle, customer=customer, starts_at=today_at(branch, 9),
                           advisor_name="Martín Acosta")
    sneaky = await make.customer(branch, first_name="<script>alert(1)</script>", last_name="X", name="x")
    await make.appointment(branch, customer=sneaky, vehicle=await make.vehicle(branch, owner=sneaky),
                           starts_at=today_at(branch, 10))
    await make.appointment(branch, vehicle=vehicle, customer=customer,
                           starts_at=today_at(branch, 9) + dt.timedelta(days=1))  # tomorrow: not today's
    new = await tokens.create(branch.id, "Recepción", Actor(None, "test", None))
    return branch, new


async def test_the_tv_shows_todays_arrivals_without_cookies_or_login(client, make):
    branch, new = await _screen(make)
    neighbour = await make.branch(branch.dealer, country="AR")
    await make.appointment(neighbour, starts_at=today_at(neighbour, 9))  # another branch's: never on this TV
    response = await client.get(f"/pantalla/{new.token}")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    rows = text_of(response.text, "tv-row")
    assert len(rows) == 2
    assert "Lucía F." in response.text and "AB•••CD" in response.text and "Fernández" not in response.text
    assert "AB123CD" not in response.text and "Martín Acosta" in response.text
    assert "<script>alert(1)</script>" not in response.text and "&lt;script&gt;" in response.text
    assert text_of(response.text, "tv-state") == ["por llegar", "por llegar"]
    stored = await DisplayToken.select().where(DisplayToken.id == new.id).first()
    assert stored["token_hash"] != new.token and new.token not in str(stored)


async def test_unknown_and_revoked_links_show_nothing(client, make):
    branch, new = await _screen(make)
    for token in ("tv_nope", "cualquier-cosa", new.token[:-1]):
        response = await client.get(f"/pantalla/{token}")
        assert response.status_code == 404 and 'data-test="tv-row"' not in response.text
    assert await tokens.revoke(new.id, None, Actor(None, "test", None)) == branch.id
    gone = await client.get(f"/pantalla/{new.token}")
    assert gone.status_code == 404 and "Lucía" not in gone.text
    assert (await client.get(f"/pantalla/{new.token}/eventos")).status_code == 404


async def test_the_stream_sends_the_list_then_the_change(server, make, as_user):
    branch, new = await _screen(make)
    coordinator = await as_user((await make.user("coordinator", [branch])).username)
    appointment_row = await make.appointment(branch, starts_at=today_at(branch, 11))
    async with httpx.AsyncClient(base_url=server, timeout=10) as tv, \
            tv.stream("GET", f"/pantalla/{new.token}/eventos") as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        events = stream.aiter_lines()
        first = await _next_event(events)
        assert first[0] == "arrivals" and first[1].count('data-test="tv-row"') == 3
        checked = await coordinator.post(f"/turnos/{appointment_row.id}/ingreso", data={"version": "1"},
                                         headers={"HX-Request": "true"})
        assert checked.status_code == 200, checked.text[:300]
        kind, data = await _next_event(events)
        assert kind == "arrivals" and "llegó" in data


async def _next_event(lines) -> tuple[str, str]:
    kind, data = "", []
    async for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif not line and kind:
            if kind != "ping":
                return kind, "\n".join(data)
            kind, data = "", []
    raise AssertionError("el stream terminó")


async def test_managers_make_and_revoke_links_of_their_branches(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    made = await manager.post("/admin/pantallas", data={"branch_id": world.a.id, "name": "Recepción"})
    assert made.status_code == 200, (made.status_code, made.headers.get("location"), made.text[:300])
    link = re.search(r'data-test="new-link-value">([^<]+)<', made.text).group(1)
    assert link.startswith("http://testserver/pantalla/tv_")
    listed = (await manager.get("/admin/pantallas")).text
    assert link.rsplit("/", 1)[1] not in listed  # shown once
    row = await DisplayToken.select().where(DisplayToken.branch == world.a.id).first()
    assert (await manager.post(f"/admin/pantallas/{row['id']}/revocar")).status_code == 303
    assert (await DisplayToken.select(DisplayToken.revoked_at).where(DisplayToken.id == row["id"]).first())[
        "revoked_at"] is not None
    other = await tokens.create(world.c.id, "", Actor(None, "test", None))
    assert (await manager.post(f"/admin/pantallas/{other.id}/revocar")).status_code == 404
    refused = await manager.post("/admin/pantallas", data={"branch_id": world.c.id})
    assert refused.status_code == 422
    coordinator = await as_user(world.users["coordinator"].username)
    assert (await coordinator.get("/admin/pantallas")).status_code == 403
