"""A realistic year of aftersales data for one demo branch.

`generate` reads the branch's settings, staff and catalogs, simulates the
year in memory (deterministic: the random generator is seeded from the branch
code and the only time reference is `target.today`), then writes every row
in one write transaction, in chunks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from piccolo.columns.defaults.base import Default
from piccolo.table import Table

from app import db
from app.demo import fleet, guarantees
from app.demo.history import Car, Outcomes, Plan, Rec, Rules, Staff, Year
from app.demo.workshop import CONCEPTS
from app.tables import (
    Appointment,
    Branch,
    CallOutcome,
    Campaign,
    CampaignUnit,
    Concept,
    ContactAttempt,
    Customer,
    Delivery,
    DiscardReason,
    Opportunity,
    RepairOrder,
    RepairOrderLine,
    User,
    Vehicle,
)

# Parents first; the ones whose ids later rows need are written with RETURNING.
TABLES = (Concept, Campaign, Customer, Vehicle, Delivery, RepairOrder, RepairOrderLine, Opportunity, CampaignUnit,
          Appointment, ContactAttempt)
_NEED_IDS = {Concept, Campaign, Customer, Vehicle, Delivery, RepairOrder, Opportunity, Appointment}
CHUNK = 500

# Names the DMS sends besides the advisor user's, and the sales team.
_ADVISORS = {"AR": ("Lucía Ferreyra", "Martín Acosta"), "MX": ("Mariana Ortiz", "Jorge Luna")}
_SALESPEOPLE = {
    "AR": ("Rodrigo Fernández", "Paula Giménez", "Matías Sosa", "Carolina Ruiz", "Diego Ferrari"),
    "MX": ("Alejandro Trejo", "Fernanda Olvera", "Ricardo Reséndiz", "Diana Ugalde", "Jorge Nieto"),
}
# (campaign name, bulletin, make, models, model years)
_RECALLS = {
    "AR": ("Campaña de seguridad: reemplazo del inflador del airbag del conductor", "RC-GM-2026-07", "Chevrolet",
           ("Onix", "Tracker"), (2020, 2023)),
    "MX": ("Llamado a revisión: sustitución del sensor de ocupación del asiento del acompañante", "R26-014",
           "Nissan", ("Versa", "Kicks"), (2020, 2023)),
}


@dataclass(frozen=True)
class Target:
    branch_id: int
    code: str
    country: str
    timezone: str
    today: dt.date
    users: dict[str, int]


async def generate(target: Target) -> None:
    if await Customer.exists().where(Customer.branch == target.branch_id):
        return  # already has data: never duplicate
    await _write((await build(target)).plan)


async def build(target: Target) -> Year:
    """The branch's year simulated in memory, its plan ready to write (the same for the same target)."""
    year = await _year(target)
    cars = fleet.build(year.rng, year, target.code).cars
    year.cars = cars
    simulate(year, cars)
    _number(year.plan, target.code, year.rules.country)
    _fill_vehicles(year, cars)
    return year


