"""/admin/concesionario: the dealer's name and tax data, admins only."""

from __future__ import annotations

import pytest

from app.tables import Dealer
from tests.admin.helpers import error_of, events, marked_invalid


async def dealer_row(dealer_id: int) -> dict:
    return await Dealer.select(*Dealer.all_columns()).where(Dealer.id == dealer_id).first()


def dealer_form(version: int, **overrides: str) -> dict[str, str]:
    return {"version": str(version), "name": "Autos del Sur", "legal_name": "Autos del Sur S.A.",
            "tax_id": "30712345671", "email": "administracion@autosdelsur.com.ar",
            "website": "www.autosdelsur.com.ar"} | overrides


async def test_admin_edits_the_dealer(as_user, make):
    world = await make.world()  # branches in AR and MX: a CUIT or an RFC
    admin = await as_user(world.users["admin"].username)
    assert (await admin.get("/admin/concesionario")).status_code == 200
    response = await admin.post("/admin/concesionario", data=dealer_form(world.dealer.version))
    assert response.status_code == 303 and response.headers["location"] == "/admin/concesionario?aviso=guardado"
    row = await dealer_row(world.dealer.id)
    assert (row["name"], row["tax_id"], row["website"], row["version"]) == (
        "Autos del Sur", "30-71234567-1", "https://www.autosdelsur.com.ar", world.dealer.version + 1)
    [event] = await events("dealer.update", world.dealer.id)
    assert event["after"]["tax_id"] == "30-71234567-1" and event["before"]["legal_name"] == ""
    assert "Cambios guardados" in (await admin.get(response.headers["location"])).text


async def test_the_tax_id_follows_the_branches_country(as_user, make):
    dealer = await make.dealer()
    await make.branch(dealer, "MX")
    admin = await make.user("admin", dealer=dealer)
    client = await as_user(admin.username)
    assert "RFC" in (await client.get("/admin/concesionario")).text
    cuit = await client.post("/admin/concesionario", data=dealer_form(dealer.version))
    assert cuit.status_code == 422 and "No es un RFC válido" in error_of(cuit.text, "tax_id")
    assert marked_invalid(cuit.text, "tax_id")
    rfc = await client.post("/admin/concesionario", data=dealer_form(dealer.version, tax_id="abc-010203-ab1"))
    assert rfc.status_code == 303 and (await dealer_row(dealer.id))["tax_id"] == "ABC010203AB1"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", " ", "Complete este dato"),
    ("tax_id", "30-71234567-2", "No es un CUIT"),
    ("email", "administracion", "dirección de correo"),
    ("website", "no tengo", "dirección del sitio"),
])
async def test_bad_dealer_data_changes_nothing(as_user, make, field, value, message):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/concesionario", data=dealer_form(world.dealer.version, **{field: value}))
    assert response.status_code == 422 and message in error_of(response.text, field)
    row = await dealer_row(world.dealer.id)
    assert row["version"] == world.dealer.version and row["name"] == world.dealer.name


async def test_a_stale_dealer_form_changes_nothing(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/concesionario", data=dealer_form(world.dealer.version + 5))
    assert response.status_code == 409
    assert (await dealer_row(world.dealer.id))["name"] == world.dealer.name


@pytest.mark.parametrize("role", ["advisor", "coordinator", "manager"])
async def test_only_admins_keep_the_dealer(as_user, make, role):
    world = await make.world()
    user = await as_user(world.users[role].username)
    assert (await user.get("/admin/concesionario")).status_code == 403
    assert (await user.post("/admin/concesionario", data=dealer_form(world.dealer.version))).status_code == 403
    assert (await dealer_row(world.dealer.id))["version"] == world.dealer.version


async def test_each_admin_edits_his_own_dealer(as_user, make):
    world = await make.world()
    other = await as_user(world.users["other_dealer_admin"].username)
    response = await other.post("/admin/concesionario", data=dealer_form(world.other_dealer.version,
                                                                          name="El otro"))
    assert response.status_code == 303
    assert (await dealer_row(world.other_dealer.id))["name"] == "El otro"
    assert (await dealer_row(world.dealer.id))["name"] == world.dealer.name
