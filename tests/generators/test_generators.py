"""The overnight generators: each makes what it should, says why, leaves out vehicles in the shop, booked
or already called about, works on the branch's local day, and makes nothing twice when run again."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.generators.run import generate
from app.tables import Appointment, Opportunity

BA = ZoneInfo("America/Argentina/Buenos_Aires")


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BA).astimezone(dt.UTC)


NOW = at(dt.date(2026, 6, 10), 11)
TODAY = dt.date(2026, 6, 10)


async def _made(branch, name, now=NOW):
    first = await generate({}, now=now, only=name, branch_id=branch.id)
    again = await generate({}, now=now, only=name, branch_id=branch.id)
    assert again[name] == 0, "run twice: the second run makes nothing"
    rows = await Opportunity.select().where((Opportunity.branch == branch.id) & Opportunity.origin_key.is_not_null()) \
        .order_by(Opportunity.id)
    assert len(rows) == first[name]
    return rows


async def test_first_service_after_a_sale_enters_the_window_by_days_or_km(make):
    branch = await make.branch(country="AR", first_service_days=180, first_service_km=10_000,
                               opportunity_window_days=15)
    by_days = await make.delivery(branch, delivered_at=at(TODAY - dt.timedelta(days=180 - 15)))
    too_early = await make.delivery(branch, delivered_at=at(TODAY - dt.timedelta(days=180 - 16)))
    heavy_user = await make.vehicle(branch, monthly_km=2_500)  # 10,000 km in ~4 months
    by_km = await make.delivery(branch, vehicle=heavy_user, delivered_at=at(TODAY - dt.timedelta(days=120)))
    serviced = await make.delivery(branch, delivered_at=at(TODAY - dt.timedelta(days=175)))
    await make.repair_order(branch, vehicle=serviced.vehicle, customer=serviced.customer,
                            opened_at=at(TODAY - dt.timedelta(days=20)),
                            status="delivered", delivered_at=at(TODAY - dt.timedelta(days=20)))
    rows = await _made(branch, "first_service")
    assert {r["delivery"] for r in rows} == {by_days.id, by_km.id}
    row = next(r for r in rows if r["delivery"] == by_days.id)
    assert (row["kind"], row["source"], row["status"]) == ("welcome_followup", "generator", "open")
    assert row["reason"].startswith("Primer service: unidad entregada el")
    assert row["due_at"] == at(TODAY + dt.timedelta(days=15), 10)
    assert too_early.id not in {r["delivery"] for r in rows}


async def test_next_maintenance_after_the_latest_visit_only(make):
    branch = await make.branch(country="AR", service_interval_days=365, service_interval_km=10_000)
    car = await make.vehicle(branch)
    old = await make.repair_order(branch, vehicle=car, opened_at=at(TODAY - dt.timedelta(days=700)),
                                  status="delivered", delivered_at=at(TODAY - dt.timedelta(days=700)))
    last = await make.repair_order(branch, vehicle=car, opened_at=at(TODAY - dt.timedelta(days=360)),
                                   status="delivered", delivered_at=at(TODAY - dt.timedelta(days=360)))
    rows = await _made(branch, "maintenance")
    assert [(r["repair_order"], r["kind"], r["source"]) for r in rows] == [(last.id, "maintenance", "repair_order")]
    assert old.id not in {r["repair_order"] for r in rows}
    assert rows[0]["due_at"] == at(TODAY + dt.timedelta(days=5), 10)


async def test_vehicles_in_the_shop_booked_or_already_called_about_are_left_out(make):
    branch = await make.branch(country="AR")
    cars = [await make.vehicle(branch) for _ in range(4)]
    for car in cars:
        await make.repair_order(branch, vehicle=car, opened_at=at(TODAY - dt.timedelta(days=362)),
                                status="delivered", delivered_at=at(TODAY - dt.timedelta(days=362)))
    await make.repair_order(branch, vehicle=cars[0], opened_at=at(TODAY - dt.timedelta(days=400)),
                            status="open")  # in the shop (an order still open)
    await make.appointment(branch, vehicle=cars[1], starts_at=NOW + dt.timedelta(days=3))
    await make.opportunity(branch, vehicle=cars[2], kind="maintenance")
    rows = await _made(branch, "maintenance")
    assert [r["vehicle"] for r in rows] == [cars[3].id]


async def test_lapsed_customers_who_crossed_six_months_lately_once(make):
    branch = await make.branch(country="AR")
    lapsed_car = await make.vehicle(branch)
    recent_car = await make.vehicle(branch)
    earlier_list_car = await make.vehicle(branch)  # crossed six months two months ago: last month's list
    for car, days in ((lapsed_car, 200), (recent_car, 100), (earlier_list_car, 250)):
        await make.repair_order(branch, vehicle=car, opened_at=at(TODAY - dt.timedelta(days=days)),
                                status="delivered", delivered_at=at(TODAY - dt.timedelta(days=days)))
    rows = await _made(branch, "lapsed")
    assert [r["vehicle"] for r in rows] == [lapsed_car.id]
    assert rows[0]["reason"].startswith("Sin visitas al taller desde el")
    await Opportunity.update({Opportunity.status: "discarded"}).where(Opportunity.id == rows[0]["id"])
    next_month = await generate({}, now=NOW + dt.timedelta(days=35), only="lapsed", branch_id=branch.id)
    assert next_month["lapsed"] == 0  # discarded a month ago: not offered again before six months


async def test_declined_work_on_its_agreed_date(make):
    branch = await make.branch(country="AR")
    order = await make.repair_order(branch, opened_at=at(TODAY - dt.timedelta(days=60)), status="delivered",
                                    delivered_at=at(TODAY - dt.timedelta(days=60)), number="OR-77")
    await make.repair_order_line(order, line_no=1, description="Cambio de pastillas", approval="declined",
                                 follow_up_on=TODAY + dt.timedelta(days=4))
    await make.repair_order_line(order, line_no=2, description="Alineación", approval="declined",
                                 follow_up_on=TODAY + dt.timedelta(days=2))
    later = await make.repair_order(branch, opened_at=at(TODAY - dt.timedelta(days=60)), status="delivered")
    await make.repair_order_line(later, description="Amortiguadores", approval="declined",
                                 follow_up_on=TODAY + dt.timedelta(days=40))  # outside the window yet
    rows = await _made(branch, "declined_work")
    assert [(r["repair_order"], r["kind"]) for r in rows] == [(order.id, "declined_work")]
    assert rows[0]["reason"] == "Trabajo no autorizado en la orden OR-77: Cambio de pastillas; Alineación"
    assert rows[0]["due_at"] == at(TODAY + dt.timedelta(days=2), 10)


async def test_web_bookings_are_confirmed_today_and_closed_once_confirmed(make):
    branch = await make.branch(country="AR")
    booking = await make.appointment(branch, starts_at=NOW + dt.timedelta(days=2), source="web",
                                     created_at=NOW - dt.timedelta(hours=10))
    await make.appointment(branch, starts_at=NOW + dt.timedelta(days=2), source="board")
    rows = await _made(branch, "web_booking")
    assert [(r["vehicle"], r["kind"], r["source"]) for r in rows] == [(booking.vehicle, "web_booking", "web")]
    assert rows[0]["due_at"] == NOW
    await Appointment.update({Appointment.status: "confirmed"}).where(Appointment.id == booking.id)
    await generate({}, now=NOW, only="web_booking", branch_id=branch.id)
    assert (await Opportunity.select(Opportunity.status).where(Opportunity.id == rows[0]["id"]).first())[
        "status"] == "booked"


async def test_no_shows_are_recontacted_the_next_local_day(make):
    branch = await make.branch(country="AR")
    missed = await make.appointment(branch, starts_at=at(TODAY - dt.timedelta(days=1), 9), status="no_show")
    rebooked = await make.appointment(branch, starts_at=at(TODAY - dt.timedelta(days=2), 9), status="no_show")
    await make.appointment(branch, vehicle=rebooked.vehicle, customer=rebooked.customer,
                           starts_at=NOW + dt.timedelta(days=5))
    rows = await _made(branch, "no_show")
    assert [(r["vehicle"], r["kind"]) for r in rows] == [(missed.vehicle, "no_show")]
    assert rows[0]["due_at"] == at(TODAY, 10)


async def test_the_day_is_the_branchs_local_day(make):
    """At 23:30 in Buenos Aires it is already the next day in UTC: the window still ends on the local day."""
    branch = await make.branch(country="AR", first_service_days=180, opportunity_window_days=15)
    late_evening = dt.datetime(2026, 6, 11, 2, 30, tzinfo=dt.UTC)  # 10/06 23:30 in Buenos Aires
    inside = await make.delivery(branch, delivered_at=at(TODAY - dt.timedelta(days=165), 12))
    outside = await make.delivery(branch, delivered_at=at(TODAY - dt.timedelta(days=164), 12))
    rows = await _made(branch, "first_service", now=late_evening)
    assert [r["delivery"] for r in rows] == [inside.id]
    assert outside.id not in [r["delivery"] for r in rows]
