"""The day's end: at the branch's end-of-day time every advisor gets tomorrow's list (theirs and the
unassigned ones) and sales gets the day's test drives — once; the same list prints from /turnos/manana."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.messaging.daily_pack import send_daily_pack
from app.tables import Lead, OutboxMessage
from tests.http import text_of

BA = ZoneInfo("America/Argentina/Buenos_Aires")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BA).astimezone(dt.UTC)


async def _world(make):
    branch = await make.branch(country="AR", day_end_time="18:00", sales_email="ventas@example.com")
    andres = await make.user("advisor", [branch], full_name="Andrés Villalba", email="andres@example.com")
    paula = await make.user("advisor", [branch], full_name="Paula Ríos", email="paula@example.com")
    return branch, andres, paula


async def _messages(branch):
    return await OutboxMessage.select().where(OutboxMessage.branch == branch.id).order_by(OutboxMessage.id)


async def test_tomorrows_lists_go_out_at_the_end_of_the_local_day_once(make):
    branch, andres, _paula = await _world(make)
    today = dt.datetime.now(BA).date()
    tomorrow = today + dt.timedelta(days=1)
    await make.appointment(branch, starts_at=at(tomorrow, 9), advisor=andres.id, reason="Service 20.000 km")
    await make.appointment(branch, starts_at=at(tomorrow, 10), advisor_name="PAULA RIOS", status="confirmed")
    await make.appointment(branch, starts_at=at(tomorrow, 11))  # nobody's
    await make.appointment(branch, starts_at=at(tomorrow + dt.timedelta(days=1), 9), advisor=andres.id)
    await make.appointment(branch, starts_at=at(tomorrow, 12), advisor=andres.id, status="cancelled")

    assert await send_daily_pack({}, now=at(today, 17, 59), branch_id=branch.id) == 0
    assert await send_daily_pack({}, now=at(today, 18, 1), branch_id=branch.id) == 2
    assert await send_daily_pack({}, now=at(today, 18, 11), branch_id=branch.id) == 0
    messages = {m["recipient"]: m for m in await _messages(branch)}
    andres_mail, paula_mail = messages["andres@example.com"], messages["paula@example.com"]
    assert andres_mail["subject"].endswith(f"turnos del {tomorrow:%d/%m/%Y} (1)")
    assert "Service 20.000 km" in andres_mail["body_text"] and "Sin asesor asignado (1)" in andres_mail["body_text"]
    assert "(confirmado)" in paula_mail["body_text"]
    assert {m["status"] for m in messages.values()} == {"sent"}  # delivered (to var/mail without SMTP)


async def test_the_days_test_drives_go_to_sales(make):
    branch, _andres, _ = await _world(make)
    customer = await make.customer(branch, name="Lucía Fernández")
    vehicle = await make.vehicle(branch, owner=customer, make="Volkswagen", model="Gol", odometer_km=48_000)
    await Lead.insert(Lead(branch=branch.id, kind="test_drive", customer=customer.id, vehicle=vehicle.id,
                           model_of_interest="Taos"))
    today = dt.datetime.now(BA).date()
    assert await send_daily_pack({}, now=at(today, 18, 5), branch_id=branch.id) == 1  # no appointments: sales only
    [mail] = [m for m in await _messages(branch) if m["recipient"] == "ventas@example.com"]
    assert "Lucía Fernández" in mail["body_text"] and "quiere probar Taos" in mail["body_text"]
    assert (await Lead.select(Lead.sent_at).where(Lead.customer == customer.id).first())["sent_at"] is not None
    assert await send_daily_pack({}, now=at(today, 18, 15), branch_id=branch.id) == 0


async def test_tomorrow_prints_one_sheet_per_advisor(as_user, make):
    branch, andres, _ = await _world(make)
    tomorrow = dt.datetime.now(BA).date() + dt.timedelta(days=1)
    session = await make.appointment(branch, starts_at=at(tomorrow, 9), advisor=andres.id)
    await Lead.insert(Lead(branch=branch.id, kind="tech_session", customer=session.customer,
                           vehicle=session.vehicle, appointment=session.id))
    await make.appointment(branch, starts_at=at(tomorrow, 11))
    client = await as_user(andres.username)
    page = (await client.get("/turnos/manana")).text
    assert len(text_of(page, "tomorrow-appointment")) == 2
    assert "Andrés Villalba" in page and "Sin asesor asignado" in page
    assert len(text_of(page, "tech-session")) == 1 and 'data-test="tech-sessions"' in page
    assert 'data-test="tomorrow-link"' in (await client.get("/turnos")).text
