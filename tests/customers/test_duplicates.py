"""/clientes/duplicados: the customers that look like one person, merged by a manager with their
whole history, or set apart for good; a merged customer's DMS code still finds the one that stayed."""

from __future__ import annotations

import datetime as dt
import re

from app.dms.ingest import Target, ingest
from app.tables import (
    AuditEvent,
    ContactAttempt,
    Customer,
    CustomerNotDuplicate,
    Opportunity,
    RepairOrder,
    Vehicle,
)
from tests.http import text_of

CUIT = "20-12345678-6"  # a valid CUIT (mod 11)


async def _branch_with_twins(make):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    maria = await make.customer(branch, name="María Núñez", first_name="María", last_name="Núñez",
                                phone_mobile="+5491144440001", email="", dms_id="C-1")
    typed_again = await make.customer(branch, name="MARIA  NUNEZ", phone_mobile="+5491144440001",
                                      email="maria@example.com", street="Av. Corrientes 1234", dms_id="C-2")
    company = await make.customer(branch, name="Transportes Sur", tax_id_type="cuit", tax_id=CUIT,
                                  tax_id_valid=True, phone_mobile="+5491144440002")
    company_again = await make.customer(branch, name="Transportes del Sur SA", tax_id_type="cuit", tax_id=CUIT,
                                        tax_id_valid=True, phone_mobile="+5491144440003")
    # Same phone, another name (a relative): not a candidate.
    await make.customer(branch, name="Pedro Núñez", phone_mobile="+5491144440001")
    return branch, manager, (maria, typed_again, company, company_again)


def _groups(page: str) -> list[list[int]]:
    forms = re.findall(r'<form class="card dup-group".*?</form>', page, re.S)
    return [sorted(int(i) for i in re.findall(r'data-test="duplicate-member" data-id="(\d+)"', f)) for f in forms]


async def test_customers_sharing_a_tax_id_or_a_phone_and_name_are_offered_for_merging(as_user, make):
    branch, manager, (maria, typed_again, company, company_again) = await _branch_with_twins(make)
    other_branch = await make.branch(branch.dealer, country="AR")
    await make.customer(other_branch, name="María Núñez", phone_mobile="+5491144440001")
    client = await as_user(manager.username)
    page = await client.get("/clientes/duplicados")
    assert page.status_code == 200
    assert sorted(_groups(page.text)) == sorted([[maria.id, typed_again.id], [company.id, company_again.id]])
    assert "Misma identificación fiscal" in page.text and "Mismo celular y nombre" in page.text
    assert text_of(page.text, "duplicate-count") == ["2 grupos para revisar"]
    imports_page = (await client.get("/importar")).text  # where a manager goes after an import
    assert "Hay 2 grupos de clientes que parecen la misma persona" in imports_page


async def test_a_merge_moves_the_whole_history_to_the_customer_that_stays(as_user, make):
    branch, manager, (maria, typed_again, *_) = await _branch_with_twins(make)
    her_car = await make.vehicle(branch, owner=maria)
    his_car = await make.vehicle(branch, owner=typed_again)
    order = await make.repair_order(branch, vehicle=his_car)
    opportunity = await make.opportunity(branch, vehicle=his_car)
    attempt = await make.contact_attempt(opportunity)
    client = await as_user(manager.username)
    merged = await client.post("/clientes/duplicados/fusionar", headers={"HX-Request": "true"}, data={
        "keep": maria.id, "members": [maria.id, typed_again.id],
        f"version-{maria.id}": maria.version, f"version-{typed_again.id}": typed_again.version})
    assert merged.status_code == 200, merged.text[:400]
    assert "Se fusionó MARIA  NUNEZ en" in merged.text
    assert "Pasaron a su historial: 1 vehículo, 1 orden de reparación, 1 oportunidad y 1 llamado." in merged.text

    gone = await Customer.select().where(Customer.id == typed_again.id).first()
    assert gone["merged_into"] == maria.id and gone["merged_at"] is not None and gone["dms_id"] == "C-2"
    kept = await Customer.select().where(Customer.id == maria.id).first()
    assert (kept["email"], kept["street"], kept["version"]) == ("maria@example.com", "Av. Corrientes 1234",
                                                                  maria.version + 1)
    assert kept["name"] == "María Núñez"  # the keeper's own values are never overwritten
    owners = {v["id"]: v["owner"] for v in await Vehicle.select().where(Vehicle.id.is_in([her_car.id, his_car.id]))}
    assert owners == {her_car.id: maria.id, his_car.id: maria.id}
    assert (await RepairOrder.select(RepairOrder.customer).where(RepairOrder.id == order.id).first())[
        "customer"] == maria.id
    assert (await Opportunity.select(Opportunity.customer).where(Opportunity.id == opportunity.id).first())[
        "customer"] == maria.id
    assert (await ContactAttempt.select(ContactAttempt.customer).where(ContactAttempt.id == attempt.id).first())[
        "customer"] == maria.id
    event = await AuditEvent.select().where(
        (AuditEvent.action == "customer.merge") & (AuditEvent.entity_id == maria.id)).output(load_json=True).first()
    assert event["before"]["merged"][0]["id"] == typed_again.id and event["after"]["moved"]["vehicles"] == 1

    # The merged customer's page is the keeper's, which remembers it; the group is no longer offered.
    redirect = await client.get(f"/clientes/{typed_again.id}")
    assert redirect.status_code == 303 and redirect.headers["location"] == f"/clientes/{maria.id}"
    history = (await client.get(f"/clientes/{maria.id}")).text
    assert "También figuraba como MARIA  NUNEZ (código DMS C-2)" in history
    assert [maria.id, typed_again.id] not in _groups((await client.get("/clientes/duplicados")).text)


