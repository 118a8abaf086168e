"""Who reaches what under /admin, and what a crafted request gets."""

from __future__ import annotations

import pytest

from tests.admin.helpers import ADMIN_PAGES, HTMX


def nav(html: str) -> set[str]:
    return {name for name in ("concesionario", "sucursales", "usuarios", "catalogos", "correo")
            if f'data-test="nav-{name}"' in html}


async def test_admin_landing_and_nav(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    page = await admin.get("/admin")
    assert page.status_code == 200 and 'data-test="admin-index"' in page.text
    assert nav(page.text) == {"concesionario", "sucursales", "usuarios", "catalogos", "correo"}
    assert 'data-test="first-steps"' not in page.text
    for path in ADMIN_PAGES:
        response = await admin.get(path)
        assert response.status_code in (200, 303), path


async def test_a_manager_sees_his_part(as_user, make):
    world = await make.world()
    manager = await as_user(world.users["manager"].username)
    page = await manager.get("/admin")
    assert page.status_code == 200 and nav(page.text) == {"sucursales", "catalogos"}
    for path in ("/admin/concesionario", "/admin/usuarios", "/admin/usuarios/nuevo", "/admin/sucursales/nueva"):
        assert (await manager.get(path)).status_code == 403, path


@pytest.mark.parametrize("role", ["advisor", "coordinator"])
async def test_advisors_and_coordinators_are_refused(as_user, make, role):
    world = await make.world()
    user = await as_user(world.users[role].username)
    for path in (*ADMIN_PAGES, f"/admin/sucursales/{world.a.id}"):
        response = await user.get(path)
        assert response.status_code == 403, path
    assert "Configuración" not in (await user.get("/")).text


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = await client.get("/admin/sucursales")
    assert response.status_code == 303 and response.headers["location"].startswith("/ingresar")


async def test_a_post_without_the_csrf_token_is_refused(app, make):
    from tests.http import Client

    world = await make.world()
    bare = Client(app, csrf=False)
    try:
        await bare.ensure_csrf()
        await bare.post("/ingresar", data={"username": world.users["admin"].username, "password": "retorno-demo"},
                        headers={"x-csrftoken": bare.cookies["retorno_csrf"]})
        response = await bare.post("/admin/sucursales/nueva", data={"code": "sincsrf"})
        assert response.status_code == 403
    finally:
        await bare.aclose()


GARBAGE = [
    {},
    {"version": "", "name": "", "code": ""},
    {"version": "abc", "branch_ids": "x", "role": "💥", "attempt_limit": "１２", "phone": "+" * 40},
    {"version": "99999999999999999999", "branch_ids": ["1", "-3", "99999999999"], "reached": "no",
     "delivery_window_days": "1e9", "purpose": "'; DROP TABLE branch; --", "password": "\x00"},
]


@pytest.mark.parametrize("data", GARBAGE)
async def test_empty_or_garbage_forms_never_fail(as_user, make, data):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    manager = await as_user(world.users["manager"].username)
    reason_id = (await make.discard_reason(world.a)).id
    user_id = world.users["advisor"].id
    posts = [
        "/admin/concesionario", "/admin/sucursales/nueva", f"/admin/sucursales/{world.a.id}",
        f"/admin/sucursales/{world.a.id}/desactivar", f"/admin/sucursales/{world.a.id}/reactivar",
        "/admin/usuarios/nuevo", f"/admin/usuarios/{user_id}", f"/admin/usuarios/{user_id}/clave",
        f"/admin/usuarios/{user_id}/desactivar", f"/admin/usuarios/{user_id}/reactivar",
        f"/admin/sucursales/{world.a.id}/motivos", f"/admin/sucursales/{world.a.id}/resultados",
        f"/admin/motivos/{reason_id}", f"/admin/motivos/{reason_id}/desactivar",
    ]
    for client in (admin, manager):
        for path in posts:
            for headers in ({}, HTMX):
                response = await client.post(path, data=data, headers=headers)
                assert response.status_code in (400, 403, 404, 409, 422), (path, response.status_code)
