"""The demo dealership's data: every board list has rows on the day it is
loaded, identifiers pass the same validation as a real import, and loading
is idempotent and deterministic.

The lists are counted here with queries of our own (not app.board.queries),
from the definitions in DESIGN.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import vininfo
from stdnum.ar import cuit, dni
from stdnum.mx import rfc

from app import db
from app.demo import data, guarantees
from app.rules.vin import check_digit
from app.tables import (
    Appointment,
    Branch,
    Campaign,
    Concept,
    ContactAttempt,
    Customer,
    Delivery,
    Opportunity,
    RepairOrder,
    RepairOrderLine,
    User,
    Vehicle,
)

GENERATED = (Concept, Campaign, Customer, Vehicle, Delivery, RepairOrder, RepairOrderLine, Opportunity, Appointment,
             ContactAttempt)
PLATES = {"AR": re.compile(r"^(?:[A-Z]{3}\d{3}|[A-Z]{2}\d{3}[A-Z]{2})$"), "MX": re.compile(r"^[A-Z]{3}\d{3}[A-Z]$")}
MOBILE_PREFIX = {"AR": "+54911", "MX": "+52442"}


# --- helpers ----------------------------------------------------------------------------------



@pytest.fixture(scope="module", autouse=True)
async def as_loaded(demo):
    """Other tests work on the demo (the board's story in Chromium): check it as it loads."""
    await demo.load(reset=True)


async def demo_branches() -> list[dict[str, Any]]:
    return await Branch.select().where(Branch.code.is_in(["ba", "qro"])).order_by(Branch.code)


class Day:
    """A branch's local calendar: day boundaries in UTC."""

    def __init__(self, branch: dict[str, Any]) -> None:
        self.tz = ZoneInfo(branch["timezone"])
        self.today = dt.datetime.now(self.tz).date()

    def start(self, offset: int = 0) -> dt.datetime:
        day = self.today + dt.timedelta(days=offset)
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC)

    def month(self) -> tuple[dt.datetime, dt.datetime]:
        first = self.today.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return (dt.datetime.combine(first, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC),
                dt.datetime.combine(following, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC))