async def test_the_dms_code_of_a_merged_customer_still_finds_the_one_that_stayed(as_user, make):
    branch, manager, (maria, typed_again, *_) = await _branch_with_twins(make)
    client = await as_user(manager.username)
    await client.post("/clientes/duplicados/fusionar", data={
        "keep": maria.id, "members": [maria.id, typed_again.id],
        f"version-{maria.id}": maria.version, f"version-{typed_again.id}": typed_again.version})
    today = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = await ingest(Target(branch.id, "AR", branch.timezone), "repair_orders", [(1, {
        "dms_id": "OR-1", "opened_at": today.isoformat(), "plate": "AC123BD", "customer_dms_id": "C-2",
        "customer_name": "MARIA NUNEZ"})])
    assert report.created == 1 and report.customers_created == 0
    order = await RepairOrder.select(RepairOrder.customer).where(
        (RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "OR-1")).first()
    assert order["customer"] == maria.id


async def test_no_js_merge_redirects_back_to_the_list(as_user, make):
    _, manager, (_, _, company, company_again) = await _branch_with_twins(make)
    client = await as_user(manager.username)
    merged = await client.post("/clientes/duplicados/fusionar", data={
        "keep": company_again.id, "members": [company.id, company_again.id],
        f"version-{company.id}": company.version, f"version-{company_again.id}": company_again.version})
    assert merged.status_code == 303 and merged.headers["location"] == "/clientes/duplicados"
    assert (await Customer.select(Customer.merged_into).where(Customer.id == company.id).first())[
        "merged_into"] == company_again.id


async def test_a_merge_on_a_customer_changed_meanwhile_is_refused_whole(as_user, make):
    branch, manager, (maria, typed_again, *_) = await _branch_with_twins(make)
    car = await make.vehicle(branch, owner=typed_again)
    await Customer.update({Customer.version: Customer.version + 1}).where(Customer.id == typed_again.id)
    client = await as_user(manager.username)
    refused = await client.post("/clientes/duplicados/fusionar", headers={"HX-Request": "true"}, data={
        "keep": maria.id, "members": [maria.id, typed_again.id],
        f"version-{maria.id}": maria.version, f"version-{typed_again.id}": typed_again.version})
    assert refused.status_code == 409
    assert (await Customer.select(Customer.merged_into).where(Customer.id == typed_again.id).first())[
        "merged_into"] is None
    assert (await Customer.select(Customer.version).where(Customer.id == maria.id).first())["version"] == maria.version
    assert (await Vehicle.select(Vehicle.owner).where(Vehicle.id == car.id).first())["owner"] == typed_again.id


async def test_bad_merge_forms_get_a_spanish_422(as_user, make):
    branch, manager, (maria, typed_again, *_) = await _branch_with_twins(make)
    client = await as_user(manager.username)
    versions = {f"version-{maria.id}": maria.version, f"version-{typed_again.id}": typed_again.version}
    cases = [
        ({"members": [maria.id, typed_again.id], **versions}, "Elija qué cliente queda"),
        ({"keep": maria.id, "members": [maria.id], **versions}, "Marque al menos otro cliente"),
        ({"keep": maria.id, "members": [maria.id, typed_again.id]}, "recargue la página"),
        ({"keep": "x", "members": [maria.id, typed_again.id], **versions}, "recargue la página"),
    ]
    for data, message in cases:
        response = await client.post("/clientes/duplicados/fusionar", headers={"HX-Request": "true"}, data=data)
        assert response.status_code == 422 and message in response.text, (data, response.status_code)
    assert await Customer.count().where(Customer.merged_into.is_not_null() & (Customer.branch == branch.id)) == 0


async def test_customers_set_apart_are_not_offered_again(as_user, make):
    branch, manager, (_, _, company, company_again) = await _branch_with_twins(make)
    client = await as_user(manager.username)
    apart = await client.post("/clientes/duplicados/distintos", headers={"HX-Request": "true"}, data={
        "members": [company.id, company_again.id],
        f"version-{company.id}": company.version, f"version-{company_again.id}": company_again.version})
    assert apart.status_code == 200 and "no se volverán a proponer" in apart.text
    assert await CustomerNotDuplicate.count().where(CustomerNotDuplicate.branch == branch.id) == 1
    assert [company.id, company_again.id] not in _groups((await client.get("/clientes/duplicados")).text)
    assert await Customer.count().where(Customer.merged_into.is_not_null() & (Customer.branch == branch.id)) == 0


async def test_only_managers_of_the_branch_merge(as_user, make):
    branch, _, (maria, typed_again, *_) = await _branch_with_twins(make)
    data = {"keep": maria.id, "members": [maria.id, typed_again.id],
            f"version-{maria.id}": maria.version, f"version-{typed_again.id}": typed_again.version}
    coordinator = await make.user("coordinator", [branch])
    client = await as_user(coordinator.username)
    assert (await client.get("/clientes/duplicados")).status_code == 403
    assert (await client.post("/clientes/duplicados/fusionar", data=data)).status_code == 403
    other = await make.branch(country="AR")
    stranger = await as_user((await make.user("manager", [other])).username)
    assert (await stranger.post("/clientes/duplicados/fusionar", data=data)).status_code == 404
    assert (await stranger.post("/clientes/duplicados/distintos", data=data)).status_code == 404
    assert _groups((await stranger.get("/clientes/duplicados")).text) == []
    assert await Customer.count().where(Customer.merged_into.is_not_null() & (Customer.branch == branch.id)) == 0
