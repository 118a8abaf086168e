"""What the procedure asks during the call that books the turno: a technology session, a test drive for
vehicles over 30,000 km (a lead for sales) and the billing data, validated and written on the customer."""

from __future__ import annotations

import datetime as dt

from app.tables import Appointment, Customer, Lead
from tests.board.test_opportunities import HX, board, htmx, local, today_in
from tests.http import text_of

CUIT = "20-12345678-6"


async def _booking(b, make, km=45_000):
    customer = await make.customer(b.branch, name="Lucía Fernández")
    vehicle = await make.vehicle(b.branch, owner=customer, odometer_km=km)
    row = await make.opportunity(b.branch, customer=customer, vehicle=vehicle, due_at=local(0, b.tz))
    day = today_in(b.tz) + dt.timedelta(days=2)
    return row, {"version": "1", "day": day.isoformat(), "time": "09:00"}


async def test_booking_notes_the_session_the_test_drive_and_the_billing_data(as_user, make):
    b = await board(make, as_user)
    row, data = await _booking(b, make)
    form = (await b.client.get(f"/oportunidades/{row.id}/turno", headers=HX)).text
    assert 'data-test="test-drive"' in form and "45.000" in form
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data=data | {
        "tech_session": "1", "test_drive": "1", "model_of_interest": "Taos Highline",
        "billing_tax_id": CUIT, "billing_legal_name": "Fernández Lucía", "billing_address": "Av. Santa Fe 1234",
        "billing_email": "Lucia@Example.com"})
    assert response.status_code == 200, response.text[:500]
    said = text_of(response.text, "result")[0]
    assert "sesión de tecnología" in said and "Prueba de manejo del Taos Highline" in said
    leads = await Lead.select().where(Lead.opportunity == row.id).order_by(Lead.id)
    appointment = await Appointment.select(Appointment.id).where(Appointment.opportunity == row.id).first()
    assert [(x["kind"], x["model_of_interest"], x["appointment"]) for x in leads] == [
        ("tech_session", "", appointment["id"]), ("test_drive", "Taos Highline", appointment["id"])]
    customer = await Customer.select().where(Customer.id == row.customer).first()
    assert (customer["tax_id_type"], customer["tax_id"], customer["tax_id_valid"], customer["legal_name"],
            customer["street"], customer["email"]) == ("cuit", "20123456786", True, "Fernández Lucía",
                                                       "Av. Santa Fe 1234", "lucia@example.com")


async def test_bad_extras_refuse_the_whole_booking(as_user, make):
    b = await board(make, as_user)
    cases = [({"billing_tax_id": "20-12345678-0", "billing_legal_name": "X"}, "billing_tax_id", "no es válido"),
             ({"billing_tax_id": CUIT}, "billing_legal_name", "razón social"),
             ({"billing_legal_name": "X"}, "billing_tax_id", "Falta el CUIT"),
             ({"billing_tax_id": CUIT, "billing_legal_name": "X", "billing_email": "no-es-mail"}, "billing_email",
              "correo"),
             ({"test_drive": "1"}, "model_of_interest", "Qué modelo")]
    for extra, field, message in cases:
        row, data = await _booking(b, make)
        response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data=data | extra)
        assert response.status_code == 422, (extra, response.status_code)
        assert message in response.text, (extra, field)
        assert await Appointment.count().where(Appointment.opportunity == row.id) == 0
        assert await Lead.count().where(Lead.opportunity == row.id) == 0


async def test_no_test_drive_under_30000_km(as_user, make):
    b = await board(make, as_user)
    row, data = await _booking(b, make, km=12_000)
    form = (await b.client.get(f"/oportunidades/{row.id}/turno", headers=HX)).text
    assert 'data-test="test-drive"' not in form
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data=data | {
        "test_drive": "1", "model_of_interest": "Amarok"})
    assert response.status_code == 200
    assert await Lead.count().where(Lead.opportunity == row.id) == 0