async def board_lists(branch: dict[str, Any]) -> dict[str, int]:
    """Each list of the board, counted the way DESIGN.md defines it."""
    b, day = branch["id"], Day(branch)
    today, tomorrow = day.start(0), day.start(1)
    deliveries = (Delivery.branch == b) & (Delivery.delivered_at >= day.start(-branch["delivery_window_days"])) \
        & (Delivery.delivered_at < tomorrow)
    window = branch["opportunity_window_days"]
    opportunities = (Opportunity.branch == b) & (Opportunity.status == "open") \
        & (Opportunity.due_at >= day.start(-window)) & (Opportunity.due_at < day.start(window + 1))
    upcoming = (Appointment.branch == b) & Appointment.status.is_in(["scheduled", "confirmed"]) \
        & (Appointment.starts_at >= today)
    open_ros = (RepairOrder.branch == b) & (RepairOrder.status == "open")
    done = (RepairOrder.branch == b) & (RepairOrder.status == "delivered") \
        & (RepairOrder.delivered_at >= day.start(-branch["done_window_days"])) & (RepairOrder.delivered_at < tomorrow)
    month_start, month_end = day.month()
    queries = {
        "entregas": Delivery.count().where(deliveries),
        "entregas sin bienvenida": Delivery.count().where(deliveries & (Delivery.welcome_call_status == "pending")),
        "oportunidades ±15": Opportunity.count().where(opportunities),
        "oportunidades vencidas": Opportunity.count().where(opportunities & (Opportunity.due_at < today)),
        "oportunidades de hoy": Opportunity.count().where(opportunities & (Opportunity.due_at >= today)
                                                          & (Opportunity.due_at < tomorrow)),
        "oportunidades próximas": Opportunity.count().where(opportunities & (Opportunity.due_at >= tomorrow)),
        "turnos desde hoy": Appointment.count().where(upcoming),
        "turnos de hoy sin llegar": Appointment.count().where(upcoming & (Appointment.starts_at < tomorrow)),
        "turnos a confirmar": Appointment.count().where(upcoming & (Appointment.status == "scheduled")
                                                        & (Appointment.starts_at >= tomorrow)),
        "turnos confirmados": Appointment.count().where(upcoming & (Appointment.status == "confirmed")
                                                        & (Appointment.starts_at >= tomorrow)),
        "inasistencias 7 días": Appointment.count().where(
            (Appointment.branch == b) & (Appointment.status == "no_show")
            & (Appointment.starts_at >= day.start(-branch["no_show_window_days"]))
            & (Appointment.starts_at < tomorrow)),
        "llegadas de hoy": Appointment.count().where(
            (Appointment.branch == b) & (Appointment.status == "arrived") & (Appointment.arrived_at >= today)
            & (Appointment.arrived_at < tomorrow)),
        "en proceso": RepairOrder.count().where(open_ros),
        "en proceso: hoy": RepairOrder.count().where(open_ros & (RepairOrder.opened_at >= today)),
        "en proceso: ayer": RepairOrder.count().where(open_ros & (RepairOrder.opened_at >= day.start(-1))
                                                      & (RepairOrder.opened_at < today)),
        "en proceso: hasta una semana": RepairOrder.count().where(
            open_ros & (RepairOrder.opened_at >= day.start(-7)) & (RepairOrder.opened_at < day.start(-1))),
        "en proceso: más de una semana": RepairOrder.count().where(open_ros & (RepairOrder.opened_at < day.start(-7))),
        "realizados": RepairOrder.count().where(done),
        "realizados sin cortesía": RepairOrder.count().where(done & (RepairOrder.courtesy_call_status == "pending")),
        "vendidos este mes": Opportunity.count().where(
            (Opportunity.branch == b) & (Opportunity.status == "booked") & (Opportunity.closed_at >= month_start)
            & (Opportunity.closed_at < month_end)),
    }
    async with db.read_together():
        return {name: await query for name, query in queries.items()}


async def snapshot() -> dict[str, Any]:
    """Row counts per branch and table, and a fingerprint of what the rows say."""
    result: dict[str, Any] = {}
    for branch in await demo_branches():
        for table in GENERATED:
            count = await table.count().where(table.branch == branch["id"])
            result[f"{branch['code']}.{table._meta.tablename}"] = count
        content = [
            await Customer.select(Customer.dms_id, Customer.name, Customer.tax_id, Customer.phone_mobile)
            .where(Customer.branch == branch["id"]).order_by(Customer.dms_id),
            await Vehicle.select(Vehicle.dms_id, Vehicle.vin, Vehicle.plate, Vehicle.odometer_km)
            .where(Vehicle.branch == branch["id"]).order_by(Vehicle.dms_id),
            await RepairOrder.select(RepairOrder.number, RepairOrder.opened_at, RepairOrder.status,
                                     RepairOrder.total_amount).where(RepairOrder.branch == branch["id"])
            .order_by(RepairOrder.number),
            sorted(repr(sorted(r.items())) for r in await Opportunity.select(
                Opportunity.kind, Opportunity.status, Opportunity.due_at, Opportunity.reason)
                .where(Opportunity.branch == branch["id"])),
            sorted(repr(sorted(r.items())) for r in await Appointment.select(
                Appointment.starts_at, Appointment.status, Appointment.reason)
                .where(Appointment.branch == branch["id"])),
        ]
        result[f"{branch['code']}.content"] = hashlib.sha256(repr(content).encode()).hexdigest()
    return result


# --- every list is populated ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ba", "qro"])
async def test_every_board_list_has_rows_today(demo, code):
    branch = next(b for b in await demo_branches() if b["code"] == code)
    lists = await board_lists(branch)
    empty = [name for name, count in lists.items() if count == 0]
    assert not empty, f"{code}: listas vacías {empty} en {lists}"


