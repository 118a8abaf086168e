"""Duplicate customers: found, reviewed by a manager, merged with their history.

The DMS keys customers by its own code, and dealers' DMSs hold the same
person twice under two codes (typed again at the counter, a company and its
owner's phone…). Two live customers of a branch are merge candidates when
they share a valid tax id, or a mobile phone and the same name (without case
or accents): the same keys an import matches on (app/dms/ingest.py). A
manager picks the one that stays; the others' vehicles, visits, sales,
opportunities, appointments, calls and messages move to it, its blank fields
are filled from them, and they stay as rows pointing at it (`merged_into`),
so the DMS's codes still find it and the audit trail keeps who was merged.
Pairs a manager says are different people are remembered and not offered again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count

from app import audit, db, i18n, scope
from app.audit import Actor
from app.auth.access import Access
from app.board.common import bump, current
from app.errors import Invalid
from app.rules.normalise import fold
from app.tables import (
    Appointment,
    ContactAttempt,
    Customer,
    CustomerNotDuplicate,
    Delivery,
    Opportunity,
    OutboxMessage,
    RepairOrder,
    Vehicle,
)

PAGE_SIZE = 20

# Filled on the customer that stays when it has them blank; the tax id travels as a whole.
FILLED = ("first_name", "last_name", "legal_name", "phone_mobile", "phone_home", "phone_work", "phone_unparsed",
          "email", "street", "city", "state", "postal_code")
TAX_ID = ("tax_id_type", "tax_id", "tax_id_valid")
SHOWN = ("id", "branch", "version", "dms_id", "name", *FILLED, *TAX_ID, "email_opt_out", "whatsapp_opt_out", "notes",
         "created_at")

# Where a customer's history points at it.
HISTORY: tuple[tuple[str, Column], ...] = (
    ("vehicles", Vehicle.owner), ("driven", Vehicle.driver), ("deliveries", Delivery.customer),
    ("repair_orders", RepairOrder.customer), ("opportunities", Opportunity.customer),
    ("appointments", Appointment.customer), ("calls", ContactAttempt.customer), ("messages", OutboxMessage.customer),
)


@dataclass
class Group:
    """Customers that look like one person; `reasons` says why, `members` has the suggested keeper first."""

    reasons: set[str] = field(default_factory=set)  # "tax_id" | "phone_name"
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "-".join(str(m["id"]) for m in sorted(self.members, key=lambda m: m["id"]))


@dataclass
class Candidates:
    groups: list[Group]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


async def _edges(branch_id: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Sets of live customers sharing a valid tax id, or a mobile phone and a folded name."""
    by_tax = await db.fetch(
        """SELECT id, tax_id FROM customer
            WHERE branch = {} AND merged_into IS NULL AND tax_id_valid = {} AND tax_id IN (
              SELECT tax_id FROM customer WHERE branch = {} AND merged_into IS NULL AND tax_id_valid = {}
                 AND tax_id <> '' GROUP BY tax_id HAVING COUNT(*) > 1)""",
        branch_id, True, branch_id, True)
    by_phone = await db.fetch(
        """SELECT id, phone_mobile, name FROM customer
            WHERE branch = {} AND merged_into IS NULL AND phone_mobile IN (
              SELECT phone_mobile FROM customer WHERE branch = {} AND merged_into IS NULL AND phone_mobile <> ''
               GROUP BY phone_mobile HAVING COUNT(*) > 1)""",
        branch_id, branch_id)
    sets: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in by_tax:
        sets.setdefault(("tax_id", row["tax_id"], ""), []).append(row)
    for row in by_phone:
        sets.setdefault(("phone_name", row["phone_mobile"], fold(row["name"])), []).append(row)
    return [(reason, rows) for (reason, _, _), rows in sets.items() if len(rows) > 1]


async def _distinct_pairs(branch_id: int) -> set[tuple[int, int]]:
    rows = await CustomerNotDuplicate.select(CustomerNotDuplicate.first, CustomerNotDuplicate.second).where(
        CustomerNotDuplicate.branch == branch_id)
    return {(r["first"], r["second"]) for r in rows}


