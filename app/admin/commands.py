"""Settings changes: dealer, branches, users, catalogs. Each in one transaction
with its audit event; an edit is `WHERE id = ? AND version = ?` and bumps the
version, so a second writer with a stale form changes nothing (Stale, 409).

Order of refusals: a row out of reach is NotFound (404) before anything else,
then what the role may not touch (403), then bad input (422), then a stale
version (409).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from app import audit, db, scope
from app.admin import forms, queries
from app.admin.queries import Catalog
from app.audit import Actor, record
from app.auth.access import Access
from app.auth.passwords import hash_password
from app.catalogs import seed_branch_catalogs
from app.errors import Forbidden, Invalid, Stale
from app.rules import Refused
from app.tables import Branch, Dealer, Role, SignInThrottle, User, UserBranch

__all__ = ["Refused", "add_user_from_command_line"]

_UNIQUE = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


@contextlib.asynccontextmanager
async def _unique(field: str, message: str) -> AsyncIterator[None]:
    """Two people creating the same code at once: the loser gets the field's message."""
    try:
        yield
    except _UNIQUE as error:
        raise Invalid(errors={field: message}) from error


async def _lock_dealer(dealer_id: int) -> None:
    """Serialise the changes that count a dealer's admins (SQLite's IMMEDIATE
    transaction already does; PostgreSQL needs the row lock)."""
    if db.is_postgres():
        await Dealer.select(Dealer.id).where(Dealer.id == dealer_id).lock_rows()


# --- dealer -------------------------------------------------------------------------------------


async def update_dealer(access: Access, form: forms.DealerForm) -> None:
    values = forms.clean_dealer(form, await queries.dealer_countries(access))
    seen = forms.version(form.version)
    async with db.write_transaction():
        before = await queries.dealer(access)
        if before["version"] != seen:
            raise Stale()
        old, new = audit.changes(before, values)
        if not new:
            return
        changed = await Dealer.update({**values, Dealer.version: Dealer.version + 1}).where(
            (Dealer.id == access.dealer_id) & (Dealer.version == seen)).returning(Dealer.id)
        if not changed:
            raise Stale()
        await record(Actor.of(access), "dealer.update", entity="dealer", entity_id=access.dealer_id,
                     before=old, after=new)


# --- branches -----------------------------------------------------------------------------------


def _code_taken(code: str) -> str:
    return f"Ya hay una sucursal con el código «{code}»: elija otro."


async def create_branch(access: Access, form: forms.BranchForm) -> int:
    values = forms.clean_branch(form, identity=True, country=(form.country or "AR").upper())
    async with _unique("code", _code_taken(values["code"])), db.write_transaction():
        if await Branch.exists().where(Branch.code == values["code"]):
            raise Invalid(errors={"code": _code_taken(values["code"])})
        branch_id = (await Branch.insert(Branch(dealer=access.dealer_id, **values)).returning(Branch.id))[0]["id"]
        await seed_branch_catalogs(branch_id, values["locale"])
        await record(Actor.of(access), "branch.create", entity="branch", entity_id=branch_id, branch_id=branch_id,
                     after=audit.changes({}, values)[1])
    return branch_id


IDENTITY_REFUSED = ("Su rol no permite cambiar el código, el nombre, el país, el idioma, la zona horaria ni la "
                    "moneda de la sucursal; pídaselo a un administrador.")


async def update_branch(access: Access, branch_id: int, form: forms.BranchForm) -> None:
    current = await queries.branch(access, branch_id)
    admin = access.is_admin()
    if not admin and forms.identity_fields_sent(form):
        raise Forbidden(IDENTITY_REFUSED)
    values = forms.clean_branch(form, identity=admin, country=current["country"])
    seen = forms.version(form.version)
    async with _unique("code", _code_taken(values.get("code", ""))), db.write_transaction():
        before = await queries.branch(access, branch_id)
        if before["version"] != seen:
            raise Stale()
        old, new = audit.changes(before, values)
        if not new:
            return
        if "code" in new and await Branch.exists().where((Branch.code == new["code"]) & (Branch.id != branch_id)):
            raise Invalid(errors={"code": _code_taken(new["code"])})
        changed = await Branch.update({**values, Branch.version: Branch.version + 1}).where(
            (Branch.id == branch_id) & (Branch.version == seen) & queries.branch_reach(access)).returning(Branch.id)
        if not changed:
            raise Stale()
        await record(Actor.of(access), "branch.update", entity="branch", entity_id=branch_id, branch_id=branch_id,
                     before=old, after=new)