@pytest.mark.parametrize("day", [dt.date(2027, 2, 1), dt.date(2027, 8, 1)], ids=["lunes-1", "domingo-1"])
async def test_lists_are_populated_on_awkward_days_too(demo, day):
    """In memory (nothing written): a Monday and a Sunday that open a month, where
    yesterday, this month and the weekend leave the least to show."""
    branch = next(b for b in await demo_branches() if b["code"] == "qro")
    users = {u["username"]: u["id"] for u in await User.select(User.username, User.id)
             .where(User.username.is_in(["gerente.mx", "coordinador.mx", "asesor.mx"]))}
    year = await data.build(data.Target(branch_id=branch["id"], code="qro", country="MX",
                                        timezone=branch["timezone"], today=day, users=users))
    counts = guarantees.board_counts(year)
    assert all(counts.values()), counts


async def test_volumes_are_a_dealers_year(demo):
    counts = await snapshot()
    total = {t._meta.tablename: counts[f"ba.{t._meta.tablename}"] + counts[f"qro.{t._meta.tablename}"]
             for t in GENERATED}
    assert 2_800 <= total["customer"] <= 3_200
    assert 3_800 <= total["vehicle"] <= 4_200
    assert 0.5 <= counts["ba.vehicle"] / total["vehicle"] <= 0.6
    assert total["repair_order_line"] > 2 * total["repair_order"] > 4_000
    assert total["delivery"] > 500 and total["appointment"] > 2_500 and total["opportunity"] > 5_000


# --- identifiers pass validation ----------------------------------------------------------------


async def test_phones_are_valid_e164_of_the_branch_country(demo):
    for branch in await demo_branches():
        rows = await Customer.select(Customer.phone_mobile, Customer.phone_home, Customer.phone_work) \
            .where(Customer.branch == branch["id"])
        for row in rows:
            assert row["phone_mobile"].startswith(MOBILE_PREFIX[branch["country"]])
            for phone in filter(None, row.values()):
                number = phonenumbers.parse(phone)
                assert phonenumbers.is_valid_number(number), phone
                assert phonenumbers.region_code_for_number(number) == branch["country"], phone
                assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
            if branch["country"] == "AR":
                assert phonenumbers.number_type(phonenumbers.parse(row["phone_mobile"])) \
                    == phonenumbers.PhoneNumberType.MOBILE


async def test_tax_ids_pass_python_stdnum(demo):
    checks = {"cuit": cuit.is_valid, "cuil": cuit.is_valid, "dni": dni.is_valid,
              "rfc": lambda n: rfc.validate(n, validate_check_digits=True) == n}
    for branch in await demo_branches():
        rows = await Customer.select(Customer.tax_id_type, Customer.tax_id, Customer.tax_id_valid) \
            .where(Customer.branch == branch["id"])
        kinds = {row["tax_id_type"] for row in rows}
        assert kinds == ({"cuit", "cuil", "dni", ""} if branch["country"] == "AR" else {"rfc", ""})
        for row in rows:
            if row["tax_id_type"]:
                assert checks[row["tax_id_type"]](row["tax_id"]), row
                assert row["tax_id_valid"] is True
            else:
                assert row["tax_id"] == "" and row["tax_id_valid"] is None


async def test_vins_have_17_characters_and_a_correct_check_digit(demo):
    for branch in await demo_branches():
        vins = [r["vin"] for r in await Vehicle.select(Vehicle.vin).where(Vehicle.branch == branch["id"])]
        assert len(set(vins)) == len(vins)
        for vin in vins:
            assert len(vin) == 17
            assert vininfo.Vin(vin).verify_checksum(), vin  # the library, independent of our function


def test_our_check_digit_agrees_with_published_vins():
    for vin in ("1M8GDM9AXKP042788", "5N1NJ01CXST000001", "11111111111111111", "1HGCM82633A004352"):
        assert check_digit(vin) == vin[8]