def _components(edges: list[tuple[str, list[dict[str, Any]]]], distinct: set[tuple[int, int]]
                ) -> list[tuple[set[str], list[int]]]:
    """Connected customers (union-find), leaving out the pairs said to be different people."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reasons_of: dict[tuple[int, int], set[str]] = {}
    for reason, rows in edges:
        for a, b in combinations(sorted(r["id"] for r in rows), 2):
            if (a, b) in distinct:
                continue
            parent[root(b)] = root(a)
            reasons_of.setdefault((a, b), set()).add(reason)
    groups: dict[int, list[int]] = {}
    for x in list(parent):
        groups.setdefault(root(x), []).append(x)
    found = []
    for ids in groups.values():
        if len(ids) > 1:
            members = set(ids)
            reasons = set().union(*(r for (a, b), r in reasons_of.items() if a in members))
            found.append((reasons, sorted(ids)))
    return sorted(found, key=lambda g: g[1][0])


async def _history_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for name, column in HISTORY:
        table = column._meta.table
        rows = await table.select(column.as_alias("customer"), Count(alias="n")).where(column.is_in(ids)).group_by(
            column)
        for row in rows:
            counts[row["customer"]][name] = row["n"]
    return counts


def _keeper_first(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suggested keeper: the one the DMS keys, then the one with most history, then the oldest."""
    def weight(m: dict[str, Any]) -> tuple[Any, ...]:
        h = m["history"]
        return (m["dms_id"] is None, -(h.get("repair_orders", 0) + h.get("vehicles", 0) + h.get("deliveries", 0)),
                m["id"])
    return sorted(members, key=weight)


