"""The one ingestion path, through the file import job (as the web and the command line run it):
idempotent, refused rows written nowhere, and the news reaching the board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from app.dms import imports
from app.dms.ingest import Target, ingest
from app.tables import Appointment, Customer, ImportJob, RepairOrder, Vehicle

FIXTURES = Path(__file__).parent.parent / "fixtures"
BA = "America/Argentina/Buenos_Aires"


async def _import(branch, kind: str, name: str, data: bytes | None = None) -> dict:
    upload = await imports.create_job(branch.id, kind, name, data or (FIXTURES / name).read_bytes(), user_id=None)
    job = await imports.job_summary(upload.job_id)
    await imports.confirm_mapping(upload.job_id, branch.id, kind, job["mapping"], None)
    await imports.run_import({}, upload.job_id)
    return await imports.job_summary(upload.job_id)


async def test_a_dms_export_is_imported_with_each_refused_row_explained(make):
    branch = await make.branch(country="AR")
    job = await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    assert job["status"] == "done"
    assert (job["created_count"], job["updated_count"], job["unchanged_count"], job["rejected_count"]) == (4, 0, 0, 4)
    assert [(e["line"], e["column"]) for e in job["errors"]] == [
        (8, "Nro OR"),
        (9, "Chasis"),
        (10, "Fecha Apertura"),
        (11, "Chasis"),
    ]
    assert "Fecha inválida" in job["errors"][2]["reason"] and job["errors"][2]["value"] == "31/02/2026"
    assert [s[1] for s in job["skipped"]] == ["fila de título", "fila de título", "fila de totales"]
    order = (
        await RepairOrder.select().where((RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "A-1001")).first()
    )
    assert (
        order["status"] == "delivered" and order["total_amount"] == Decimal("1234.56") and order["number"] == "A-1001"
    )
    assert order["opened_at"] == dt.datetime(2026, 11, 2, 11, 15, tzinfo=dt.UTC)  # 08:15 in Buenos Aires
    customer = await Customer.select().where(Customer.id == order["customer"]).first()
    assert customer["name"] == "Muñoz, Ana" and customer["phone_mobile"] == "+541155550101"
    assert customer["tax_id_type"] == "cuit" and customer["tax_id_valid"] is True
    vehicle = await Vehicle.select().where(Vehicle.id == order["vehicle"]).first()
    assert vehicle["plate"] == "AB123CD" and vehicle["owner"] == customer["id"] and vehicle["odometer_km"] == 15200
    flagged = (
        await Customer.select(Customer.phone_unparsed)
        .where((Customer.branch == branch.id) & (Customer.name == "Ibáñez Sofía"))
        .first()
    )
    assert flagged["phone_unparsed"] == "sin teléfono" and job["flagged_count"] == 1
    refused = await RepairOrder.count().where(
        (RepairOrder.branch == branch.id) & RepairOrder.dms_id.is_in(["A-1005", "A-1006", "A-1007"])
    )
    assert refused == 0
    assert job["processed_rows"] == 8


async def test_the_same_file_twice_changes_nothing(make):
    branch = await make.branch(country="AR")
    await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    counts = {t: await t.count().where(t.branch == branch.id) for t in (Customer, Vehicle, RepairOrder)}
    again = await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 4)
    assert {t: await t.count().where(t.branch == branch.id) for t in counts} == counts
    assert await imports.same_file_before(again) is not None


async def test_xlsx_with_title_and_totals_rows_and_mexican_headers(make):
    branch = await make.branch(country="MX")
    job = await _import(branch, "repair_orders", "ordenes_titulo_y_totales.xlsx")
    assert (job["created_count"], job["rejected_count"]) == (2, 0), job["errors"]
    order = await RepairOrder.select().where((RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "1001")).first()
    assert order["opened_at"] == dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)  # 09:30 in Mexico City
    vehicle = await Vehicle.select(Vehicle.plate).where(Vehicle.id == order["vehicle"]).first()
    assert vehicle["plate"] == "ABC123A"


async def test_a_customer_export_adopts_customers_found_by_tax_id(make):
    branch = await make.branch(country="MX")
    await _import(branch, "repair_orders", "ordenes_titulo_y_totales.xlsx")
    job = await _import(branch, "customers", "clientes_utf8_bom.csv")
    assert (job["created_count"], job["updated_count"]) == (1, 2), job["errors"]
    maria = await Customer.select().where((Customer.branch == branch.id) & (Customer.dms_id == "C-1")).first()
    assert maria["name"] == "Hernández López, María" and maria["email"] == "maria@example.mx"
    assert await Customer.count().where((Customer.branch == branch.id) & (Customer.tax_id == "HELM800101AB1")) == 1
    bajio = await Customer.select(Customer.street).where(
        (Customer.branch == branch.id) & (Customer.dms_id == "C-2")).first()
    assert bajio["street"] == "Calle 5 Interior 2"  # the newline inside quotes stayed in its cell


async def _push(branch, kind, items):
    return await ingest(
        Target(branch.id, branch.country, branch.timezone),
        kind,
        ((i, item) for i, item in enumerate(items)),
        per_item=True,
    )


async def test_an_order_opened_for_a_vehicle_with_an_appointment_that_day_checks_it_in(make):
    branch = await make.branch(country="AR")
    vehicle = await make.vehicle(branch)
    today = dt.datetime.now(dt.UTC).replace(microsecond=0)
    appointment = await make.appointment(branch, vehicle=vehicle, starts_at=today)
    other_day = await make.appointment(branch, vehicle=vehicle, starts_at=today + dt.timedelta(days=3))
    report = await _push(
        branch,
        "repair_orders",
        [{"dms_id": "OR-9", "opened_at": today.isoformat(), "vin": vehicle.vin, "customer_name": "X"}],
    )
    assert report.created == 1 and report.arrivals == 1
    row = await Appointment.select().where(Appointment.id == appointment.id).first()
    order = await RepairOrder.select(RepairOrder.id, RepairOrder.customer).where(
        (RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "OR-9")).first()
    assert row["status"] == "arrived" and row["check_in_source"] == "dms" and row["repair_order"] == order["id"]
    assert row["version"] == appointment.version + 1
    assert order["customer"] == vehicle.owner  # found by VIN: no new customer for "X"
    assert (await Appointment.select(Appointment.status).where(Appointment.id == other_day.id).first())[
        "status"
    ] == "scheduled"


async def test_dms_news_never_undoes_what_the_board_did(make):
    branch = await make.branch(country="AR")
    vehicle = await make.vehicle(branch)
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    order = await make.repair_order(
        branch,
        vehicle=vehicle,
        opened_at=opened,
        dms_id="OR-77",
        number="OR-77",
        status="delivered",
        delivered_at=opened + dt.timedelta(hours=5),
    )
    report = await _push(
        branch,
        "repair_orders",
        [{"dms_id": "OR-77", "opened_at": opened.isoformat(), "status": "abierta", "plate": vehicle.plate}],
    )
    assert report.unchanged == 1
    row = await RepairOrder.select(RepairOrder.status).where(RepairOrder.id == order.id).first()
    assert row["status"] == "delivered"


async def test_an_appointment_cancelled_in_the_dms_leaves_the_lists(make):
    branch = await make.branch(country="AR")
    vehicle = await make.vehicle(branch)
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    item = {"dms_id": "T-5", "starts_at": starts.isoformat(), "vin": vehicle.vin}
    first = await _push(branch, "appointments", [item])
    assert first.created == 1
    second = await _push(branch, "appointments", [{**item, "status": "Cancelado"}])
    assert second.updated == 1
    row = await Appointment.select().where((Appointment.branch == branch.id) & (Appointment.dms_id == "T-5")).first()
    assert row["status"] == "cancelled" and row["cancelled_at"] is not None and row["source"] == "dms"


async def test_a_repeated_key_in_one_file_is_refused_with_the_first_line(make):
    branch = await make.branch(country="AR")
    report = await _push(
        branch,
        "deliveries",
        [
            {"dms_id": "V-1", "delivered_at": "01/11/2026", "plate": "AA111BB", "customer_name": "Ana"},
            {"dms_id": "V-1", "delivered_at": "02/11/2026", "plate": "AA111BB", "customer_name": "Ana"},
        ],
    )
    assert (report.created, report.rejected) == (1, 1)
    assert "línea 0" in report.rejections[0].reason


async def test_a_file_that_cannot_be_read_is_refused_whole(make):
    from app.dms.files import FileRefused

    branch = await make.branch(country="AR")
    for name, words in (("comillas_rotas.csv", "comillas"), ("codificacion_incorrecta.csv", "codificación")):
        try:
            await imports.create_job(branch.id, "repair_orders", name, (FIXTURES / name).read_bytes(), user_id=None)
        except FileRefused as refused:
            assert words in str(refused)
        else:
            raise AssertionError(f"{name} no fue rechazado")
    assert await ImportJob.count().where(ImportJob.branch == branch.id) == 0


def _fixture_text() -> str:
    return (FIXTURES / "ordenes_cp1252_punto_y_coma.csv").read_bytes().decode("cp1252")


async def test_a_row_imported_again_is_unchanged_updated_or_created_as_it_reads(make):
    """The second file: A-1002 delivered since, A-1006's impossible date fixed, the rest as before
    (recognised by their row hash without parsing them, with the same flags)."""
    branch = await make.branch(country="AR")
    await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    changed = (_fixture_text()
               .replace("48000;Abierta;;0", "48000;Entregada;02/11/2026 18:00;0")
               .replace("A-1006;31/02/2026", "A-1006;28/02/2026"))
    job = await _import(branch, "repair_orders", "ordenes_v2.csv", changed.encode("cp1252"))
    assert (job["created_count"], job["updated_count"], job["unchanged_count"], job["rejected_count"]) == (1, 1, 3, 3)
    assert job["flagged_count"] == 1 and [f["column"] for f in job["flags"]] == ["Teléfono"]
    rows = {r["dms_id"]: r for r in await RepairOrder.select(
        RepairOrder.dms_id, RepairOrder.status, RepairOrder.dms_hash).where(RepairOrder.branch == branch.id)}
    assert rows["A-1002"]["status"] == "delivered" and "A-1006" in rows
    assert all(r["dms_hash"] for r in rows.values())
    again = await _import(branch, "repair_orders", "ordenes_v2.csv", changed.encode("cp1252"))
    assert (again["created_count"], again["updated_count"], again["unchanged_count"], again["rejected_count"]) == (
        0, 0, 5, 3)
    assert again["flagged_count"] == 1


async def test_a_row_edited_on_the_board_goes_through_the_full_path(make):
    branch = await make.branch(country="AR")
    await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    where = (RepairOrder.branch == branch.id) & (RepairOrder.dms_id == "A-1002")
    before = await RepairOrder.select(RepairOrder.dms_hash, RepairOrder.delivered_at).where(where).first()
    await RepairOrder.update({RepairOrder.status: "delivered", RepairOrder.delivered_at: dt.datetime.now(dt.UTC),
                              RepairOrder.version: RepairOrder.version + 1}).where(where)
    again = await _import(branch, "repair_orders", "ordenes_cp1252_punto_y_coma.csv")
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 4)
    after = await RepairOrder.select(RepairOrder.status, RepairOrder.dms_hash).where(where).first()
    assert after["status"] == "delivered"  # the board's delivery stays (rules.repair_order_status)
    assert after["dms_hash"] != before["dms_hash"]  # compared in full, then hashed at its new version


def test_flags_of_a_known_row_are_the_ones_parse_raises():
    from app.dms import fields
    from app.dms.records import Context, Record, flags, parse

    sheet = imports.read(_fixture_text().encode("cp1252"), "x.csv", "repair_orders")
    mapping = fields.suggest("repair_orders", sheet.headers)
    rows = list(imports.mapped_rows(sheet, mapping))
    for kind in ("repair_orders", "deliveries", "appointments", "vehicles", "customers"):
        ctx = Context("AR", BA, mapping)
        for line, row in rows:
            parsed = parse(kind, row, ctx, line)
            if isinstance(parsed, Record):
                assert flags(kind, row, ctx, line) == parsed.flags, (kind, line)
    ctx = Context("AR", BA, mapping)
    line, row = rows[-1]  # A-1008, its phone flagged
    first, cached = flags("repair_orders", row, ctx, line), flags("repair_orders", row, ctx, line + 100)
    assert len(first) == 1 and [(f.column, f.reason) for f in cached] == [(f.column, f.reason) for f in first]
    assert cached[0].line == line + 100