async def test_plates_follow_the_country_format(demo):
    for branch in await demo_branches():
        plates = [r["plate"] for r in await Vehicle.select(Vehicle.plate).where(Vehicle.branch == branch["id"])]
        assert len(set(plates)) == len(plates)
        assert all(PLATES[branch["country"]].match(p) for p in plates), [p for p in plates
                                                                        if not PLATES[branch["country"]].match(p)]
    ar = [r["plate"] for r in await Vehicle.select(Vehicle.plate).where(Vehicle.branch.code == "ba")]
    assert {len(p) for p in ar} == {6, 7}  # both the old and the Mercosur format


async def test_emails_never_reach_a_real_mailbox(demo):
    for branch in await demo_branches():
        emails = [r["email"] for r in await Customer.select(Customer.email).where(Customer.branch == branch["id"])]
        assert all(e == "" or re.search(r"@(?:[a-z0-9-]+\.)?example(?:\.(?:com|net|org))?$", e) for e in emails)


# --- the data holds together --------------------------------------------------------------------


async def test_no_vehicle_has_two_open_opportunities_of_a_kind(demo):
    rows = await db.fetch(
        'SELECT "vehicle", "kind", COALESCE("campaign", 0) AS campaign, COUNT(*) AS n FROM "opportunity" '
        "WHERE \"status\" = 'open' AND \"vehicle\" IS NOT NULL GROUP BY 1, 2, 3 HAVING COUNT(*) > 1")
    assert rows == []


async def test_the_life_cycles_hold_together(demo):
    for branch in await demo_branches():
        b = branch["id"]
        booked = await Opportunity.select(Opportunity.id).where(Opportunity.branch == b,
                                                                Opportunity.status == "booked")
        linked = {r["opportunity"] for r in await Appointment.select(Appointment.opportunity).where(
            Appointment.branch == b, Appointment.opportunity.is_not_null())}
        assert {r["id"] for r in booked} <= linked, "a booked opportunity without its appointment"
        assert await Opportunity.count().where(Opportunity.branch == b, Opportunity.status == "discarded",
                                               Opportunity.discard_reason.is_null()) == 0
        assert await Opportunity.count().where(Opportunity.branch == b, Opportunity.status != "open",
                                               Opportunity.closed_at.is_null()) == 0
        # An arrival reported by the DMS comes with its repair order; a manual check-in (the board's
        # browser tests make some on the demo) may come before it.
        assert await Appointment.count().where(Appointment.branch == b, Appointment.status == "arrived",
                                               Appointment.check_in_source == "dms",
                                               Appointment.repair_order.is_null()) == 0
        assert await Appointment.count().where(Appointment.branch == b, Appointment.status == "arrived",
                                               Appointment.check_in_source == "") == 0
        arrived = await Appointment.select(
            Appointment.vehicle, Appointment.repair_order.vehicle.as_alias("ro_vehicle"),
        ).where(Appointment.branch == b, Appointment.status == "arrived")
        assert all(r["vehicle"] == r["ro_vehicle"] for r in arrived if r["ro_vehicle"] is not None)
        assert await RepairOrder.count().where(RepairOrder.branch == b, RepairOrder.status == "delivered",
                                               RepairOrder.delivered_at.is_null()) == 0
        assert await RepairOrder.count().where(RepairOrder.branch == b, RepairOrder.status == "open",
                                               RepairOrder.delivered_at.is_not_null()) == 0
        declined = RepairOrderLine.approval == "declined"
        assert await RepairOrderLine.count().where(RepairOrderLine.branch == b, declined) > 0
        assert await RepairOrderLine.count().where(RepairOrderLine.branch == b, declined,
                                                   RepairOrderLine.follow_up_on.is_null()) == 0
        assert await Delivery.count().where(Delivery.branch == b, Delivery.welcome_call_status == "done",
                                            Delivery.welcome_call_outcome.is_null()) == 0


