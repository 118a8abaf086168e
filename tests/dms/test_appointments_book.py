"""An appointment the DMS books for a vehicle with an open opportunity closes it as booked: the
coordinators do not call a customer who already has a turno."""

from __future__ import annotations

import datetime as dt

from app.dms.ingest import Target, ingest
from app.tables import Appointment, AuditEvent, Opportunity


async def _push(branch, items):
    return await ingest(Target(branch.id, branch.country, branch.timezone), "appointments",
                        ((i, item) for i, item in enumerate(items, start=1)), per_item=True)


async def test_a_dms_appointment_books_the_vehicles_open_opportunity(make):
    branch = await make.branch(country="AR")
    vehicle = await make.vehicle(branch)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    opportunity = await make.opportunity(branch, vehicle=vehicle, due_at=now - dt.timedelta(days=2))
    other_vehicle = await make.opportunity(branch)
    already_closed = await make.opportunity(branch, vehicle=vehicle, status="discarded")
    report = await _push(branch, [{"dms_id": "T-1", "starts_at": (now + dt.timedelta(days=3)).isoformat(),
                                   "vin": vehicle.vin, "customer_name": "X"}])
    assert report.created == 1
    booked = await Opportunity.select().where(Opportunity.id == opportunity.id).first()
    assert booked["status"] == "booked" and booked["closed_at"] is not None
    assert booked["version"] == opportunity.version + 1
    appointment = await Appointment.select().where(
        (Appointment.branch == branch.id) & (Appointment.dms_id == "T-1")).first()
    assert appointment["opportunity"] == opportunity.id
    statuses = {r["id"]: r["status"] for r in await Opportunity.select(Opportunity.id, Opportunity.status).where(
        Opportunity.id.is_in([other_vehicle.id, already_closed.id]))}
    assert statuses == {other_vehicle.id: "open", already_closed.id: "discarded"}
    event = await AuditEvent.select().where((AuditEvent.action == "opportunity.book")
                                            & (AuditEvent.entity_id == opportunity.id)).output(load_json=True).first()
    assert event["username"] == "DMS" and event["after"]["appointment"] == appointment["id"]

    again = await _push(branch, [{"dms_id": "T-1", "starts_at": (now + dt.timedelta(days=3)).isoformat(),
                                  "vin": vehicle.vin, "customer_name": "X"}])
    assert again.unchanged == 1
    assert await AuditEvent.count().where((AuditEvent.action == "opportunity.book")
                                          & (AuditEvent.entity_id == opportunity.id)) == 1


async def test_past_or_cancelled_dms_appointments_book_nothing(make):
    branch = await make.branch(country="AR")
    vehicle = await make.vehicle(branch)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    opportunity = await make.opportunity(branch, vehicle=vehicle)
    await _push(branch, [
        {"dms_id": "T-2", "starts_at": (now - dt.timedelta(days=20)).isoformat(), "vin": vehicle.vin,
         "customer_name": "X"},
        {"dms_id": "T-3", "starts_at": (now + dt.timedelta(days=2)).isoformat(), "vin": vehicle.vin,
         "customer_name": "X", "status": "cancelado"},
    ])
    assert (await Opportunity.select(Opportunity.status).where(Opportunity.id == opportunity.id).first())[
        "status"] == "open"
