"""Every list of the board has rows on the day the demo is loaded.

The simulated year fills most lists by itself, but chance (or a Monday, or
the first of the month) can leave one empty. `ensure_lists` counts each list
the way the board defines it and adds the few scripted events that are
missing, on vehicles with nothing else going on around today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from app.demo.history import DAY, Car, Force, Rec, Year
from app.tables import Appointment, Delivery, Opportunity, RepairOrder

# list → the fewest rows it may show
MINIMUMS = {
    "deliveries": 8, "deliveries_pending": 2,
    "opportunities": 10, "overdue": 3, "due_today": 2, "upcoming": 3,
    "to_confirm": 3, "confirmed": 3, "today_pending": 4, "arrived_today": 5, "no_shows": 2,
    "open_today": 5, "open_yesterday": 3, "open_week": 4, "open_older": 2,
    "done": 5, "done_pending": 2, "booked_month": 3,
}


def board_counts(year: Year) -> dict[str, int]:
    """The board's lists, counted over the plan (same windows as app.rules.windows)."""
    rules, today, rows = year.rules, year.today, year.plan.rows
    midnight = year.at(today, 0)
    tomorrow = year.at(today + DAY, 0)

    def since(days: int) -> dt.datetime:
        return year.at(today - dt.timedelta(days=days), 0)

    deliveries = [d for d in rows[Delivery] if since(rules.deliveries_days) <= d["delivered_at"] < tomorrow]
    window = (since(rules.opportunities_days), year.at(today + dt.timedelta(days=rules.opportunities_days + 1), 0))
    opportunities = [o for o in rows[Opportunity] if o["status"] == "open" and window[0] <= o["due_at"] < window[1]]
    appointments = rows[Appointment]
    upcoming_appointments = [a for a in appointments if a["status"] in ("scheduled", "confirmed")]
    after_today = [a for a in upcoming_appointments if a["starts_at"] >= tomorrow]
    open_ros = [r for r in rows[RepairOrder] if r["status"] == "open"]
    done = [r for r in rows[RepairOrder]
            if r["status"] == "delivered" and since(rules.done_days) <= r["delivered_at"] < tomorrow]
    month = (year.at(today.replace(day=1), 0), year.at((today.replace(day=28) + 4 * DAY).replace(day=1), 0))
    return {
        "deliveries": len(deliveries),
        "deliveries_pending": sum(1 for d in deliveries if d.values.get("welcome_call_status", "pending") == "pending"),
        "opportunities": len(opportunities),
        "overdue": sum(1 for o in opportunities if o["due_at"] < midnight),
        "due_today": sum(1 for o in opportunities if midnight <= o["due_at"] < tomorrow),
        "upcoming": sum(1 for o in opportunities if o["due_at"] >= tomorrow),
        "to_confirm": sum(1 for a in after_today if a["status"] == "scheduled"),
        "confirmed": sum(1 for a in after_today if a["status"] == "confirmed"),
        "today_pending": sum(1 for a in upcoming_appointments if midnight <= a["starts_at"] < tomorrow),
        "arrived_today": sum(1 for a in appointments
                             if a["status"] == "arrived" and midnight <= a.values["arrived_at"] < tomorrow),
        "no_shows": sum(1 for a in appointments
                        if a["status"] == "no_show" and since(rules.no_show_days) <= a["starts_at"] < tomorrow),
        "open_today": sum(1 for r in open_ros if r["opened_at"] >= midnight),
        "open_yesterday": sum(1 for r in open_ros if since(1) <= r["opened_at"] < midnight),
        "open_week": sum(1 for r in open_ros if since(7) <= r["opened_at"] < since(1)),
        "open_older": sum(1 for r in open_ros if r["opened_at"] < since(7)),
        "done": len(done),
        "done_pending": sum(1 for r in done if r.values.get("courtesy_call_status", "pending") == "pending"),
        "booked_month": sum(1 for o in rows[Opportunity]
                            if o["status"] == "booked" and month[0] <= o["closed_at"] < month[1]),
    }