async def set_branch_active(access: Access, branch_id: int, version: str, active: bool) -> None:
    seen = forms.version(version)
    async with db.write_transaction():
        before = await queries.branch(access, branch_id)
        if before["version"] != seen:
            raise Stale()
        if before["active"] == active:
            return
        changed = await Branch.update({Branch.active: active, Branch.version: Branch.version + 1}).where(
            (Branch.id == branch_id) & (Branch.version == seen) & queries.branch_reach(access)).returning(Branch.id)
        if not changed:
            raise Stale()
        await record(Actor.of(access), "branch.reactivate" if active else "branch.deactivate", entity="branch",
                     entity_id=branch_id, branch_id=branch_id, before={"active": not active},
                     after={"active": active})


# --- users --------------------------------------------------------------------------------------


async def _insert_user(actor: Actor, dealer_id: int, username: str, values: dict[str, Any],
                       password_hash: str) -> int:
    """The one way a user is created (web form and command line); inside the caller's transaction."""
    if await User.exists().where(User.username == username):
        raise Invalid(errors={"username": f"Ya existe el usuario {username}."})
    user_id = (await User.insert(User(
        dealer=dealer_id, username=username, full_name=values["full_name"], email=values["email"],
        role=values["role"], password_hash=password_hash,
    )).returning(User.id))[0]["id"]
    if values["branch_ids"]:
        await UserBranch.insert(*[UserBranch(user=user_id, branch=b) for b in values["branch_ids"]])
    await record(actor, "user.create", entity="user", entity_id=user_id,
                 after={"username": username, "full_name": values["full_name"], "email": values["email"],
                        "role": values["role"], "branch_ids": values["branch_ids"]})
    return user_id


async def create_user(access: Access, form: forms.NewUserForm) -> int:
    username, username_error = forms.clean_username(form.username)
    choices = await queries.branch_choices(access)
    values, errors = forms.clean_user(full_name=form.full_name, email_address=form.email, role=form.role,
                                      branch_ids=forms.id_list(form.branch_ids),
                                      known_branches={b["id"] for b in choices})
    if username_error:
        errors["username"] = username_error
    if reason := forms.password_error(form.password, form.password_again, username):
        errors["password"] = reason
    forms.check(errors)
    password_hash = await hash_password(form.password)
    async with _unique("username", f"Ya existe el usuario {username}."), db.write_transaction():
        return await _insert_user(Actor.of(access), access.dealer_id, username, values, password_hash)


def _last_admin(what: str) -> Invalid:
    return Invalid(f"No se puede {what}: es el único administrador activo del concesionario. "
                   "Primero asigne el rol de administrador a otra persona.")


async def update_user(access: Access, user_id: int, form: forms.UserForm) -> None:
    await queries.user(access, user_id)
    choices = await queries.branch_choices(access)
    values, errors = forms.clean_user(full_name=form.full_name, email_address=form.email, role=form.role,
                                      branch_ids=forms.id_list(form.branch_ids),
                                      known_branches={b["id"] for b in choices})
    forms.check(errors)
    seen = forms.version(form.version)
    async with db.write_transaction():
        await _lock_dealer(access.dealer_id)
        before = await queries.user(access, user_id)
        if before["version"] != seen:
            raise Stale()
        if values["role"] != before["role"]:
            if user_id == access.user_id:
                raise Invalid(errors={"role": "No puede cambiar su propio rol: pídaselo a otro administrador."})
            if (before["role"] == Role.admin.value and before["active"]
                    and not await queries.active_admins(access, but=user_id)):
                raise Invalid(errors={"role": "Es el único administrador activo: asigne ese rol a otra persona "
                                              "antes de cambiar el suyo."})
        old, new = audit.changes(before, values)
        if not new:
            return
        changed = await User.update({
            User.full_name: values["full_name"], User.email: values["email"], User.role: values["role"],
            User.version: User.version + 1,
        }).where((User.id == user_id) & (User.version == seen) & scope.dealer(User, access)).returning(User.id)
        if not changed:
            raise Stale()
        if "branch_ids" in new:
            await UserBranch.delete().where(UserBranch.user == user_id)
            if values["branch_ids"]:
                await UserBranch.insert(*[UserBranch(user=user_id, branch=b) for b in values["branch_ids"]])
        await record(Actor.of(access), "user.update", entity="user", entity_id=user_id, before=old, after=new)


async def reset_password(access: Access, user_id: int, form: forms.PasswordForm) -> int:
    """A new password typed by the admin; every open session of the user ends.
    Returns the user's new session epoch."""
    current = await queries.user(access, user_id)
    if reason := forms.password_error(form.password, form.password_again, current["username"]):
        raise Invalid(errors={"password": reason})
    seen = forms.version(form.version)
    password_hash = await hash_password(form.password)
    async with db.write_transaction():
        changed = await User.update({
            User.password_hash: password_hash, User.session_epoch: User.session_epoch + 1,
            User.version: User.version + 1,
        }).where((User.id == user_id) & (User.version == seen) & scope.dealer(User, access)).returning(
            User.session_epoch)
        if not changed:
            raise Stale()
        # A user locked out by failed attempts can try the new password at once.
        await SignInThrottle.delete().where(SignInThrottle.username == current["username"])
        await record(Actor.of(access), "user.reset_password", entity="user", entity_id=user_id,
                     after={"sessions_ended": True})
    return changed[0]["session_epoch"]