def simulate(year: Year, cars: list[Car]) -> None:
    """Sales first, then each vehicle's service cycle, then what reaches across vehicles
    (walk-ins, the recall, the DMS's own bookings, follow-ups), then the guarantees."""
    rng = year.rng
    for car in cars:
        if car.new_sale:
            year.deliver(car)
    for car in cars:
        year.service_history(car)
    year.walk_ins(rng.sample(cars, len(cars) // 8))
    name, bulletin, make, models, (first, last) = _RECALLS[year.rules.country]
    year.recall(name, bulletin, [c for c in cars if c.model.make == make and c.model.name in models
                                 and first <= c.vehicle["model_year"] <= last])
    shuffled = rng.sample(cars, len(cars))
    year.upcoming_dms_appointments(shuffled)
    year.declined_follow_ups()
    year.lapsed()
    window = year.rules.opportunities_days
    for car in rng.sample(cars, 14):
        year.manual(car, year.today + dt.timedelta(days=rng.randint(-window, window)))
    for car in [c for c in shuffled if c.free(year.today, 20)][:3]:
        year.web_booking(car)
    guarantees.ensure_lists(year, cars)


# --- reading the branch ---------------------------------------------------------------------


async def _year(target: Target) -> Year:
    branch = await Branch.select().where(Branch.id == target.branch_id).first()
    rules = Rules(
        country=target.country, currency=branch["currency"], timezone=target.timezone,
        deliveries_days=branch["delivery_window_days"], opportunities_days=branch["opportunity_window_days"],
        no_show_days=branch["no_show_window_days"], done_days=branch["done_window_days"],
        first_service_days=branch["first_service_days"], first_service_km=branch["first_service_km"],
        service_interval_days=branch["service_interval_days"], service_interval_km=branch["service_interval_km"],
    )
    staff = await _staff(target)
    outcomes = await _outcomes(target.branch_id)
    reasons = [r["id"] for r in await DiscardReason.select(DiscardReason.id)
               .where(DiscardReason.branch == target.branch_id, DiscardReason.active.eq(True))
               .order_by(DiscardReason.position).order_by(DiscardReason.id)]
    plan = Plan(TABLES)
    concepts = {code: plan.add(Concept, branch=target.branch_id, code=code,
                               name=spec.ar if target.country == "AR" else spec.mx, kind=spec.kind)
                for code, spec in CONCEPTS.items()}
    rng = random.Random(f"retorno-demo:{target.code}")
    return Year(rng, target.today, target.branch_id, rules, staff, outcomes, reasons, plan, concepts)


async def _staff(target: Target) -> Staff:
    ids = list(target.users.values())
    users = await User.select(User.id, User.full_name, User.role).where(User.id.is_in(ids)) if ids else []
    by_role = {u["role"]: u for u in sorted(users, key=lambda u: u["id"])}
    advisor = by_role.get("advisor")
    names = ((advisor["full_name"],) if advisor else ()) + _ADVISORS[target.country]
    return Staff(
        coordinator=(by_role.get("coordinator") or by_role.get("manager") or {}).get("id"),
        advisor=advisor["id"] if advisor else None,
        manager=(by_role.get("manager") or {}).get("id"),
        advisor_names=names,
        salespeople=_SALESPEOPLE[target.country],
    )


async def _outcomes(branch_id: int) -> Outcomes:
    rows = await CallOutcome.select().where(CallOutcome.branch == branch_id, CallOutcome.active.eq(True)) \
        .order_by(CallOutcome.position).order_by(CallOutcome.id)

    def ids(purpose: str, reached: bool) -> list[int]:
        return [r["id"] for r in rows if r["purpose"] == purpose and r["reached"] == reached]

    attempt = ids("attempt", True)  # booked, thinking it over, not interested (catalog order)
    return Outcomes(
        booked=attempt[0], thinking=attempt[1], not_interested=attempt[2], later=ids("any", True)[0],
        unreached=tuple(ids("any", False)[:2]), welcome=tuple(ids("welcome", True)),
        courtesy=tuple(ids("courtesy", True)), confirmed=ids("confirmation", True)[0],
    )


# --- finishing touches ----------------------------------------------------------------------


def _number(plan: Plan, code: str, country: str) -> None:
    """DMS ids and numbers in the order the DMS would have assigned them."""
    rows = plan.rows
    for table, key in ((Delivery, "delivered_at"), (RepairOrder, "opened_at"), (Appointment, "created_at"),
                       (Opportunity, "created_at"), (ContactAttempt, "created_at")):
        rows[table].sort(key=lambda r, k=key: r[k])
    for letter, table in (("K", Concept), ("C", Customer), ("V", Vehicle), ("D", Delivery), ("R", RepairOrder)):
        for n, rec in enumerate(rows[table], start=1):
            rec["dms_id"] = f"{code}-{letter}{n:06d}"
    first_number = 48_000 if country == "AR" else 31_000
    prefix = "OR" if country == "AR" else "OS"
    for n, rec in enumerate(rows[RepairOrder]):
        rec["number"] = f"{prefix}-{first_number + n}"
    for rec in rows[RepairOrderLine]:
        rec["dms_id"] = f"{rec['repair_order']['dms_id']}-{rec['line_no']:02d}"
    dms_appointments = (a for a in rows[Appointment] if a["source"] == "dms")
    for n, rec in enumerate(dms_appointments, start=1):
        rec["dms_id"] = f"{code}-A{n:06d}"


def _fill_vehicles(year: Year, cars: list[Car]) -> None:
    """Odometer as last read (the latest repair order, or the sale) and the row's dates."""
    for car in cars:
        values = car.vehicle.values
        if values.get("odometer_read_on") is None:
            read_on = car.sold_on if car.new_sale else year.first_day - dt.timedelta(days=10)
            values.update(odometer_km=car.km_on(read_on), odometer_read_on=read_on)
        created_at = (year.at(car.sold_on - dt.timedelta(days=5), 11) if car.new_sale else year.imported_at)
        values.update(created_at=created_at, updated_at=max(created_at, year.at(values["odometer_read_on"], 12)))


# --- writing --------------------------------------------------------------------------------
# Plain multi-row INSERTs: building a Piccolo Table object per row costs more
# than the whole simulation (about 15 s for the demo's 55k rows).

_REQUIRED = object()  # a column whose default is "now": the generator must date every row itself


def _resolve(value: Any) -> Any:
    if isinstance(value, Rec):
        assert value.id is not None, f"{value.table.__name__} written before the row it points at"
        return value.id
    return value


@cache
def _defaults(table: type[Table]) -> dict[str, Any]:
    """Every column but the id, with Piccolo's default for it."""
    defaults = {}
    for column in table._meta.non_default_columns:
        value = column.get_default_value()
        defaults[column._meta.db_column_name] = _REQUIRED if isinstance(value, Default) else value
    return defaults


def _row(table: type[Table], rec: Rec) -> list[Any]:
    defaults = _defaults(table)
    unknown = rec.values.keys() - defaults.keys()
    assert not unknown, f"{table.__name__} has no column {unknown}"
    row = [_resolve(rec.values.get(name, default)) for name, default in defaults.items()]
    assert _REQUIRED not in row, f"{table.__name__} row without a date: {rec.values}"
    return row


async def _write(plan: Plan) -> None:
    async with db.write_transaction():
        if db.is_postgres():
            # The pool forces custom plans for the board's queries (app.db); re-planning
            # each 500-row INSERT made the load 2.5 times slower.
            await db.engine().run_ddl("SET LOCAL plan_cache_mode = force_generic_plan")
        for table, recs in plan.rows.items():
            for start in range(0, len(recs), CHUNK):
                await _insert(table, recs[start:start + CHUNK])


async def _insert(table: type[Table], chunk: list[Rec]) -> None:
    # Only our own table and column names go into the text; every value is a parameter.
    names = _defaults(table).keys()
    columns = ", ".join(f'"{name}"' for name in names)
    placeholders = "(" + ", ".join("{}" for _ in names) + ")"
    returning = ' RETURNING "id"' if table in _NEED_IDS else ""
    values = ", ".join([placeholders] * len(chunk))
    sql = f'INSERT INTO "{table._meta.tablename}" ({columns}) VALUES {values}{returning}'  # noqa: S608
    returned = await db.fetch(sql, *(value for rec in chunk for value in _row(table, rec)))
    if table in _NEED_IDS:
        # RETURNING lists the rows in the order of VALUES on both engines (Piccolo's own insert relies on it).
        for rec, row in zip(chunk, returned, strict=True):
            rec.id = row["id"]
