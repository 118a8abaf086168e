"""/admin/sucursales: admins create and edit every field; a manager edits the
contact data, windows and service rules of his own branches."""

from __future__ import annotations

import pytest

from app.rules.catalogs import DISCARD_REASONS, call_outcomes
from app.tables import Branch, CallOutcome, DiscardReason
from tests.admin.helpers import HTMX, branch_form, branch_row, error_of, events, manager_form, marked_invalid


async def test_admin_creates_a_branch_with_its_catalogs(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    form = branch_form()
    response = await admin.post("/admin/sucursales/nueva", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sucursales?aviso=sucursal-creada"
    row = await Branch.select(*Branch.all_columns()).where(Branch.code == form["code"]).first()
    assert row["dealer"] == world.dealer.id and row["name"] == "Córdoba — Cerro" and row["active"]
    assert (row["phone"], row["bookings_phone"], row["whatsapp_number"]) == (
        "+543514814200", "+5493515554201", "+5493515554202")
    assert (row["timezone"], row["currency"], row["first_service_km"]) == ("America/Argentina/Cordoba", "ARS", 10000)
    assert await DiscardReason.count().where(DiscardReason.branch == row["id"]) == len(DISCARD_REASONS)
    assert await CallOutcome.count().where(CallOutcome.branch == row["id"]) == len(call_outcomes("es-AR"))
    [event] = await events("branch.create", row["id"])
    assert event["user"] == world.users["admin"].id and event["after"]["code"] == form["code"]
    listing = await admin.get(response.headers["location"])
    assert "Córdoba — Cerro" in listing.text and 'data-test="admin-notice"' in listing.text


async def test_a_mexican_branch_reads_phones_as_mexican(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    form = branch_form(country="MX", locale="es-MX", timezone="America/Mexico_City", currency="mxn",
                       phone="442 215 4100", bookings_phone="", whatsapp_number="")
    assert (await admin.post("/admin/sucursales/nueva", data=form)).status_code == 303
    row = await Branch.select(Branch.phone, Branch.currency, Branch.id).where(Branch.code == form["code"]).first()
    assert (row["phone"], row["currency"]) == ("+524422154100", "MXN")
    outcomes = await CallOutcome.select(CallOutcome.name).where(CallOutcome.branch == row["id"])
    assert any("agendó cita" in o["name"] for o in outcomes)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("code", "Palermo Norte", "letras minúsculas"),
    ("code", "", "Complete este dato"),
    ("name", "", "Complete este dato"),
    ("country", "UY", "Argentina o México"),
    ("timezone", "Marte/Base_Alfa", "zona horaria"),
    ("currency", "PESOS", "moneda"),
    ("phone", "123", "No es un teléfono válido de Argentina"),
    ("whatsapp_number", "llamar al conmutador", "No es un teléfono válido de Argentina"),
    ("email", "posventa@", "dirección de correo válida"),
    ("delivery_window_days", "0", "entre 1 y 365"),
    ("opportunity_window_days", "dos semanas", "número entero"),
    ("attempt_limit", "21", "entre 1 y 20"),
    ("service_interval_km", "", "Complete este dato"),
])
async def test_bad_input_is_refused_field_by_field_and_nothing_is_written(as_user, make, field, value, message):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    form = branch_form(**{field: value})
    before = await Branch.count()
    response = await admin.post("/admin/sucursales/nueva", data=form)
    assert response.status_code == 422
    assert message in error_of(response.text, field)
    assert marked_invalid(response.text, field)
    assert f'value="{value}"' in response.text or field in ("country", "timezone", "currency")  # typed input kept
    assert await Branch.count() == before


async def test_a_code_in_use_is_refused(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/sucursales/nueva", data=branch_form(code=world.c.code))  # another dealer's
    assert response.status_code == 422 and "Ya hay una sucursal con el código" in error_of(response.text, "code")
    assert await Branch.count().where(Branch.code == world.c.code) == 1


async def test_admin_edits_every_field(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    page = await admin.get(f"/admin/sucursales/{world.a.id}")
    assert page.status_code == 200 and 'name="code"' in page.text
    form = branch_form(country="MX", locale="es-MX", timezone="America/Monterrey", currency="MXN",
                       phone="81 8123 4567", bookings_phone="", whatsapp_number="", delivery_window_days="45",
                       attempt_limit="7", version=str(world.a.version))
    response = await admin.post(f"/admin/sucursales/{world.a.id}", data=form)
    assert response.status_code == 303
    row = await branch_row(world.a.id)
    assert row["version"] == world.a.version + 1
    assert (row["code"], row["country"], row["locale"], row["timezone"], row["currency"]) == (
        form["code"], "MX", "es-MX", "America/Monterrey", "MXN")
    assert (row["phone"], row["delivery_window_days"], row["attempt_limit"]) == ("+528181234567", 45, 7)
    [event] = await events("branch.update", world.a.id)
    assert event["before"]["delivery_window_days"] == 30 and event["after"]["delivery_window_days"] == 45
    assert "name" in event["after"] and "opportunity_window_days" not in event["after"]


async def test_a_stale_version_changes_nothing(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    first = await admin.post(f"/admin/sucursales/{world.a.id}",
                             data=branch_form(attempt_limit="6", version=str(world.a.version)))
    assert first.status_code == 303
    second = await admin.post(f"/admin/sucursales/{world.a.id}",
                              data=branch_form(attempt_limit="9", version=str(world.a.version)), headers=HTMX)
    assert second.status_code == 409 and "Otra persona" in second.text
    assert second.headers["hx-retarget"] == "#notices"
    row = await branch_row(world.a.id)
    assert (row["attempt_limit"], row["version"]) == (6, world.a.version + 1)
    assert len(await events("branch.update", world.a.id)) == 1


async def test_manager_edits_contact_windows_and_rules_of_his_branch(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    page = await manager.get(f"/admin/sucursales/{world.a.id}")
    assert page.status_code == 200
    assert 'name="code"' not in page.text and 'name="country"' not in page.text  # shown, not editable
    assert 'data-test="branch-identity"' in page.text and "deactivate-branch" not in page.text
    response = await manager.post(f"/admin/sucursales/{world.a.id}", data=manager_form(
        version=str(world.a.version), no_show_window_days="10", service_interval_km="15.000", phone="11 4777-1850"))
    assert response.status_code == 303
    row = await branch_row(world.a.id)
    assert (row["no_show_window_days"], row["service_interval_km"], row["phone"]) == (10, 15000, "+541147771850")
    assert (row["code"], row["name"], row["country"]) == (world.a.code, world.a.name, "AR")
    [event] = await events("branch.update", world.a.id)
    assert event["user"] == world.users["manager"].id


@pytest.mark.parametrize("field", ["code", "country", "name", "timezone"])
async def test_manager_may_not_change_what_only_an_admin_does(as_user, make, field):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    form = manager_form(version=str(world.a.version), attempt_limit="8") | {field: branch_form()[field]}
    response = await manager.post(f"/admin/sucursales/{world.a.id}", data=form)
    assert response.status_code == 403 and "Su rol no permite cambiar el código" in response.text
    row = await branch_row(world.a.id)
    assert row["attempt_limit"] == 5 and row["version"] == world.a.version and row[field] == getattr(world.a, field)


async def test_manager_sees_and_reaches_only_his_branches(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    listing = await manager.get("/admin/sucursales")
    assert world.a.name in listing.text and world.b.name not in listing.text
    assert "Nueva sucursal" not in listing.text
    for branch in (world.b, world.c):  # his dealer's other branch, another dealer's
        assert (await manager.get(f"/admin/sucursales/{branch.id}")).status_code == 404
        response = await manager.post(f"/admin/sucursales/{branch.id}",
                                      data=manager_form(version=str(branch.version), attempt_limit="9"))
        assert response.status_code == 404
        assert (await branch_row(branch.id))["attempt_limit"] == 5


async def test_manager_cannot_create_or_deactivate(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    assert (await manager.get("/admin/sucursales/nueva")).status_code == 403
    assert (await manager.post("/admin/sucursales/nueva", data=branch_form())).status_code == 403
    response = await manager.post(f"/admin/sucursales/{world.a.id}/desactivar", data={"version": world.a.version})
    assert response.status_code == 403 and (await branch_row(world.a.id))["active"]


async def test_another_dealers_branch_does_not_exist(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    c = world.c
    assert (await admin.get(f"/admin/sucursales/{c.id}")).status_code == 404
    assert (await admin.get(f"/admin/sucursales/{c.id}/catalogos")).status_code == 404
    for path in (f"/admin/sucursales/{c.id}", f"/admin/sucursales/{c.id}/desactivar"):
        response = await admin.post(path, data=branch_form(version=str(c.version)))
        assert response.status_code == 404
    row = await branch_row(c.id)
    assert row["active"] and row["version"] == c.version
    listing = await admin.get("/admin/sucursales")
    assert c.name not in listing.text and world.a.name in listing.text and world.b.name in listing.text


async def test_ids_no_row_can_have_are_not_found(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    for branch_id in (0, 2**31, 10**12):
        assert (await admin.get(f"/admin/sucursales/{branch_id}")).status_code == 404
        assert (await admin.post(f"/admin/sucursales/{branch_id}", data=branch_form())).status_code == 404


async def test_deactivating_a_branch_takes_it_off_everyones_board(as_user, make):
    world = await make.world()
    coordinator = await as_user(world.users["coordinator"].username)
    assert 'data-test="no-branch"' not in (await coordinator.get("/")).text
    admin = await as_user(world.users["admin"].username)
    response = await admin.post(f"/admin/sucursales/{world.a.id}/desactivar", data={"version": world.a.version})
    assert response.status_code == 303
    assert not (await branch_row(world.a.id))["active"]
    assert 'data-test="no-branch"' in (await coordinator.get("/")).text
    page = await admin.get(f"/admin/sucursales/{world.a.id}")  # an admin still sees it, to reactivate it
    assert page.status_code == 200 and "reactivate-branch" in page.text
    response = await admin.post(f"/admin/sucursales/{world.a.id}/reactivar",
                                data={"version": world.a.version + 1})
    assert response.status_code == 303 and (await branch_row(world.a.id))["active"]
    assert [e["after"] for e in await events("branch.deactivate", world.a.id)] == [{"active": False}]
    assert [e["after"] for e in await events("branch.reactivate", world.a.id)] == [{"active": True}]


async def test_pages_are_partials_for_htmx(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    for path in ("/admin/sucursales", f"/admin/sucursales/{world.a.id}", "/admin/sucursales/nueva"):
        full = await admin.get(path)
        partial = await admin.get(path, headers=HTMX)
        assert full.status_code == partial.status_code == 200
        assert "<html" in full.text and "<html" not in partial.text
        assert partial.text.lstrip().startswith('<div class="admin" id="admin"')
        assert partial.headers["vary"] == "HX-Request"
        boosted = await admin.get(path, headers=HTMX | {"HX-Boosted": "true"})
        assert "<html" in boosted.text


async def test_a_422_for_htmx_is_the_form_again(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/sucursales/nueva", data=branch_form(attempt_limit="0"), headers=HTMX)
    assert response.status_code == 422 and "<html" not in response.text
    assert "entre 1 y 20" in error_of(response.text, "attempt_limit")


async def test_a_form_sent_back_with_errors_keeps_the_version_it_was_read_at(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    manager = await as_user(world.users["manager"].username)
    read_at = str(world.a.version)
    assert (await manager.post(f"/admin/sucursales/{world.a.id}",
                               data=manager_form(version=read_at, attempt_limit="4"))).status_code == 303
    bad = await admin.post(f"/admin/sucursales/{world.a.id}", data=branch_form(version=read_at, phone="1"))
    assert bad.status_code == 422 and f'name="version" value="{read_at}"' in bad.text
    fixed = await admin.post(f"/admin/sucursales/{world.a.id}", data=branch_form(version=read_at))
    assert fixed.status_code == 409  # the manager's change is not overwritten
    assert (await branch_row(world.a.id))["attempt_limit"] == 4
