"""Settings changes: dealer, branches, users, catalogs. Each in one transaction
with its audit event."""

from __future__ import annotations

from app import db
from app.audit import Actor, record
from app.auth.passwords import hash_password
from app.rules import Refused
from app.tables import Branch, Dealer, Role, User, UserBranch

__all__ = ["Refused", "add_user_from_command_line"]


async def add_user_from_command_line(*, username: str, full_name: str, role: str, password: str, email: str,
                                     branch_codes: list[str], dealer_name: str | None) -> str:
    """`python -m app user add`: on an empty database the first admin also
    creates the dealer; branches are then created in /admin."""
    username = username.strip().lower()
    if not username or not full_name.strip():
        raise Refused("Faltan el usuario o el nombre.")
    if role not in {r.value for r in Role}:
        raise Refused(f"Rol desconocido: {role}.")
    if await User.exists().where(User.username == username):
        raise Refused(f"Ya existe el usuario {username}.")
    dealers = await Dealer.select(Dealer.id, Dealer.name)
    if len(dealers) > 1 and not dealer_name:
        raise Refused("Hay varios concesionarios: indicá cuál con --dealer.")
    if not dealers and role != Role.admin.value:
        raise Refused("La base está vacía: el primer usuario debe ser administrador (--admin).")
    password_hash = await hash_password(password)
    async with db.write_transaction():
        dealer = next((d for d in dealers if not dealer_name or d["name"] == dealer_name), None)
        if dealer is None and dealers:
            raise Refused(f"No existe el concesionario {dealer_name!r}.")
        if dealer is None:
            dealer_id = (await Dealer.insert(Dealer(name=dealer_name or "Mi concesionario"))
                         .returning(Dealer.id))[0]["id"]
        else:
            dealer_id = dealer["id"]
        branches = await Branch.select(Branch.id, Branch.code).where(
            (Branch.dealer == dealer_id) & Branch.code.is_in(branch_codes or [""]))
        unknown = set(branch_codes) - {b["code"] for b in branches}
        if unknown:
            raise Refused(f"Sucursal desconocida: {', '.join(sorted(unknown))}.")
        user_id = (await User.insert(User(dealer=dealer_id, username=username, full_name=full_name.strip(),
                                          role=role, email=email, password_hash=password_hash))
                   .returning(User.id))[0]["id"]
        for branch in branches:
            await UserBranch.insert(UserBranch(user=user_id, branch=branch["id"]))
        await record(Actor(None, "linea-de-comandos", dealer_id), "user.create", entity="user",
                     entity_id=user_id, after={"username": username, "role": role, "branches": branch_codes})
    return f"Usuario {username} creado ({role})."