async def set_user_active(access: Access, user_id: int, version: str, active: bool) -> None:
    """Deactivating ends the user's sessions at once (the epoch changes)."""
    if not active and user_id == access.user_id:
        raise Invalid("No puede desactivar su propio usuario: pídaselo a otro administrador.")
    seen = forms.version(version)
    async with db.write_transaction():
        await _lock_dealer(access.dealer_id)
        before = await queries.user(access, user_id)
        if before["version"] != seen:
            raise Stale()
        if before["active"] == active:
            return
        if not active and before["role"] == Role.admin.value and not await queries.active_admins(access, user_id):
            raise _last_admin("desactivarlo")
        values: dict[Any, Any] = {User.active: active, User.version: User.version + 1}
        if not active:
            values[User.session_epoch] = User.session_epoch + 1
        changed = await User.update(values).where(
            (User.id == user_id) & (User.version == seen) & scope.dealer(User, access)).returning(User.id)
        if not changed:
            raise Stale()
        await record(Actor.of(access), "user.reactivate" if active else "user.deactivate", entity="user",
                     entity_id=user_id, before={"active": not active}, after={"active": active})


async def add_user_from_command_line(*, username: str, full_name: str, role: str, password: str, email: str,
                                     branch_codes: list[str], dealer_name: str | None,
                                     new_dealer: bool = False) -> str:
    """`python -m app user add`. On an empty database the first admin also
    creates the dealer (named by --dealer); once dealers exist, another one is
    started only when asked (--new-dealer), so a mistyped name cannot create
    an empty dealer. Branches are then created in /admin."""
    if pending := await db.pending_migrations():
        raise Refused(f"La base de datos no está al día ({len(pending)} migraciones pendientes): "
                      "ejecute `python -m app migrate` primero.")
    username, username_error = forms.clean_username(username)
    if username_error:
        raise Refused(f"Usuario: {username_error}")
    dealer_name = (dealer_name or "").strip() or None
    dealers = await Dealer.select(Dealer.id, Dealer.name)
    dealer = next((d for d in dealers if d["name"] == dealer_name), None) if dealer_name else (
        dealers[0] if len(dealers) == 1 else None)
    if dealer is None and dealers and not dealer_name:
        raise Refused("Hay varios concesionarios: indique cuál con --dealer.")
    if dealer is None and dealers and dealer_name and not new_dealer:
        raise Refused(f"No existe el concesionario {dealer_name!r}. Para crear otro concesionario "
                      "agregue --new-dealer.")
    if dealer is None and role != Role.admin.value:
        raise Refused("El primer usuario de un concesionario nuevo debe ser administrador (--admin)."
                      if not dealers else f"No existe el concesionario {dealer_name!r}.")
    branches = await Branch.select(Branch.id, Branch.code).where(
        (Branch.dealer == (dealer["id"] if dealer else 0)) & Branch.code.is_in(branch_codes or [""]))
    unknown = set(branch_codes) - {b["code"] for b in branches}
    if unknown:
        raise Refused(f"Sucursal desconocida: {', '.join(sorted(unknown))}.")
    values, errors = forms.clean_user(full_name=full_name, email_address=email, role=role,
                                      branch_ids=[b["id"] for b in branches],
                                      known_branches={b["id"] for b in branches})
    if "branch_ids" in errors:
        errors["branch_ids"] = ("Un usuario que no es administrador necesita al menos una sucursal: "
                                "indíquela con --branch.")
    if reason := forms.password_error(password, None, username):
        errors["password"] = reason
    if errors:
        raise Refused(" ".join(errors.values()))
    password_hash = await hash_password(password)
    try:
        async with db.write_transaction():
            if dealer is None:
                name = dealer_name or "Mi concesionario"
                dealer_id = (await Dealer.insert(Dealer(name=name)).returning(Dealer.id))[0]["id"]
                await record(Actor(None, "linea-de-comandos", dealer_id), "dealer.create", entity="dealer",
                             entity_id=dealer_id, after={"name": name})
            else:
                dealer_id = dealer["id"]
            await _insert_user(Actor(None, "linea-de-comandos", dealer_id), dealer_id, username, values,
                               password_hash)
    except Invalid as invalid:
        raise Refused(" ".join(invalid.errors.values()) or str(invalid.detail)) from None
    created = f"Usuario {username} creado ({role})"
    if dealer is None:
        return (f"{created} en el concesionario nuevo «{dealer_name or 'Mi concesionario'}». "
                "Ingrese y cree la primera sucursal en /admin/sucursales.")
    return f"{created}."


