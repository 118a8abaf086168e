"""Reads of the settings area. Every row is read within the user's reach
(app.scope): another dealer's or an unreachable branch's id is NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import Where
from piccolo.table import Table

from app import db, scope
from app.auth.access import Access
from app.errors import NotFound
from app.i18n import telefono as phone_display
from app.tables import Branch, CallOutcome, Dealer, DiscardReason, Role, User, UserBranch


@dataclass(frozen=True)
class Catalog:
    """One of the per-branch catalogs a manager keeps."""

    slug: str  # its URL segment
    table: type[Table]
    entity: str  # audit entity
    outcomes: bool  # call outcomes carry purpose and `reached`
    title: str
    noun: str


REASONS = Catalog("motivos", DiscardReason, "discard_reason", False, "Motivos de descarte", "motivo")
OUTCOMES = Catalog("resultados", CallOutcome, "call_outcome", True, "Resultados de llamado", "resultado")


def branch_reach(access: Access) -> Where:
    """An admin reaches every branch of his dealer, inactive ones too; a manager his own."""
    return scope.dealer(Branch, access) if access.is_admin() else scope.branches(Branch, access)


# --- landing and dealer ------------------------------------------------------------------------


async def overview(access: Access) -> dict[str, Any]:
    """What the landing counts: branches in reach; for an admin, active users and the dealer's tax data."""
    async with db.read_together():
        branches = await Branch.select(Branch.active).where(branch_reach(access))
        users = await User.count().where(scope.dealer(User, access) & User.active.eq(True))
        dealer_row = await Dealer.select(Dealer.tax_id, Dealer.legal_name).where(
            Dealer.id == access.dealer_id).first()
    return {"branches": len(branches), "active_branches": sum(1 for b in branches if b["active"]), "users": users,
            "dealer_complete": bool(dealer_row and dealer_row["legal_name"] and dealer_row["tax_id"])}


async def dealer(access: Access) -> dict[str, Any]:
    row = await Dealer.select(Dealer.id, Dealer.name, Dealer.legal_name, Dealer.tax_id, Dealer.email,
                              Dealer.website, Dealer.version).where(Dealer.id == access.dealer_id).first()
    if row is None:
        raise NotFound()
    return row


async def dealer_countries(access: Access) -> set[str]:
    rows = await Branch.select(Branch.country).where(scope.dealer(Branch, access)).distinct()
    return {r["country"] for r in rows}


# --- branches ------------------------------------------------------------------------------


async def branches(access: Access) -> list[dict[str, Any]]:
    rows = await Branch.select(
        Branch.id, Branch.code, Branch.name, Branch.country, Branch.city, Branch.state, Branch.phone,
        Branch.timezone, Branch.active,
    ).where(branch_reach(access)).order_by(Branch.active, ascending=False).order_by(Branch.name)
    for row in rows:
        row["phone"] = phone_display(row["phone"])
    return rows


async def branch(access: Access, branch_id: int) -> dict[str, Any]:
    scope.known_id(branch_id)
    row = await Branch.select(*Branch.all_columns()).where((Branch.id == branch_id) & branch_reach(access)).first()
    if row is None:
        raise NotFound()
    return row


def branch_form_values(row: dict[str, Any]) -> dict[str, Any]:
    """A branch row as its form shows it (phones readable, numbers as text)."""
    values = {k: ("" if v is None else v) for k, v in row.items()}
    for name in ("phone", "bookings_phone", "whatsapp_number"):
        values[name] = phone_display(row.get(name) or "")
    return values


async def branch_choices(access: Access) -> list[dict[str, Any]]:
    """Every branch of the dealer, for the user form's checkboxes."""
    return await Branch.select(Branch.id, Branch.code, Branch.name, Branch.active).where(
        scope.dealer(Branch, access)).order_by(Branch.name)


# --- users ------------------------------------------------------------------------------------


async def users(access: Access) -> list[dict[str, Any]]:
    async with db.read_together():
        rows = await User.select(
            User.id, User.username, User.full_name, User.email, User.role, User.active, User.last_sign_in_at,
        ).where(scope.dealer(User, access)).order_by(User.active, ascending=False).order_by(User.username)
        links = await UserBranch.select(UserBranch.user, UserBranch.branch.name.as_alias("branch_name")).where(
            UserBranch.user.is_in(User.select(User.id).where(scope.dealer(User, access)))).order_by(
            UserBranch.branch.name)
    names: dict[int, list[str]] = {}
    for link in links:
        names.setdefault(link["user"], []).append(link["branch_name"])
    for row in rows:
        row["branch_names"] = names.get(row["id"], [])
    return rows


async def user(access: Access, user_id: int) -> dict[str, Any]:
    scope.known_id(user_id)
    async with db.read_together():
        row = await scope.one(User, access, user_id, User.id, User.username, User.full_name, User.email,
                              User.role, User.active, User.last_sign_in_at, User.created_at, User.version)
        links = await UserBranch.select(UserBranch.branch).where(UserBranch.user == user_id)
    row["branch_ids"] = sorted(link["branch"] for link in links)
    return row


async def active_admins(access: Access, but: int | None = None) -> int:
    query = User.count().where(scope.dealer(User, access) & (User.role == Role.admin.value) & User.active.eq(True))
    if but is not None:
        query = query.where(User.id != but)
    return await query


# --- catalogs ---------------------------------------------------------------------------------


async def reachable_branch(access: Access, branch_id: int) -> dict[str, Any]:
    """A branch whose catalogs the user keeps: one he works in (active)."""
    scope.known_id(branch_id)
    row = await Branch.select(Branch.id, Branch.code, Branch.name, Branch.locale).where(
        (Branch.id == branch_id) & scope.branches(Branch, access)).first()
    if row is None:
        raise NotFound()
    return row


def _item_columns(catalog: Catalog) -> list[Any]:
    table = catalog.table
    columns = [table._meta.primary_key, table.name, table.position, table.active, table.branch,  # type: ignore[attr-defined]
               table.version]  # type: ignore[attr-defined]
    if catalog.outcomes:
        columns += [CallOutcome.purpose, CallOutcome.reached]
    return columns


async def catalog_items(catalog: Catalog, branch_id: int) -> list[dict[str, Any]]:
    table = catalog.table
    rows = await table.select(*_item_columns(catalog)).where(table.branch == branch_id).order_by(  # type: ignore[attr-defined]
        table.position).order_by(table._meta.primary_key)  # type: ignore[attr-defined]
    return rows


async def catalogs(access: Access, branch_id: int) -> dict[str, Any]:
    async with db.read_together():
        branch_row = await reachable_branch(access, branch_id)
        reasons = await catalog_items(REASONS, branch_id)
        outcomes = await catalog_items(OUTCOMES, branch_id)
    return {"branch": branch_row, "reasons": reasons, "outcomes": outcomes}


async def catalog(access: Access, catalog: Catalog, branch_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with db.read_together():
        return await reachable_branch(access, branch_id), await catalog_items(catalog, branch_id)


async def catalog_item(access: Access, catalog: Catalog, item_id: int) -> dict[str, Any]:
    scope.known_id(item_id)
    table = catalog.table
    row = await table.select(*_item_columns(catalog)).where(
        (table._meta.primary_key == item_id) & scope.branches(table, access)).first()
    if row is None:
        raise NotFound()
    return row