async def test_every_row_happens_in_order(demo):
    """Booked after created, arrived after booked, delivered after opened; attempts counted."""
    checks = {
        "oportunidad cerrada antes de crearse":
            'SELECT COUNT(*) AS n FROM "opportunity" WHERE "branch" = {} AND "closed_at" < "created_at"',
        "turno creado después de su hora":
            'SELECT COUNT(*) AS n FROM "appointment" WHERE "branch" = {} AND "created_at" > "starts_at"',
        "turno confirmado antes de crearse":
            'SELECT COUNT(*) AS n FROM "appointment" WHERE "branch" = {} AND "confirmed_at" < "created_at"',
        "orden entregada antes de abrirse":
            'SELECT COUNT(*) AS n FROM "repair_order" WHERE "branch" = {} AND ("delivered_at" < "opened_at"'
            ' OR "finished_at" < "opened_at" OR "finished_at" > "delivered_at")',
        "intentos mal contados":
            'SELECT COUNT(*) AS n FROM "opportunity" o WHERE o."branch" = {} AND o."attempt_count" <> '
            '(SELECT COUNT(*) FROM "contact_attempt" a WHERE a."opportunity" = o."id")',
        "último intento que no es el último":
            'SELECT COUNT(*) AS n FROM "opportunity" o WHERE o."branch" = {} AND o."attempt_count" > 0 '
            'AND o."last_attempt_at" <> (SELECT MAX(a."created_at") FROM "contact_attempt" a '
            'WHERE a."opportunity" = o."id")',
    }
    for branch in await demo_branches():
        for problem, sql in checks.items():
            assert (await db.fetch(sql, branch["id"]))[0]["n"] == 0, f"{branch['code']}: {problem}"


async def test_nothing_was_created_after_today(demo):
    for branch in await demo_branches():
        tomorrow = Day(branch).start(1)
        for table in (Customer, Vehicle, Delivery, RepairOrder, Opportunity, Appointment, ContactAttempt):
            late = await table.count().where(table.branch == branch["id"], table.created_at >= tomorrow)
            assert late == 0, f"{branch['code']}.{table._meta.tablename}: {late} filas creadas después de hoy"
        happened = {
            Opportunity: (Opportunity.closed_at, Opportunity.last_attempt_at),
            Appointment: (Appointment.arrived_at, Appointment.confirmed_at, Appointment.cancelled_at,
                          Appointment.reminder_sent_at),
            RepairOrder: (RepairOrder.finished_at, RepairOrder.delivered_at, RepairOrder.courtesy_called_at),
            Delivery: (Delivery.delivered_at, Delivery.welcome_called_at),
        }
        for table, columns in happened.items():
            for column in columns:
                late = await table.count().where(table.branch == branch["id"], column >= tomorrow)
                assert late == 0, f"{branch['code']}.{column._meta.name}: {late} después de hoy"


async def test_dms_ids_are_per_branch_strings(demo):
    for branch in await demo_branches():
        for table in (Customer, Vehicle, Delivery, RepairOrder, RepairOrderLine):
            ids = [r["dms_id"] for r in await table.select(table.dms_id).where(table.branch == branch["id"])]
            assert all(i and i.startswith(f"{branch['code']}-") for i in ids), table
        dms_appointments = await Appointment.count().where(Appointment.branch == branch["id"],
                                                           Appointment.source == "dms",
                                                           Appointment.dms_id.is_null())
        assert dms_appointments == 0


# --- loading again ------------------------------------------------------------------------------------
# Kept last: the reset gives the demo new ids.


async def test_loading_again_changes_nothing(demo):
    before = await snapshot()
    result = await demo.load()
    assert not result.created
    assert "ya estaba cargada" in result.message
    assert await snapshot() == before


async def test_reset_loads_the_same_data_again(demo):
    before = await snapshot()
    result = await demo.load(reset=True)
    assert result.created
    assert await snapshot() == before
