"""The ingestion API: keys per branch, per-item answers, Idempotency-Key, revocation, rate limit."""

from __future__ import annotations

import httpx

from app.audit import Actor
from app.dms import api_keys
from app.tables import Customer, RepairOrder, RepairOrderLine

ACTOR = Actor(None, "prueba", None)


def api(app, key: str | None) -> httpx.AsyncClient:
    headers = {"X-Api-Key": key} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers)


ORDER = {"dms_id": "OR-1", "opened_at": "2026-11-02T09:00:00-03:00", "vin": None, "plate": "AB100CD",
         "customer_dms_id": "C-10", "customer_name": "Laura Díaz", "phone_mobile": "11 5555-0199",
         "lines": [{"line_no": 1, "description": "Service 10.000 km", "kind": "mano de obra", "amount": "85.000,00"},
                   {"line_no": 2, "description": "Pastillas de freno", "kind": "repuesto", "approval": "rechazado",
                    "follow_up_on": "2026-12-15"}]}


async def test_a_batch_answers_per_item_and_writes_only_valid_items(app, make):
    branch = await make.branch(country="AR")
    key = (await api_keys.create(branch.id, "DMS", ACTOR)).key
    bad = {"dms_id": "OR-2", "opened_at": "31/02/2026", "plate": "AB101CD", "customer_name": "Otro"}
    async with api(app, key) as client:
        r = await client.post("/api/v1/repair-orders", json={"items": [{k: v for k, v in ORDER.items() if v},
                                                                        bad]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["received"], body["created"], body["rejected"]) == (2, 1, 1)
    assert body["items"][0]["result"] == "created" and body["items"][0]["id"]
    assert body["items"][1]["error"]["field"] == "opened_at" and "Fecha inválida" in body["items"][1]["error"]["reason"]
    order = await RepairOrder.select().where((RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "OR-1")).first()
    lines = await RepairOrderLine.select().where(RepairOrderLine.repair_order == order["id"]).order_by(
        RepairOrderLine.line_no)
    assert [(x["kind"], x["approval"]) for x in lines] == [("labour", "authorised"), ("part", "declined")]
    assert lines[0]["amount"] == 85000 and str(lines[1]["follow_up_on"]) == "2026-12-15"
    assert await RepairOrder.count().where((RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "OR-2")) == 0
    customer = await Customer.select().where(Customer.id == order["customer"]).first()
    assert customer["dms_id"] == "C-10" and customer["phone_mobile"] == "+541155550199"


async def test_idempotency_key_replays_the_first_answer(app, make):
    branch = await make.branch(country="AR")
    key = (await api_keys.create(branch.id, "DMS", ACTOR)).key
    batch = {"items": [{"dms_id": "K-1", "customer_name": "Ana Ruiz", "phone_mobile": "11 5555-0150"}]}
    async with api(app, key) as client:
        first = await client.post("/api/v1/customers", json=batch, headers={"Idempotency-Key": "lote-1"})
        second = await client.post("/api/v1/customers", json=batch, headers={"Idempotency-Key": "lote-1"})
        other = await client.post("/api/v1/customers", json={"items": [{"dms_id": "K-2", "customer_name": "B"}]},
                                  headers={"Idempotency-Key": "lote-1"})
        fresh = await client.post("/api/v1/customers", json=batch)
    assert first.json()["created"] == 1
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422 and "otro contenido" in other.json()["detail"]
    assert fresh.json()["unchanged"] == 1
    assert await Customer.count().where(Customer.branch == branch.id) == 1


async def test_a_key_reaches_only_its_branch_and_stops_when_revoked(app, make):
    a = await make.branch(country="AR")
    b = await make.branch(a.dealer, country="AR")
    made = await api_keys.create(a.id, "DMS", ACTOR)
    item = {"items": [{"dms_id": "SAME", "customer_name": "De la A"}]}
    async with api(app, made.key) as client:
        assert (await client.post("/api/v1/customers", json=item)).json()["created"] == 1
    assert await Customer.count().where(Customer.branch == b.id) == 0
    assert await api_keys.revoke(made.id, None, ACTOR)
    async with api(app, made.key) as client:
        refused = await client.post("/api/v1/customers", json=item)
    assert refused.status_code == 401 and "X-Api-Key" in refused.json()["detail"]
    async with api(app, None) as client:
        assert (await client.post("/api/v1/customers", json=item)).status_code == 401


async def test_bad_batches_get_a_400_that_says_where(app, make):
    branch = await make.branch(country="AR")
    key = (await api_keys.create(branch.id, "DMS", ACTOR)).key
    async with api(app, key) as client:
        unknown = await client.post("/api/v1/customers", json={"items": [{"dms_id": "1", "colour_of_eyes": "x"}]})
        empty = await client.post("/api/v1/customers", json={"items": []})
        too_many = await client.post("/api/v1/customers", json={"items": [{"dms_id": str(i)} for i in range(5001)]})
    assert unknown.status_code == 400 and "colour_of_eyes" in unknown.text
    assert empty.status_code == 400 and too_many.status_code == 400


async def test_requests_beyond_the_rate_limit_get_429(another_app, make):
    branch = await make.branch(country="AR")
    key = (await api_keys.create(branch.id, "DMS", ACTOR)).key
    limited = await another_app(API_REQUESTS_PER_MINUTE="2")
    item = {"items": [{"dms_id": "R-1", "customer_name": "Ana"}]}
    async with api(limited, key) as client:
        answers = [(await client.post("/api/v1/customers", json=item)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


async def test_the_schema_documents_the_api(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/repair-orders" in schema["paths"]
    assert "Idempotency-Key" in str(schema["paths"]["/api/v1/repair-orders"])
