"""/admin/usuarios: admins create users, change role and branches, reset
passwords and deactivate; both end the user's open sessions at once."""

from __future__ import annotations

import asyncio

import pytest

from app.admin import commands
from app.auth.access import load_access
from app.tables import Role, User, UserBranch
from tests.admin.helpers import HTMX, error_of, events, user_row
from tests.http import Client

PASSWORD = "una-clave-larga"


def new_user_form(username: str, *branch_ids: int, **overrides: str) -> dict:
    return {"username": username, "full_name": "María Gómez", "email": "maria@example.com", "role": "coordinator",
            "branch_ids": [str(b) for b in branch_ids], "password": PASSWORD, "password_again": PASSWORD} | overrides


async def branches_of(user_id: int) -> list[int]:
    return sorted(r["branch"] for r in await UserBranch.select(UserBranch.branch).where(UserBranch.user == user_id))


async def signs_in(app, username: str, password: str) -> bool:
    client = Client(app)
    try:
        await client.ensure_csrf()
        response = await client.post("/ingresar", data={"username": username, "password": password})
        return response.status_code == 303
    finally:
        await client.aclose()


def ended(response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/ingresar")


async def test_admin_creates_a_user_who_can_sign_in(app, as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    username = f"maria.gomez{make.serial()}"
    response = await admin.post("/admin/usuarios/nuevo", data=new_user_form(f"  {username.upper()} ", world.a.id,
                                                                            world.b.id))
    assert response.status_code == 303 and response.headers["location"] == "/admin/usuarios?aviso=usuario-creado"
    row = await User.select(User.id, User.dealer, User.role, User.full_name).where(User.username == username).first()
    assert row["dealer"] == world.dealer.id and row["role"] == "coordinator"
    assert await branches_of(row["id"]) == sorted([world.a.id, world.b.id])
    [event] = await events("user.create", row["id"])
    assert event["after"]["username"] == username and event["user"] == world.users["admin"].id
    assert "password" not in str(event["after"]) and "hash" not in str(event["after"])
    listing = await admin.get("/admin/usuarios")
    assert username in listing.text and "Coordinador/a" in listing.text
    assert await signs_in(app, username, PASSWORD)


async def test_an_admin_needs_no_branches(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    username = f"jefa{make.serial()}"
    response = await admin.post("/admin/usuarios/nuevo", data=new_user_form(username, world.a.id, role="admin"))
    assert response.status_code == 303
    row = await User.select(User.id, User.role).where(User.username == username).first()
    assert row["role"] == "admin" and await branches_of(row["id"]) == []  # he reaches them all anyway


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"username": "María Gómez"}, "username", "minúsculas"),
    ({"username": ""}, "username", "Complete este dato"),
    ({"full_name": ""}, "full_name", "Complete este dato"),
    ({"email": "maria@"}, "email", "correo válida"),
    ({"role": "superuser"}, "role", "rol de la lista"),
    ({"branch_ids": []}, "branch_ids", "al menos una sucursal"),
    ({"password": "corta", "password_again": "corta"}, "password", "al menos 10 caracteres"),
    ({"password_again": "otra-clave-larga"}, "password", "no coinciden"),
])
async def test_a_bad_user_is_refused_and_nothing_written(as_user, make, overrides, field, message):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    username = overrides.pop("username", f"nuevo{make.serial()}")
    before = await User.count()
    response = await admin.post("/admin/usuarios/nuevo", data=new_user_form(username, world.a.id) | overrides)
    assert response.status_code == 422 and message in error_of(response.text, field)
    assert PASSWORD not in response.text  # a password never comes back
    assert await User.count() == before