def ensure_lists(year: Year, cars: list[Car]) -> None:
    spare = _spare_cars(year, cars)
    fillers = _fillers(year)
    counts = board_counts(year)
    for name, minimum in MINIMUMS.items():
        fill = fillers.get(name)
        if fill is None or counts[name] >= minimum:
            continue
        for _ in range(minimum - counts[name]):  # each call adds one row to the list
            car = next(spare, None)
            if car is None:
                return
            fill(car)
        counts = board_counts(year)


def _spare_cars(year: Year, cars: list[Car]) -> Iterator[Car]:
    """Vehicles with no visit within 25 days of today, in a shuffled order (those
    without an open opportunity first)."""
    candidates = list(cars)
    year.rng.shuffle(candidates)
    candidates.sort(key=lambda car: bool(car.open_keys))
    return (car for car in candidates if car.free(year.today, 25))


def _open_days(year: Year, first: int, last: int) -> list[dt.date]:
    """Open days from today+first to today+last (negative: in the past)."""
    days = (year.today + dt.timedelta(days=n) for n in range(first, last + 1))
    return [day for day in days if year.is_open(day)]


def _fillers(year: Year) -> dict[str, Callable[[Car], object]]:
    rng, today = year.rng, year.today

    def come(day: dt.date, **force: object) -> Callable[[Car], object]:
        return lambda car: year.visit(car, day, "dms", year.service_work(car, day), force=Force(**force))

    def in_days(first: int, last: int, **force: object) -> Callable[[Car], object]:
        return lambda car: come(rng.choice(_open_days(year, first, last)), **force)(car)

    def manual_due(first: int, last: int) -> Callable[[Car], object]:
        return lambda car: year.manual(car, today + dt.timedelta(days=rng.randint(first, last)))

    def booked_today(car: Car) -> None:
        opp = year.manual(car, today + dt.timedelta(days=rng.randint(0, 5)), status="booked")
        booked_at = max(year.at(today, 8, rng.randint(0, 59)), opp["created_at"] + dt.timedelta(minutes=10))
        day = rng.choice(_open_days(year, 1, 10))
        year.visit(car, day, "board", year.service_work(car, day), opportunity=opp, booked_at=booked_at,
                   force=Force(status="scheduled"))
        year.close_booked(car, opp, booked_at)

    def at_today(hour_first: int, hour_last: int, **force: object) -> Callable[[Car], object]:
        def fill(car: Car) -> Rec | None:
            starts_at = year.at(today, rng.randint(hour_first, hour_last), rng.choice((0, 15, 30, 45)))
            return come(today, starts_at=starts_at, **force)(car)
        return fill

    return {
        # deliveries: Year.sale_days already puts some in the last days
        "opportunities": manual_due(-10, 10),
        "overdue": manual_due(-10, -1),
        "due_today": manual_due(0, 0),
        "upcoming": manual_due(1, 14),
        "to_confirm": in_days(1, 14, status="scheduled"),
        "confirmed": in_days(1, 5, status="confirmed"),
        "today_pending": at_today(11, 16, status=rng.choice(("scheduled", "confirmed"))),
        "arrived_today": at_today(8, 9, status="arrived"),
        "no_shows": in_days(-6, -1, status="no_show"),
        "open_today": at_today(8, 9, status="arrived"),
        "open_yesterday": come(today - DAY, status="arrived", ro="open"),
        "open_week": in_days(-7, -2, status="arrived", ro="open"),
        "open_older": in_days(-20, -9, status="arrived", ro="open"),
        "done": in_days(-10, -2, status="arrived", ro="delivered"),
        "done_pending": in_days(-10, -2, status="arrived", ro="delivered", courtesy_pending=True),
        "booked_month": booked_today,
    }
