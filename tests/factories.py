"""Factories with domain defaults: a test says only what matters to it.

Every call writes real rows through Piccolo. Codes and names are unique per
session, so tests sharing the database never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from piccolo.table import Table

from app.auth.passwords import hash_now
from app.catalogs import seed_branch_catalogs
from app.rules.vin import with_check_digit
from app.tables import (
    Appointment,
    Branch,
    ContactAttempt,
    Customer,
    Dealer,
    Delivery,
    DiscardReason,
    Opportunity,
    RepairOrder,
    RepairOrderLine,
    User,
    UserBranch,
    Vehicle,
)

_serial = itertools.count(1)
_PASSWORD_HASHES: dict[str, str] = {}

COUNTRY = {
    "AR": dict(country="AR", locale="es-AR", timezone="America/Argentina/Buenos_Aires", currency="ARS"),
    "MX": dict(country="MX", locale="es-MX", timezone="America/Mexico_City", currency="MXN"),
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _id(value: Any) -> Any:
    return getattr(value, "id", value)


async def _insert(table: type[Table], **values: Any) -> SimpleNamespace:
    row = (await table.insert(table(**values)).returning(*table.all_columns()))[0]
    return SimpleNamespace(**row)


class Factory:
    def serial(self) -> int:
        return next(_serial)

    async def dealer(self, name: str | None = None) -> SimpleNamespace:
        return await _insert(Dealer, name=name or f"Concesionario {self.serial()}")

    async def branch(self, dealer: Any = None, country: str = "AR", code: str | None = None,
                     catalogs: bool = True, **fields: Any) -> SimpleNamespace:
        dealer = dealer or await self.dealer()
        n = self.serial()
        branch = await _insert(Branch, dealer=_id(dealer), code=code or f"t{n}", name=f"Sucursal {n}",
                               **{**COUNTRY[country], **fields})
        if catalogs:
            await seed_branch_catalogs(branch.id, branch.locale)
        return branch

    async def user(self, role: str = "coordinator", branches: tuple[Any, ...] | list[Any] = (),
                   dealer: Any = None, username: str | None = None, password: str = "retorno-demo",
                   **fields: Any) -> SimpleNamespace:
        if dealer is None:
            if not branches:
                raise ValueError("a user needs a dealer or a branch")
            dealer = (await Branch.select(Branch.dealer).where(Branch.id == _id(branches[0])).first())["dealer"]
        if password not in _PASSWORD_HASHES:
            _PASSWORD_HASHES[password] = hash_now(password)
        user = await _insert(User, dealer=_id(dealer), username=username or f"usuario{self.serial()}",
                             full_name=fields.pop("full_name", "Usuaria de Prueba"), role=role,
                             password_hash=_PASSWORD_HASHES[password], **fields)
        for branch in branches:
            await UserBranch.insert(UserBranch(user=user.id, branch=_id(branch)))
        return user

    async def customer(self, branch: Any, **fields: Any) -> SimpleNamespace:
        n = self.serial()
        values = dict(first_name="Juana", last_name=f"Pérez {n}", name=f"Juana Pérez {n}",
                      phone_mobile="+5491155550000", email=f"cliente{n}@example.com")
        return await _insert(Customer, branch=_id(branch), **(values | fields))

    async def vehicle(self, branch: Any, owner: Any = None, **fields: Any) -> SimpleNamespace:
        owner = owner or await self.customer(branch)
        n = self.serial()
        values = dict(vin=with_check_digit(f"9BWZZZ377VT{n:06d}"), plate=f"AB{n % 1000:03d}CD", make="Volkswagen",
                      model="Gol Trend", model_year=2024)
        return await _insert(Vehicle, branch=_id(branch), owner=_id(owner), **(values | fields))

    async def _vehicle_and_customer(self, branch: Any, fields: dict[str, Any]) -> dict[str, Any]:
        vehicle = fields.pop("vehicle", None) or await self.vehicle(branch)
        customer = fields.pop("customer", None) or getattr(vehicle, "owner", None)
        return {"vehicle": _id(vehicle), "customer": _id(customer)}

    async def delivery(self, branch: Any, delivered_at: dt.datetime | None = None, **fields: Any) -> SimpleNamespace:
        links = await self._vehicle_and_customer(branch, fields)
        return await _insert(Delivery, branch=_id(branch), delivered_at=delivered_at or now(), **links, **fields)

    async def opportunity(self, branch: Any, due_at: dt.datetime | None = None, **fields: Any) -> SimpleNamespace:
        links = await self._vehicle_and_customer(branch, fields)
        return await _insert(Opportunity, branch=_id(branch), due_at=due_at or now(), **links, **fields)

    async def appointment(self, branch: Any, starts_at: dt.datetime | None = None, **fields: Any) -> SimpleNamespace:
        links = await self._vehicle_and_customer(branch, fields)
        return await _insert(Appointment, branch=_id(branch), starts_at=starts_at or now(), **links, **fields)

    async def repair_order(self, branch: Any, opened_at: dt.datetime | None = None, **fields: Any) -> SimpleNamespace:
        links = await self._vehicle_and_customer(branch, fields)
        return await _insert(RepairOrder, branch=_id(branch), opened_at=opened_at or now(),
                             number=fields.pop("number", f"OR-{self.serial()}"), **links, **fields)

    async def discard_reason(self, branch: Any, name: str = "Precio") -> SimpleNamespace:
        return await _insert(DiscardReason, branch=_id(branch), name=name)

    async def world(self) -> SimpleNamespace:
        """Two dealers; the first with an AR and an MX branch. A user of each
        role in branch `a`, an admin of the dealer, and a user of the other dealer."""
        dealer = await self.dealer()
        a = await self.branch(dealer, "AR")
        b = await self.branch(dealer, "MX")
        other_dealer = await self.dealer()
        c = await self.branch(other_dealer, "AR")
        users = {role: await self.user(role, [a]) for role in ("advisor", "coordinator", "manager")}
        users["admin"] = await self.user("admin", dealer=dealer)
        users["other_dealer_admin"] = await self.user("admin", dealer=other_dealer)
        users["mx_coordinator"] = await self.user("coordinator", [b])
        return SimpleNamespace(dealer=dealer, a=a, b=b, other_dealer=other_dealer, c=c, users=users)

    async def call_outcome(self, branch: Any, purpose: str = "any", reached: bool | None = None) -> SimpleNamespace:
        """One of the branch's seeded call outcomes for this purpose (exactly it, not "any")."""
        from app.tables import CallOutcome

        query = CallOutcome.select().where((CallOutcome.branch == _id(branch)) & (CallOutcome.purpose == purpose))
        if reached is not None:
            query = query.where(CallOutcome.reached == reached)
        row = await query.order_by(CallOutcome.position).first()
        return SimpleNamespace(**row) if row else await _insert(
            CallOutcome, branch=_id(branch), name=f"Resultado {self.serial()}", purpose=purpose,
            reached=True if reached is None else reached)

    async def repair_order_line(self, order: Any, **fields: Any) -> SimpleNamespace:
        branch = (await RepairOrder.select(RepairOrder.branch).where(RepairOrder.id == _id(order)).first())["branch"]
        values = dict(line_no=1, description="Service de 10.000 km", kind="labour", amount=Decimal("85000"))
        return await _insert(RepairOrderLine, branch=branch, repair_order=_id(order), **(values | fields))

    async def contact_attempt(self, opportunity: Any, **fields: Any) -> SimpleNamespace:
        row = await Opportunity.select(Opportunity.branch, Opportunity.customer).where(
            Opportunity.id == _id(opportunity)).first()
        return await _insert(ContactAttempt, branch=row["branch"], customer=row["customer"],
                             opportunity=_id(opportunity), **fields)