async def test_usernames_are_unique_and_branches_must_be_the_dealers(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    taken = world.users["other_dealer_admin"].username
    response = await admin.post("/admin/usuarios/nuevo", data=new_user_form(taken, world.a.id))
    assert response.status_code == 422 and "Ya existe el usuario" in error_of(response.text, "username")
    username = f"intruso{make.serial()}"
    response = await admin.post("/admin/usuarios/nuevo", data=new_user_form(username, world.c.id))
    assert response.status_code == 422 and "no existe" in error_of(response.text, "branch_ids")
    assert not await User.exists().where(User.username == username)


async def test_admin_changes_role_branches_name_and_email(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    target = world.users["coordinator"]
    page = await admin.get(f"/admin/usuarios/{target.id}")
    assert page.status_code == 200 and f'value="{target.version}"' in page.text
    response = await admin.post(f"/admin/usuarios/{target.id}", data={
        "version": target.version, "full_name": "Carla Domínguez", "email": "carla@example.com", "role": "manager",
        "branch_ids": [str(world.b.id)]})
    assert response.status_code == 303
    row = await user_row(target.id)
    assert (row["full_name"], row["email"], row["role"], row["version"]) == (
        "Carla Domínguez", "carla@example.com", "manager", target.version + 1)
    assert await branches_of(target.id) == [world.b.id]
    [event] = await events("user.update", target.id)
    assert event["before"]["role"] == "coordinator" and event["after"]["branch_ids"] == [world.b.id]
    # The change applies on her next request: she now works in b as a manager.
    access = await load_access({"uid": target.id, "epoch": row["session_epoch"]}, "")
    assert access and access.role == "manager" and access.branch_ids == {world.b.id}


async def test_a_stale_user_form_changes_nothing(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    target = world.users["advisor"]
    form = {"version": target.version, "full_name": "Uno", "role": "advisor", "branch_ids": [str(world.a.id)]}
    assert (await admin.post(f"/admin/usuarios/{target.id}", data=form)).status_code == 303
    response = await admin.post(f"/admin/usuarios/{target.id}", data=form | {"full_name": "Dos"})
    assert response.status_code == 409
    assert (await user_row(target.id))["full_name"] == "Uno"


async def test_resetting_the_password_ends_the_users_sessions(app, as_user, make):
    world = await make.world()
    target = world.users["coordinator"]
    signed_in = await as_user(target.username)
    assert (await signed_in.get("/")).status_code == 200
    admin = await as_user(world.users["admin"].username)
    assert (await admin.get(f"/admin/usuarios/{target.id}/clave")).status_code == 200
    weak = await admin.post(f"/admin/usuarios/{target.id}/clave",
                            data={"version": target.version, "password": "corta", "password_again": "corta"})
    assert weak.status_code == 422 and "al menos 10" in error_of(weak.text, "password")
    assert (await signed_in.get("/")).status_code == 200  # nothing happened yet
    response = await admin.post(f"/admin/usuarios/{target.id}/clave",
                                data={"version": target.version, "password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/usuarios/{target.id}?aviso=clave"
    assert ended(await signed_in.get("/"))
    assert not await signs_in(app, target.username, "retorno-demo")
    assert await signs_in(app, target.username, PASSWORD)
    [event] = await events("user.reset_password", target.id)
    assert event["user"] == world.users["admin"].id
    assert (await admin.get("/admin/usuarios")).status_code == 200  # the admin's own session goes on


async def test_an_admin_resetting_his_own_password_stays_signed_in(app, as_user, make):
    world = await make.world()
    me = world.users["admin"]
    admin = await as_user(me.username)
    response = await admin.post(f"/admin/usuarios/{me.id}/clave",
                                data={"version": me.version, "password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 303
    assert (await admin.get("/admin/usuarios")).status_code == 200
    assert await signs_in(app, me.username, PASSWORD)


async def test_deactivating_ends_the_users_sessions_at_once(app, as_user, make):
    world = await make.world()
    target = world.users["manager"]
    signed_in = await as_user(target.username)
    htmx_too = await as_user(target.username)
    assert (await signed_in.get("/admin/sucursales")).status_code == 200
    admin = await as_user(world.users["admin"].username)
    response = await admin.post(f"/admin/usuarios/{target.id}/desactivar", data={"version": target.version})
    assert response.status_code == 303
    assert ended(await signed_in.get("/admin/sucursales"))
    swapped = await htmx_too.get("/", headers=HTMX)
    assert swapped.status_code == 401 and swapped.headers["hx-redirect"] == "/ingresar"
    assert not await signs_in(app, target.username, "retorno-demo")
    row = await user_row(target.id)
    assert not row["active"] and row["session_epoch"] == target.session_epoch + 1
    assert "Inactivo" in (await admin.get("/admin/usuarios")).text
    response = await admin.post(f"/admin/usuarios/{target.id}/reactivar", data={"version": target.version + 1})
    assert response.status_code == 303 and (await user_row(target.id))["active"]
    assert await signs_in(app, target.username, "retorno-demo")
    assert [e["action"] for e in await events("user.deactivate", target.id)] == ["user.deactivate"]
    assert [e["action"] for e in await events("user.reactivate", target.id)] == ["user.reactivate"]


async def test_an_admin_cannot_deactivate_himself_or_change_his_role(as_user, make):
    world = await make.world()
    me = world.users["admin"]
    admin = await as_user(me.username)
    response = await admin.post(f"/admin/usuarios/{me.id}/desactivar", data={"version": me.version})
    assert response.status_code == 422 and "No puede desactivar su propio usuario" in response.text
    response = await admin.post(f"/admin/usuarios/{me.id}", data={
        "version": me.version, "full_name": "Yo", "role": "manager", "branch_ids": [str(world.a.id)]})
    assert response.status_code == 422 and "su propio rol" in error_of(response.text, "role")
    row = await user_row(me.id)
    assert row["active"] and row["role"] == "admin" and row["version"] == me.version


def access_of(user, dealer_id: int):
    from app.auth.access import Access

    return Access(user_id=user.id, username=user.username, full_name=user.full_name, role=user.role,
                  dealer_id=dealer_id, dealer_name="", branches=(), branch=None)


async def test_the_last_active_admin_cannot_be_removed(make):
    # The moment of a race: B passed the guard, then A deactivated B. B's command must not
    # leave the dealer without an active admin.
    dealer = await make.dealer()
    a = await make.user("admin", dealer=dealer)
    b = await make.user("admin", dealer=dealer, active=False)
    with pytest.raises(commands.Invalid) as refused:
        await commands.set_user_active(access_of(b, dealer.id), a.id, str(a.version), active=False)
    assert "único administrador activo" in str(refused.value.detail)
    branch = await make.branch(dealer)
    form = commands.forms.UserForm(version=str(a.version), full_name="A", role="manager", branch_ids=[str(branch.id)])
    with pytest.raises(commands.Invalid) as refused:
        await commands.update_user(access_of(b, dealer.id), a.id, form)
    assert "único administrador activo" in refused.value.errors["role"]
    assert (await user_row(a.id))["active"] and (await user_row(a.id))["role"] == "admin"


async def test_two_admins_removing_each_other_at_once_leave_one(as_user, make):
    for _ in range(3):
        dealer = await make.dealer()
        a = await make.user("admin", dealer=dealer)
        b = await make.user("admin", dealer=dealer)
        as_a, as_b = await as_user(a.username), await as_user(b.username)
        await asyncio.gather(
            as_a.post(f"/admin/usuarios/{b.id}/desactivar", data={"version": b.version}),
            as_b.post(f"/admin/usuarios/{a.id}/desactivar", data={"version": a.version}),
        )
        assert await User.count().where((User.dealer == dealer.id) & (User.role == Role.admin.value)
                                        & User.active.eq(True)) == 1


@pytest.mark.parametrize("role", ["advisor", "coordinator", "manager"])
async def test_only_admins_keep_users(as_user, make, role):
    world = await make.world()
    user = await as_user(world.users[role].username)
    target = world.users["advisor"]
    for path in ("/admin/usuarios", "/admin/usuarios/nuevo", f"/admin/usuarios/{target.id}",
                 f"/admin/usuarios/{target.id}/clave"):
        assert (await user.get(path)).status_code == 403
    for path in (f"/admin/usuarios/{target.id}/desactivar", f"/admin/usuarios/{target.id}/clave",
                 f"/admin/usuarios/{target.id}"):
        response = await user.post(path, data={"version": target.version, "password": PASSWORD,
                                                "password_again": PASSWORD, "full_name": "X", "role": "admin"})
        assert response.status_code == 403
    assert (await user.post("/admin/usuarios/nuevo", data=new_user_form("colado", world.a.id))).status_code == 403
    row = await user_row(target.id)
    assert row["active"] and row["version"] == target.version and row["role"] == "advisor"


async def test_another_dealers_users_do_not_exist(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    stranger = world.users["other_dealer_admin"]
    for path in (f"/admin/usuarios/{stranger.id}", f"/admin/usuarios/{stranger.id}/clave"):
        assert (await admin.get(path)).status_code == 404
    for path in (f"/admin/usuarios/{stranger.id}", f"/admin/usuarios/{stranger.id}/clave",
                 f"/admin/usuarios/{stranger.id}/desactivar", f"/admin/usuarios/{stranger.id}/reactivar"):
        response = await admin.post(path, data={"version": stranger.version, "password": PASSWORD,
                                                "password_again": PASSWORD, "full_name": "X", "role": "advisor"})
        assert response.status_code == 404
    row = await user_row(stranger.id)
    assert row["active"] and row["version"] == stranger.version
    assert stranger.username not in (await admin.get("/admin/usuarios")).text
