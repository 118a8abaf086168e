"""Campañas over HTTP: the three steps, processing (never twice), parts gating, the funnel, scope."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from app.campaigns import commands
from app.rules.vin import with_check_digit
from app.tables import Campaign, CampaignUnit, Opportunity
from tests.http import text_of

UNKNOWN_VIN = with_check_digit("3VWZZZ1KZ8M000001")


async def _world(make):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    carla = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    lucas = await make.user("coordinator", [branch], full_name="Lucas Ferreyra")
    cars = [await make.vehicle(branch, make="Renault", model="Logan", model_year=2019 + i,
                               odometer_km=20_000 * (i + 1)) for i in range(4)]
    return branch, manager, (carla, lucas), cars


async def _create(client, **fields):
    data = {"kind": "recall", "name": "Recall airbag", "bulletin_code": "ASC-1"} | fields
    return await client.post("/campanas/nueva", data=data, files={"vins_file": ("", b"", "text/plain")})


def _campaign_id(response) -> int:
    assert response.status_code == 303, response.text[:600]
    return int(re.search(r"/campanas/(\d+)$", response.headers["location"]).group(1))


async def _process(client, campaign_id, coordinators, due_on=None, parts=False):
    campaign = await Campaign.select(Campaign.version).where(Campaign.id == campaign_id).first()
    data = {"due_on": (due_on or dt.date.today() + dt.timedelta(days=7)).isoformat(),
            "coordinators": [c.id for c in coordinators], "version": campaign["version"]}
    if parts:
        data["parts_required"] = "1"
    response = await client.post(f"/campanas/{campaign_id}/procesar", data=data)
    assert response.status_code == 303, response.text[:600]
    for _ in range(200):
        row = await Campaign.select(Campaign.process_status).where(Campaign.id == campaign_id).first()
        if row["process_status"] in ("done", "failed"):
            return row["process_status"]
        await asyncio.sleep(0.02)
    raise AssertionError("la campaña no terminó de procesarse")


async def _opportunities(campaign_id):
    return await Opportunity.select().where(Opportunity.campaign == campaign_id).order_by(Opportunity.id)


async def test_a_vin_list_finds_its_units_and_says_what_it_did_not_find(as_user, make):
    _branch, manager, _, cars = await _world(make)
    stranger = await make.vehicle(await make.branch(country="AR"))
    client = await as_user(manager.username)
    pasted = "\n".join([cars[0].vin, cars[1].vin.lower(), cars[1].vin, UNKNOWN_VIN, stranger.vin, "12345", "NOESUNVIN"])
    campaign_id = _campaign_id(await _create(client, vins=pasted))
    page = (await client.get(f"/campanas/{campaign_id}")).text
    assert sorted(int(i) for i in re.findall(r'data-test="unit" data-id="(\d+)"', page)) == sorted(
        u["id"] for u in await CampaignUnit.select(CampaignUnit.id).where(CampaignUnit.campaign == campaign_id))
    assert text_of(page, "selected-count") == ["2"]
    assert cars[0].vin in page and cars[2].vin not in page
    unknown = re.search(r'data-test="unknown_vins">(.*?)</details>', page, re.S).group(1)
    assert UNKNOWN_VIN in unknown and stranger.vin in unknown and "<strong>2</strong>" in unknown
    malformed = re.search(r'data-test="malformed_vins">(.*?)</details>', page, re.S).group(1)
    assert "12345" in malformed and "NOESUNVIN" in malformed


async def test_filters_narrow_the_search(as_user, make):
    _branch, manager, _, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, make="renault", year_from="2020", year_to="2021",
                                             km_from="0", km_to="50000"))
    vehicles = {u["vehicle"] for u in await CampaignUnit.select(CampaignUnit.vehicle).where(
        CampaignUnit.campaign == campaign_id)}
    assert vehicles == {cars[1].id}  # 2020 with 40,000 km; 2021 has 60,000


async def test_bad_searches_get_a_spanish_422_and_write_nothing(as_user, make):
    branch, manager, _, _ = await _world(make)
    client = await as_user(manager.username)
    cases = [({}, "Indique al menos un filtro"), ({"name": "", "make": "Renault"}, "Póngale un nombre"),
             ({"year_from": "2022", "year_to": "2020"}, "El año hasta es anterior"),
             ({"kind": "sorteo", "make": "Renault"}, "Elija el tipo"),
             ({"sold_from": "31/02/2026"}, "dd/mm/aaaa"),
             ({"make": "Ferrari"}, "no encontró unidades")]
    for fields, message in cases:
        response = await _create(client, **fields)
        assert response.status_code == 422 and message in response.text, (fields, response.status_code)
    assert await Campaign.count().where(Campaign.branch == branch.id) == 0


async def test_processing_spreads_one_opportunity_per_unit_and_never_twice(as_user, make):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins="\n".join(c.vin for c in cars)))
    left_out = (await CampaignUnit.select(CampaignUnit.id).where(
        (CampaignUnit.campaign == campaign_id) & (CampaignUnit.vehicle == cars[3].id)).first())["id"]
    chose = await client.post(f"/campanas/{campaign_id}/elegir", headers={"HX-Request": "true"},
                              data={"unit_id": left_out, "selected": "0"})
    assert chose.status_code == 200 and text_of(chose.text, "selected-count") == ["3"]
    assert await _process(client, campaign_id, people) == "done"
    opportunities = await _opportunities(campaign_id)
    assert [o["vehicle"] for o in opportunities] == [c.id for c in cars[:3]]
    assert [o["assigned_to"] for o in opportunities] == [people[0].id, people[1].id, people[0].id]
    assert {(o["kind"], o["source"], o["status"]) for o in opportunities} == {("recall", "campaign", "open")}
    assert opportunities[0]["reason"] == "Recall airbag (ASC-1)"

    await client.post(f"/campanas/{campaign_id}/elegir", data={"all": "1", "selected": "1"})
    assert await _process(client, campaign_id, people) == "done"
    assert await _process(client, campaign_id, people) == "done"
    assert [o["vehicle"] for o in await _opportunities(campaign_id)] == [c.id for c in cars]

    board = (await client.get("/oportunidades?tab=campana")).text
    assert all(c.plate in board for c in cars)


async def test_a_run_cut_off_is_completed_by_running_again(as_user, make, monkeypatch):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins="\n".join(c.vin for c in cars)))
    monkeypatch.setattr(commands, "CHUNK", 1)
    real = commands._write_chunk
    calls = 0

    async def dies_on_the_third_chunk(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("worker killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(commands, "_write_chunk", dies_on_the_third_chunk)
    assert await _process(client, campaign_id, people) == "failed"
    assert len(await _opportunities(campaign_id)) == 2
    page = (await client.get(f"/campanas/{campaign_id}/procesar")).text
    assert "no se duplica nada" in page
    assert await _process(client, campaign_id, people) == "done"
    assert sorted(o["vehicle"] for o in await _opportunities(campaign_id)) == sorted(c.id for c in cars)


async def test_recall_opportunities_wait_for_their_parts(as_user, make):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins="\n".join(c.vin for c in cars[:2])))
    assert await _process(client, campaign_id, people, parts=True) == "done"
    assert {o["status"] for o in await _opportunities(campaign_id)} == {"held"}
    coordinator = await as_user(people[0].username)
    assert cars[0].plate not in (await coordinator.get("/oportunidades?tab=campana")).text
    listing = (await client.get("/campanas")).text
    assert 'data-test="recall-review"' in listing and "2 esperan repuestos" in listing

    unit = (await CampaignUnit.select(CampaignUnit.id).where(
        (CampaignUnit.campaign == campaign_id) & (CampaignUnit.vehicle == cars[0].id)).first())["id"]
    one = await client.post(f"/campanas/{campaign_id}/repuestos", headers={"HX-Request": "true"},
                            data={"unit_id": unit, "status": "available"})
    assert one.status_code == 200 and text_of(one.text, "waiting-count") == ["1"]
    assert [o["status"] for o in await _opportunities(campaign_id)] == ["open", "held"]
    await client.post(f"/campanas/{campaign_id}/repuestos", data={"status": "available"})
    assert {o["status"] for o in await _opportunities(campaign_id)} == {"open"}
    board = (await coordinator.get("/oportunidades?tab=campana")).text
    assert cars[0].plate in board and cars[1].plate in board


async def test_the_funnel_counts_what_happened(as_user, make):
    branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins="\n".join(c.vin for c in cars[:3])))
    await _process(client, campaign_id, people)
    first, second, third = await _opportunities(campaign_id)
    await Opportunity.update({Opportunity.attempt_count: 1}).where(Opportunity.id == first["id"])
    await Opportunity.update({Opportunity.status: "booked"}).where(Opportunity.id == second["id"])
    await make.appointment(branch, vehicle=cars[1], opportunity=second["id"], status="arrived")
    await Opportunity.update({Opportunity.status: "discarded"}).where(Opportunity.id == third["id"])
    page = (await client.get("/campanas")).text
    row = re.search(rf'data-test="campaign-row" data-id="{campaign_id}">(.*?)</tr>', page, re.S).group(1)
    assert [text_of(row, f"funnel-{k}")[0] for k in ("units", "contacted", "booked", "arrived", "discarded")] == [
        "3", "2", "1", "1", "1"]


async def test_processing_is_checked(as_user, make):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins=cars[0].vin))
    version = (await Campaign.select(Campaign.version).where(Campaign.id == campaign_id).first())["version"]
    cases = [({"due_on": "", "coordinators": [people[0].id]}, "Complete este dato"),
             ({"due_on": "2020-01-01", "coordinators": [people[0].id]}, "no puede quedar en el pasado"),
             ({"due_on": "2099-01-01"}, "Elija al menos una coordinadora"),
             ({"due_on": "2099-01-01", "coordinators": [manager.id]}, "Elija al menos una coordinadora")]
    for data, message in cases:
        response = await client.post(f"/campanas/{campaign_id}/procesar", data=data | {"version": version})
        assert response.status_code == 422 and message in response.text, (data, response.status_code)
    stale = await client.post(f"/campanas/{campaign_id}/procesar",
                              data={"due_on": "2099-01-01", "coordinators": [people[0].id], "version": version + 5})
    assert stale.status_code == 409
    assert await Opportunity.count().where(Opportunity.campaign == campaign_id) == 0


async def test_campaigns_are_for_managers_of_their_branch(as_user, make):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins=cars[0].vin))
    coordinator = await as_user(people[0].username)
    assert (await coordinator.get("/campanas")).status_code == 403
    assert (await coordinator.get(f"/campanas/{campaign_id}")).status_code == 403
    other = await as_user((await make.user("manager", [await make.branch(country="AR")])).username)
    assert (await other.get(f"/campanas/{campaign_id}")).status_code == 404
    for path, data in (("elegir", {"all": "1", "selected": "0"}), ("repuestos", {"status": "available"}),
                       ("procesar", {"due_on": "2099-01-01", "coordinators": [people[0].id], "version": 1})):
        assert (await other.post(f"/campanas/{campaign_id}/{path}", data=data)).status_code == 404, path
    assert (await CampaignUnit.select(CampaignUnit.selected).where(CampaignUnit.campaign == campaign_id).first())[
        "selected"] is True


async def test_a_manager_closes_a_processed_campaign(as_user, make):
    _branch, manager, people, cars = await _world(make)
    client = await as_user(manager.username)
    campaign_id = _campaign_id(await _create(client, vins=cars[0].vin))
    await _process(client, campaign_id, people, parts=True)
    page = (await client.get(f"/campanas/{campaign_id}")).text
    assert 'data-test="close-campaign"' in page
    version = (await Campaign.select(Campaign.version).where(Campaign.id == campaign_id).first())["version"]
    assert (await client.post(f"/campanas/{campaign_id}/cerrar", data={"version": version - 1})).status_code == 409
    closed = await client.post(f"/campanas/{campaign_id}/cerrar", data={"version": version})
    assert closed.status_code == 303
    listing = (await client.get("/campanas")).text
    assert 'data-test="recall-review"' not in listing  # a closed recall leaves the weekly review
    assert 'data-test="closed"' in (await client.get(f"/campanas/{campaign_id}")).text
