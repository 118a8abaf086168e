"""The demo dealership: two branches (ba: Buenos Aires, qro: Querétaro), seven
users and a realistic year of data dated relative to today.

Deterministic for a given day; loading it again does nothing unless asked to
reset (which deletes the demo dealer's rows and loads it afresh for today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app import db
from app.auth.passwords import hash_now
from app.catalogs import seed_branch_catalogs
from app.demo import data
from app.rules import windows
from app.tables import Appointment as AppointmentTable
from app.tables import (
    AuditEvent,
    Branch,
    CallOutcome,
    Campaign,
    CampaignUnit,
    Concept,
    ContactAttempt,
    Customer,
    CustomerNotDuplicate,
    Dealer,
    Delivery,
    DiscardReason,
    ImportJob,
    Opportunity,
    OutboxMessage,
    RepairOrder,
    RepairOrderLine,
    User,
    UserBranch,
    Vehicle,
)

DEALER_NAME = "Grupo Retorno Automotores (demostración)"
PASSWORD = "retorno-demo"  # noqa: S105 - the published demo password

BRANCHES = {
    "ba": dict(name="Buenos Aires — Palermo", country="AR", locale="es-AR",
               timezone="America/Argentina/Buenos_Aires", currency="ARS", street="Av. Juan B. Justo 1850",
               city="Ciudad Autónoma de Buenos Aires", state="CABA", postal_code="C1414",
               phone="+541147771850", bookings_phone="+541147771851", whatsapp_number="+5491155501850",
               email="posventa.palermo@retorno-demo.com.ar"),
    "qro": dict(name="Querétaro — Centro Sur", country="MX", locale="es-MX", timezone="America/Mexico_City",
                currency="MXN", street="Blvd. Bernardo Quintana 4100", city="Santiago de Querétaro",
                state="Querétaro", postal_code="76090", phone="+524422154100", bookings_phone="+524422154101",
                whatsapp_number="+524421554100", email="servicio.queretaro@retorno-demo.com.mx"),
}

# username: (full name, role, branch codes; an admin reaches every branch)
USERS = {
    "admin": ("Ana Administradora", "admin", ()),
    "gerente.ar": ("Gustavo Pereyra", "manager", ("ba",)),
    "coordinador.ar": ("Carla Domínguez", "coordinator", ("ba",)),
    "asesor.ar": ("Andrés Villalba", "advisor", ("ba",)),
    "gerente.mx": ("Guadalupe Hernández", "manager", ("qro",)),
    "coordinador.mx": ("Citlali Ramírez", "coordinator", ("qro",)),
    "asesor.mx": ("Arturo Méndez", "advisor", ("qro",)),
}

# Children before parents, so a reset never trips a foreign key.
_BRANCH_TABLES = (ContactAttempt, OutboxMessage, CampaignUnit, AppointmentTable, Opportunity, RepairOrderLine,
                  RepairOrder, Delivery, Campaign, Vehicle, CustomerNotDuplicate, Customer, ImportJob, DiscardReason,
                  CallOutcome, Concept)


@dataclass(frozen=True)
class Loaded:
    created: bool
    message: str


async def demo_dealer_id() -> int | None:
    row = await Dealer.select(Dealer.id).where(Dealer.name == DEALER_NAME).first()
    return row["id"] if row else None


async def any_dealer() -> bool:
    return await Dealer.exists().where(Dealer.id.is_not_null())


async def load(today: dt.date | None = None, reset: bool = False, if_empty: bool = False) -> Loaded:
    """`today` defaults to each branch's local date (the machine's date may already be tomorrow there)."""
    if if_empty and await any_dealer():
        return Loaded(False, "La base ya tiene datos: no se cargó la demostración.")
    existing = await demo_dealer_id()
    if existing and not reset:
        return Loaded(False, "La demostración ya estaba cargada (use --reset para renovarla con fechas de hoy).")
    hashed = hash_now(PASSWORD)
    # One transaction (the generator's own ones join it): a failure half-way
    # leaves nothing behind, so the next load starts clean instead of saying
    # "ya estaba cargada" over half a demo.
    async with db.write_transaction():
        if existing:
            await _delete(existing)
        dealer = (await Dealer.insert(Dealer(name=DEALER_NAME, legal_name="Retorno Automotores S.A.",
                                             email="contacto@retorno-demo.com")).returning(Dealer.id))[0]["id"]
        branch_ids: dict[str, int] = {}
        for code, fields in BRANCHES.items():
            # Its data stands for what the DMS sent: received now, as the header's data age says.
            received = dt.datetime.now(dt.UTC)
            branch_ids[code] = (await Branch.insert(Branch(dealer=dealer, code=code, dms_synced_at=received,
                                                           **fields)).returning(Branch.id))[0]["id"]
            await seed_branch_catalogs(branch_ids[code], fields["locale"])
        user_ids: dict[str, int] = {}
        for username, (full_name, role, codes) in USERS.items():
            user_ids[username] = (await User.insert(User(
                dealer=dealer, username=username, full_name=full_name, role=role, password_hash=hashed,
                email=f"{username}@retorno-demo.com",
            )).returning(User.id))[0]["id"]
            for code in codes:
                await UserBranch.insert(UserBranch(user=user_ids[username], branch=branch_ids[code]))
        for code, branch_id in branch_ids.items():
            timezone = BRANCHES[code]["timezone"]
            await data.generate(data.Target(
                branch_id=branch_id, code=code, country=BRANCHES[code]["country"], timezone=timezone,
                today=today or windows.local_today(dt.datetime.now(dt.UTC), ZoneInfo(timezone)),
                users={u: user_ids[u] for u, (_, _, codes) in USERS.items() if code in codes},
            ))
    return Loaded(True, "Demostración cargada.")


async def _delete(dealer_id: int) -> None:
    branch_ids = [r["id"] for r in await Branch.select(Branch.id).where(Branch.dealer == dealer_id)]
    async with db.write_transaction():
        await AuditEvent.delete().where(AuditEvent.dealer == dealer_id)
        if branch_ids:
            for table in _BRANCH_TABLES:
                await table.delete().where(table.branch.is_in(branch_ids))
        user_ids = User.select(User.id).where(User.dealer == dealer_id)
        await UserBranch.delete().where(UserBranch.user.is_in(user_ids))
        await User.delete().where(User.dealer == dealer_id)
        await Branch.delete().where(Branch.dealer == dealer_id)
        await Dealer.delete().where(Dealer.id == dealer_id)


def logins() -> list[tuple[str, str, str]]:
    """(username, full name, what they see) for the banner of `make run`."""
    where = {"ba": "Buenos Aires", "qro": "Querétaro"}
    return [(u, name, ", ".join(where[c] for c in codes) or "todas las sucursales")
            for u, (name, _, codes) in USERS.items()]