# --- catalogs -----------------------------------------------------------------------------------


def _same_name(catalog: Catalog) -> str:
    return f"Ya hay un {catalog.noun} con ese nombre en esta sucursal."


async def _name_taken(catalog: Catalog, branch_id: int, name: str, but: int | None = None) -> bool:
    table = catalog.table
    query = table.select(table.name).where(table.branch == branch_id)  # type: ignore[attr-defined]
    if but is not None:
        query = query.where(table._meta.primary_key != but)
    return any(row["name"].casefold() == name.casefold() for row in await query)


async def add_catalog_item(access: Access, catalog: Catalog, branch_id: int, form: forms.CatalogItemForm) -> int:
    await queries.reachable_branch(access, branch_id)
    values = forms.clean_catalog_item(form, catalog.outcomes)
    table = catalog.table
    async with db.write_transaction():
        if await _name_taken(catalog, branch_id, values["name"]):
            raise Invalid(errors={"name": _same_name(catalog)})
        last = await table.select(table.position).where(table.branch == branch_id).order_by(  # type: ignore[attr-defined]
            table.position, ascending=False).first()  # type: ignore[attr-defined]
        item_id = (await table.insert(table(branch=branch_id, position=(last["position"] + 1) if last else 0,
                                            **values)).returning(table._meta.primary_key))[0]["id"]
        await record(Actor.of(access), f"{catalog.entity}.create", entity=catalog.entity, entity_id=item_id,
                     branch_id=branch_id, after=audit.changes({}, values)[1])
    return item_id


async def _change_item(access: Access, catalog: Catalog, item_id: int, version: str, values: dict[str, Any],
                       action: str) -> dict[str, Any]:
    """Write `values` on the row the form showed; a row changed since → Stale."""
    table = catalog.table
    seen = forms.version(version)
    async with db.write_transaction():
        before = await queries.catalog_item(access, catalog, item_id)
        if before["version"] != seen:
            raise Stale()
        if "name" in values and await _name_taken(catalog, before["branch"], values["name"], but=item_id):
            raise Invalid(errors={"name": _same_name(catalog)})
        old, new = audit.changes(before, values)
        if new:
            changed = await table.update({**values, table.version: table.version + 1}).where(  # type: ignore[attr-defined]
                (table._meta.primary_key == item_id) & (table.version == seen)  # type: ignore[attr-defined]
            ).returning(table._meta.primary_key)
            if not changed:
                raise Stale()
            await record(Actor.of(access), f"{catalog.entity}.{action}", entity=catalog.entity, entity_id=item_id,
                         branch_id=before["branch"], before=old, after=new)
    return await queries.catalog_item(access, catalog, item_id)


async def edit_catalog_item(access: Access, catalog: Catalog, item_id: int,
                            form: forms.CatalogItemForm) -> dict[str, Any]:
    await queries.catalog_item(access, catalog, item_id)
    values = forms.clean_catalog_item(form, catalog.outcomes)
    return await _change_item(access, catalog, item_id, form.version, values, "update")


async def set_catalog_item_active(access: Access, catalog: Catalog, item_id: int, version: str,
                                  active: bool) -> dict[str, Any]:
    return await _change_item(access, catalog, item_id, version, {"active": active},
                              "reactivate" if active else "deactivate")


async def move_catalog_item(access: Access, catalog: Catalog, item_id: int, step: int) -> int:
    """One place up (step −1) or down (+1) among the branch's items; returns the branch."""
    table = catalog.table
    async with db.write_transaction():
        item = await queries.catalog_item(access, catalog, item_id)
        rows = await queries.catalog_items(catalog, item["branch"])
        ids = [row["id"] for row in rows]
        here = ids.index(item_id)
        there = here + step
        if not 0 <= there < len(ids):
            return item["branch"]
        ids[here], ids[there] = ids[there], ids[here]
        positions = {row["id"]: row["position"] for row in rows}
        for position, row_id in enumerate(ids):  # renumbered 0…n-1, so equal positions cannot tie again
            if positions[row_id] != position:
                await table.update({table.position: position}).where(  # type: ignore[attr-defined]
                    table._meta.primary_key == row_id)
        await record(Actor.of(access), f"{catalog.entity}.move", entity=catalog.entity, entity_id=item_id,
                     branch_id=item["branch"], before={"position": here}, after={"position": there})
    return item["branch"]
