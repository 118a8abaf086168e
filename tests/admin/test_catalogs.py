"""Catalogs per branch (discard reasons, call outcomes): add, rename,
deactivate, reactivate and reorder, each swapping its row with htmx."""

from __future__ import annotations

import re

import pytest

from app.tables import CallOutcome, DiscardReason
from tests.admin.helpers import HTMX, events


async def reasons_of(branch_id: int) -> list[dict]:
    return await DiscardReason.select(DiscardReason.id, DiscardReason.name, DiscardReason.position,
                                      DiscardReason.active).where(DiscardReason.branch == branch_id).order_by(
        DiscardReason.position).order_by(DiscardReason.id)


def version_in(html: str, row_id: str) -> str:
    row = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S).group(0)
    return re.search(r'name="version" value="([^"]+)"', row).group(1)


async def test_the_catalogs_of_the_current_branch(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    response = await manager.get("/admin/catalogos")
    assert response.status_code == 303 and response.headers["location"] == f"/admin/sucursales/{world.a.id}/catalogos"
    page = await manager.get(response.headers["location"])
    assert page.status_code == 200 and "Vendió el vehículo" in page.text and "Buzón de voz" in page.text
    partial = await manager.get(response.headers["location"], headers=HTMX)
    assert partial.text.lstrip().startswith('<div class="admin" id="admin"')


async def test_a_manager_adds_a_reason_at_the_end(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    response = await manager.post(f"/admin/sucursales/{world.a.id}/motivos", data={"name": "Compró otro auto"},
                                  headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="catalog" id="catalog-motivos"')
    assert "Compró otro auto" in response.text and 'data-test="added"' in response.text
    rows = await reasons_of(world.a.id)
    assert rows[-1]["name"] == "Compró otro auto" and rows[-1]["position"] == rows[-2]["position"] + 1
    [event] = await events("discard_reason.create", rows[-1]["id"])
    assert event["branch"] == world.a.id and event["user"] == world.users["manager"].id


@pytest.mark.parametrize(("name", "message"), [("", "Complete este dato"), ("precio", "Ya hay un motivo")])
async def test_an_empty_or_repeated_name_is_refused(as_user, make, name, message):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    before = await reasons_of(world.a.id)
    response = await manager.post(f"/admin/sucursales/{world.a.id}/motivos", data={"name": name}, headers=HTMX)
    assert response.status_code == 422 and message in response.text and 'aria-invalid="true"' in response.text
    assert await reasons_of(world.a.id) == before
    plain = await manager.post(f"/admin/sucursales/{world.a.id}/motivos", data={"name": name})
    assert plain.status_code == 422 and "<html" in plain.text and message in plain.text


async def test_rename_swaps_the_row(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    reason = (await reasons_of(world.a.id))[0]
    page = await manager.get(f"/admin/sucursales/{world.a.id}/catalogos")
    version = version_in(page.text, f"motivos-{reason['id']}")
    response = await manager.post(f"/admin/motivos/{reason['id']}", data={"version": version, "name": "Precio alto"},
                                  headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="motivos-{reason["id"]}"') and "Precio alto" in response.text
    assert (await reasons_of(world.a.id))[0]["name"] == "Precio alto"
    [event] = await events("discard_reason.update", reason["id"])
    assert (event["before"], event["after"]) == ({"name": "Precio"}, {"name": "Precio alto"})
    # The form it held is now stale: a second rename from it changes nothing.
    stale = await manager.post(f"/admin/motivos/{reason['id']}", data={"version": version, "name": "Caro"},
                               headers=HTMX)
    assert stale.status_code == 409 and "Otra persona" in stale.text
    assert (await reasons_of(world.a.id))[0]["name"] == "Precio alto"


async def test_without_javascript_it_redirects_back(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    reason = (await reasons_of(world.a.id))[1]
    page = await manager.get(f"/admin/sucursales/{world.a.id}/catalogos")
    version = version_in(page.text, f"motivos-{reason['id']}")
    response = await manager.post(f"/admin/motivos/{reason['id']}", data={"version": version, "name": "Otro taller"})
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/admin/sucursales/{world.a.id}/catalogos")


async def test_deactivate_and_reactivate(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    reason = (await reasons_of(world.a.id))[2]
    page = await manager.get(f"/admin/sucursales/{world.a.id}/catalogos")
    off = await manager.post(f"/admin/motivos/{reason['id']}/desactivar",
                             data={"version": version_in(page.text, f"motivos-{reason['id']}")}, headers=HTMX)
    assert off.status_code == 200 and "Inactivo" in off.text and 'data-test="reactivate-item"' in off.text
    assert not (await reasons_of(world.a.id))[2]["active"]
    on = await manager.post(f"/admin/motivos/{reason['id']}/reactivar",
                            data={"version": version_in(off.text, f"motivos-{reason['id']}")}, headers=HTMX)
    assert on.status_code == 200 and (await reasons_of(world.a.id))[2]["active"]
    assert len(await events("discard_reason.deactivate", reason["id"])) == 1
    assert len(await events("discard_reason.reactivate", reason["id"])) == 1


async def test_reorder(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    first, second, *_ = await reasons_of(world.a.id)
    response = await manager.post(f"/admin/motivos/{first['id']}/bajar", headers=HTMX)
    assert response.status_code == 200 and response.text.lstrip().startswith('<section class="catalog"')
    assert response.text.index(second["name"]) < response.text.index(first["name"])
    assert [r["id"] for r in await reasons_of(world.a.id)][:2] == [second["id"], first["id"]]
    already_first = await manager.post(f"/admin/motivos/{second['id']}/subir", headers=HTMX)
    assert already_first.status_code == 200
    assert [r["id"] for r in await reasons_of(world.a.id)][:2] == [second["id"], first["id"]]
    await manager.post(f"/admin/motivos/{first['id']}/subir")
    rows = await reasons_of(world.a.id)
    assert [r["id"] for r in rows][:2] == [first["id"], second["id"]]
    assert [r["position"] for r in rows] == list(range(len(rows)))
    assert len(await events("discard_reason.move", first["id"])) == 2


async def test_call_outcomes_carry_purpose_and_reached(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    response = await manager.post(f"/admin/sucursales/{world.a.id}/resultados",
                                  data={"name": "Pidió presupuesto por correo", "purpose": "courtesy"}, headers=HTMX)
    assert response.status_code == 200
    row = await CallOutcome.select().where((CallOutcome.branch == world.a.id)
                                           & (CallOutcome.name == "Pidió presupuesto por correo")).first()
    assert (row["purpose"], row["reached"]) == ("courtesy", False)  # the box was left unticked
    version = version_in(response.text, f"resultados-{row['id']}")
    edited = await manager.post(f"/admin/resultados/{row['id']}", headers=HTMX, data={
        "version": version, "name": "Pidió presupuesto", "purpose": "any", "reached": "on"})
    assert edited.status_code == 200
    row = await CallOutcome.select().where(CallOutcome.id == row["id"]).first()
    assert (row["name"], row["purpose"], row["reached"]) == ("Pidió presupuesto", "any", True)
    bad = await manager.post(f"/admin/resultados/{row['id']}", headers=HTMX, data={
        "version": version_in(edited.text, f"resultados-{row['id']}"), "name": "X", "purpose": "sms"})
    assert bad.status_code == 422 and (await CallOutcome.select(CallOutcome.purpose).where(
        CallOutcome.id == row["id"]).first())["purpose"] == "any"


async def test_catalogs_of_unreachable_branches_do_not_exist(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)  # works in a only
    for branch in (world.b, world.c):
        assert (await manager.get(f"/admin/sucursales/{branch.id}/catalogos")).status_code == 404
        assert (await manager.post(f"/admin/sucursales/{branch.id}/motivos", data={"name": "X"})).status_code == 404
        reason = (await reasons_of(branch.id))[0]
        for action in ("", "/desactivar", "/reactivar", "/subir", "/bajar"):
            response = await manager.post(f"/admin/motivos/{reason['id']}{action}", data={"version": "x", "name": "Y"})
            assert response.status_code == 404, action
        assert (await reasons_of(branch.id))[0] == reason
    admin = await as_user(world.users["admin"].username)
    assert (await admin.get(f"/admin/sucursales/{world.c.id}/catalogos")).status_code == 404


@pytest.mark.parametrize("role", ["advisor", "coordinator"])
async def test_advisors_and_coordinators_do_not_keep_catalogs(as_user, make, role):
    world = await make.world()
    user = await as_user(world.users[role].username)
    reason = (await reasons_of(world.a.id))[0]
    assert (await user.get("/admin/catalogos")).status_code == 403
    assert (await user.get(f"/admin/sucursales/{world.a.id}/catalogos")).status_code == 403
    assert (await user.post(f"/admin/sucursales/{world.a.id}/motivos", data={"name": "X"})).status_code == 403
    assert (await user.post(f"/admin/motivos/{reason['id']}/desactivar", data={"version": "x"})).status_code == 403
    assert (await reasons_of(world.a.id))[0] == reason