async def candidates(access: Access, page: int = 1) -> Candidates:
    """The merge candidates of the branch the user works in, a page of groups at a time."""
    assert access.branch is not None, "a manager works in a branch"
    branch_id = access.branch.id
    async with db.read_together():
        components = _components(await _edges(branch_id), await _distinct_pairs(branch_id))
        page = min(max(page, 1), max(1, -(-len(components) // PAGE_SIZE)))
        shown = components[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        ids = [i for _, members in shown for i in members]
        rows = {r["id"]: r for r in await Customer.select(*(getattr(Customer, c) for c in SHOWN)).where(
            Customer.id.is_in(ids or [0]))}
        counts = await _history_counts(ids) if ids else {}
    groups = []
    for reasons, members in shown:
        groups.append(Group(reasons, _keeper_first([{**rows[i], "history": counts[i]} for i in members])))
    return Candidates(groups, len(components), page)


async def count(access: Access) -> int:
    if access.branch is None:
        return 0
    branch_id = access.branch.id
    async with db.read_together():
        return len(_components(await _edges(branch_id), await _distinct_pairs(branch_id)))


# --- commands ---------------------------------------------------------------------------------------


MOVED_NAMES = (("vehicles", "vehículo", "vehículos"), ("repair_orders", "orden de reparación", "órdenes de reparación"),
               ("deliveries", "venta", "ventas"), ("opportunities", "oportunidad", "oportunidades"),
               ("appointments", "turno", "turnos"), ("calls", "llamado", "llamados"))


@dataclass(frozen=True)
class Merged:
    keeper: dict[str, Any]
    merged: list[dict[str, Any]]
    moved: dict[str, int]

    @property
    def moved_text(self) -> str:
        """"1 vehículo, 2 órdenes de reparación y 1 llamado", or "" when nothing moved."""
        parts = [f"{n} {i18n.ngettext(one, many, n)}" for key, one, many in MOVED_NAMES if (n := self.moved[key])]
        return " y ".join(filter(None, [", ".join(parts[:-1]), parts[-1]])) if parts else ""


def _chosen(keep_id: int, member_ids: list[int], versions: dict[int, int]) -> list[int]:
    others = [i for i in dict.fromkeys(member_ids) if i != keep_id]
    if not others:
        raise Invalid("Marque al menos otro cliente para fusionar con el que queda.")
    missing = [i for i in (keep_id, *others) if i not in versions]
    if missing:
        raise Invalid("Faltan datos del formulario: recargue la página.")
    return others


async def _rows(access: Access, ids: list[int], versions: dict[int, int]) -> list[dict[str, Any]]:
    """Each customer as the form saw it (within reach, live, same version), else NotFound / Stale."""
    columns = [getattr(Customer, c) for c in SHOWN if c not in ("id", "version", "branch")]
    rows = [await current(Customer, access, i, versions[i], *columns, Customer.merged_into) for i in ids]
    if len({r["branch"] for r in rows}) > 1:
        raise Invalid("Solo se fusionan clientes de la misma sucursal.")
    if any(r["merged_into"] is not None for r in rows):
        raise Invalid("Uno de estos clientes ya fue fusionado con otro.")
    return rows


def _filled(keeper: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any]:
    """The keeper's blank fields taken from the others; an opt-out anywhere is kept; notes joined."""
    values: dict[str, Any] = {}
    for name in FILLED:
        if not keeper[name]:
            value = next((o[name] for o in others if o[name]), "")
            if value:
                values[name] = value
    if not keeper["tax_id"]:
        donor = next((o for o in others if o["tax_id_valid"]), None) or next((o for o in others if o["tax_id"]), None)
        if donor is not None:
            values.update({name: donor[name] for name in TAX_ID})
    for flag in ("email_opt_out", "whatsapp_opt_out"):
        if not keeper[flag] and any(o[flag] for o in others):
            values[flag] = True
    notes = [keeper["notes"], *(o["notes"] for o in others)]
    joined = "\n".join(dict.fromkeys(n for n in notes if n))
    if joined != keeper["notes"]:
        values["notes"] = joined
    return values


async def merge(access: Access, keep_id: int, member_ids: list[int], versions: dict[int, int]) -> Merged:
    """Merge the other members into `keep_id`, in one transaction; any member changed since the form was
    read (another manager merged it, an import renamed it) → Stale, nothing applied."""
    scope.known_id(keep_id)
    others_ids = _chosen(keep_id, member_ids, versions)
    now = dt.datetime.now(dt.UTC)
    async with db.write_transaction():
        keeper, *others = await _rows(access, [keep_id, *others_ids], versions)
        values = _filled(keeper, others)
        await bump(Customer, keep_id, keeper["version"],
                   {getattr(Customer, k): v for k, v in values.items()} | {Customer.updated_at: now})
        moved: dict[str, int] = {}
        for name, column in HISTORY:
            table = column._meta.table
            changed = await table.update({column: keep_id}).where(column.is_in(others_ids)).returning(  # type: ignore[attr-defined]
                table.id)  # type: ignore[attr-defined]
            moved[name] = len(changed)
        for other in others:
            await bump(Customer, other["id"], other["version"],
                       {Customer.merged_into: keep_id, Customer.merged_at: now, Customer.updated_at: now})
        await audit.record(
            Actor.of(access), "customer.merge", entity="customer", entity_id=keep_id, branch_id=keeper["branch"],
            before={"merged": [_snapshot(o) for o in others], "keeper": _snapshot(keeper)},
            after={"filled": {k: audit.plain(v) for k, v in values.items()}, "moved": moved},
        )
    return Merged({**keeper, **values}, others, moved)


async def not_duplicates(access: Access, member_ids: list[int], versions: dict[int, int]) -> int:
    """Remember that these customers are different people; returns how many pairs were new."""
    ids = sorted(dict.fromkeys(member_ids))
    if len(ids) < 2:
        raise Invalid("Marque al menos dos clientes.")
    if any(i not in versions for i in ids):
        raise Invalid("Faltan datos del formulario: recargue la página.")
    async with db.write_transaction():
        rows = await _rows(access, ids, versions)
        branch_id = rows[0]["branch"]
        known = await _distinct_pairs(branch_id)
        new = [pair for pair in combinations(ids, 2) if pair not in known]
        if new:
            await CustomerNotDuplicate.insert(*(CustomerNotDuplicate(
                branch=branch_id, first=a, second=b, user=access.user_id) for a, b in new))
        await audit.record(Actor.of(access), "customer.not_duplicate", entity="customer", entity_id=ids[0],
                           branch_id=branch_id, after={"customers": ids})
    return len(new)


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: audit.plain(row[k]) for k in ("id", "dms_id", "name", "tax_id", "phone_mobile", "email")}
