"""A year in the life of one demo branch, simulated vehicle by vehicle.

Each vehicle comes back for service every N days or N km (the branch's
projection rules and the vehicle's monthly km): an opportunity is projected
when a repair order is delivered (or when the welcome call of a sale is
made), the coordinator books it, the appointment turns into a repair order,
and so on. Loyal customers come, sporadic ones sometimes, lapsed ones not.
Around today the same rules leave open opportunities, vehicles in the shop,
appointments to confirm; `Guarantees` then makes sure every board list has
rows whatever the day.

Everything is dated from `today` (a local date of the branch) and stored in
UTC; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.table import Table

from app.demo import workshop
from app.demo.vehicles import Model
from app.tables import (
    Appointment,
    Campaign,
    CampaignUnit,
    ContactAttempt,
    Delivery,
    Opportunity,
    RepairOrder,
    RepairOrderLine,
)

DAY = dt.timedelta(days=1)


# --- rows before they are written ------------------------------------------------------


@dataclass(eq=False)
class Rec:
    """A row to insert; foreign keys may hold other Recs, resolved to ids when written."""

    table: type[Table]
    values: dict[str, Any]
    id: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value


class Plan:
    """Every row of the branch, in tables listed parents first."""

    def __init__(self, tables: tuple[type[Table], ...]) -> None:
        self.rows: dict[type[Table], list[Rec]] = {t: [] for t in tables}

    def add(self, table: type[Table], **values: Any) -> Rec:
        rec = Rec(table, values)
        self.rows[table].append(rec)
        return rec


# --- the branch ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The branch's settings that shape its history."""

    country: str
    currency: str
    timezone: str
    deliveries_days: int = 30
    opportunities_days: int = 15
    no_show_days: int = 7
    done_days: int = 15
    first_service_days: int = 180
    first_service_km: int = 10_000
    service_interval_days: int = 365
    service_interval_km: int = 10_000


@dataclass(frozen=True)
class Staff:
    coordinator: int | None
    advisor: int | None
    manager: int | None
    advisor_names: tuple[str, ...]  # as the DMS sends them; the first is the advisor user's, if any
    salespeople: tuple[str, ...]


@dataclass(frozen=True)
class Outcomes:
    """Call outcome ids of the branch's catalog, by what happened."""

    booked: int
    thinking: int
    not_interested: int
    later: int
    unreached: tuple[int, ...]
    welcome: tuple[int, ...]
    courtesy: tuple[int, ...]
    confirmed: int


@dataclass(eq=False)
class Car:
    """A vehicle and what the simulation knows about it."""

    vehicle: Rec
    person: Any  # people.Person (its .record is the owner's row)
    model: Model
    monthly_km: int
    loyalty: str  # loyal | sporadic | lapsed
    sold_on: dt.date
    km_at_sale: int
    new_sale: bool
    driver: Any = None
    delivery: Rec | None = None
    visits: list[dt.date] = field(default_factory=list)
    # What would project its next service: (source, created_at, links) or None.
    origin: tuple[str, dt.datetime, dict[str, Any]] | None = None
    open_keys: set[tuple[str, Any]] = field(default_factory=set)
    known_km_on: dt.date | None = None

    @property
    def owner(self) -> Rec:
        return self.person.record

    def km_on(self, day: dt.date) -> int:
        return int(self.km_at_sale + max((day - self.sold_on).days, 0) / 30.44 * self.monthly_km)

    def free(self, day: dt.date, margin: int) -> bool:
        return all(abs((seen - day).days) > margin for seen in self.visits)


@dataclass(frozen=True)
class Work:
    """What a visit is for."""

    kind: str  # service | repair | recall | declined
    reason: str
    job: workshop.Job | None = None
    thousands: int = 0


@dataclass(frozen=True)
class Force:
    """Outcomes a guarantee imposes instead of leaving them to chance."""

    status: str | None = None
    starts_at: dt.datetime | None = None
    ro: str | None = None  # open | delivered
    courtesy_pending: bool = False


_COMMENTS = {
    "welcome": ("Muy conforme con la entrega y la atención del vendedor.", "Consultó por el primer service; "
                "se le explicó el plan de mantenimiento.", "Observa un detalle en la pintura; se deriva a posventa.",
                "Pide que le avisen cuando corresponda el primer service.", ""),
    "courtesy": ("Conforme con el trabajo y la atención.", "Destaca la puntualidad en la entrega.",
                 "Reclama demora en la entrega de la unidad.", "Pregunta por el próximo service.", ""),
    "confirmation": ("Confirmó por teléfono.", "Confirmó por WhatsApp.", "Confirmado; trae la unidad temprano.", ""),
    "discard": ("Ya lo hizo en otro taller.", "Vendió la unidad a un particular.", "Le queda lejos el taller.",
                "Lo va a hacer más adelante.", "", "", ""),
}
_MANUAL_REASONS = (
    "Cliente consultó por cubiertas nuevas: llamar con presupuesto.",
    "Ofrecer revisión de aire acondicionado antes del verano.",
    "Pidió presupuesto de chapa y pintura del paragolpes.",
    "Llamar para ofrecer tratamiento cerámico de pintura.",
    "Pidió que lo llamen para coordinar el service de su segundo vehículo.",
    "Consultó por extensión de garantía.",
    "Revisar ruido en la suspensión que comentó en la última visita.",
)
_MX_WORDS = {"Cubiertas": "Llantas", "cubiertas": "llantas", "paragolpes": "defensa", "service": "servicio",
             "Service": "Servicio", "turno": "cita", "Turno": "Cita"}


class Year:
    """Simulates one branch's year into a Plan."""

    def __init__(self, rng: random.Random, today: dt.date, branch_id: int, rules: Rules, staff: Staff,
                 outcomes: Outcomes, discard_reasons: list[int], plan: Plan, concepts: dict[str, Rec]) -> None:
        self.rng = rng
        self.today = today
        self.branch_id = branch_id
        self.rules = rules
        self.staff = staff
        self.outcomes = outcomes
        self.discard_reasons = discard_reasons
        self.plan = plan
        self.concepts = concepts
        self.tz = ZoneInfo(rules.timezone)
        self.first_day = today - dt.timedelta(days=365)
        self.imported_at = self.at(self.first_day - dt.timedelta(days=10), 4, 0)  # the first DMS sync
        self.pricer = workshop.Pricer(rules.country, rules.currency)
        self.declined: list[tuple[Car, Rec, workshop.Job, dt.date]] = []
        self.cars: list[Car] = []

    # --- words ----------------------------------------------------------------------------

    def say(self, text: str) -> str:
        """Argentine wording into Mexican where the branch is in Mexico."""
        if self.rules.country == "AR":
            return text
        for ar, mx in _MX_WORDS.items():
            text = text.replace(ar, mx)
        return text

    # --- time -----------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz).astimezone(dt.UTC)

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def is_open(self, day: dt.date) -> bool:
        """Monday to Saturday; today and yesterday always (the demo must show them on a Monday too)."""
        return day.weekday() < 6 or day >= self.today - DAY

    def open_after(self, day: dt.date) -> dt.date:
        while not self.is_open(day):
            day += DAY
        return day

    def open_before(self, day: dt.date) -> dt.date:
        while not self.is_open(day):
            day -= DAY
        return day

    def visit_day(self, first: dt.date, last: dt.date) -> dt.date:
        """A random open day in [first, last]; Saturdays (half a day) half as likely."""
        for _ in range(20):
            day = self.between(first, last)
            if self.is_open(day) and (day.weekday() != 5 or day >= self.today - DAY or self.rng.random() < 0.5):
                return day
        return self.open_after(first)

    def office_time(self, day: dt.date, first: int = 9 * 60, last: int = 18 * 60 + 30) -> dt.datetime:
        """A moment of office hours; what already happened today happened this morning."""
        if day == self.today:
            first, last = 8 * 60, 10 * 60
        elif day.weekday() >= 5:
            last = min(last, 12 * 60 + 30)
        minute = self.rng.randint(first, max(first, last))
        return self.at(day, minute // 60, minute % 60)

    def appointment_start(self, day: dt.date) -> dt.datetime:
        """Reception works in 15-minute slots, mostly in the morning."""
        if day.weekday() >= 5 or self.rng.random() < 0.85:
            slot = self.rng.randint(8 * 4, (11 if day.weekday() >= 5 else 12) * 4 - 1)
        else:
            slot = self.rng.randint(14 * 4, 16 * 4 + 2)
        return self.at(day, slot // 4, slot % 4 * 15)

    def between(self, first: dt.date, last: dt.date) -> dt.date:
        """A random day from first to last; last when that span is empty (never later than asked)."""
        if last <= first:
            return last
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def time_slot(self, moment: dt.datetime) -> str:
        hour = moment.astimezone(self.tz).hour
        return "morning" if hour < 12 else "midday" if hour < 14 else "afternoon" if hour < 18 else "evening"

    # --- people ---------------------------------------------------------------------------

    def advisor(self) -> tuple[str, int | None]:
        name = self.rng.choice(self.staff.advisor_names)
        is_user = self.staff.advisor is not None and name == self.staff.advisor_names[0]
        return name, self.staff.advisor if is_user else None

    def discard_reason(self) -> int:
        weights = (12, 25, 12, 15, 10, 3, 8, 8, 7)[: len(self.discard_reasons)]
        return self.rng.choices(self.discard_reasons, weights=weights)[0]

    # --- service rules --------------------------------------------------------------------

    def interval_days(self, car: Car, first: bool) -> int:
        days, km = ((self.rules.first_service_days, self.rules.first_service_km) if first
                    else (self.rules.service_interval_days, self.rules.service_interval_km))
        return min(days, round(km / car.monthly_km * 30.44))

    def service_work(self, car: Car, day: dt.date, first: bool = False) -> Work:
        thousands = 10 if first else workshop.service_milestone(car.km_on(day))
        name = workshop.service_name(self.rules.country, thousands)
        return Work("service", f"Primer {name[0].lower()}{name[1:]}" if first else name, thousands=thousands)

    def repair_work(self) -> Work:
        job = workshop.pick(self.rng, workshop.REPAIRS)
        return Work("repair", self.pricer.text(job), job=job)

    # --- rows -----------------------------------------------------------------------------

    def attempt(self, car: Car, when: dt.datetime, purpose: str, outcome: int, reached: bool,
                user: int | None = None, comment: str = "", **links: Any) -> Rec:
        channel = "phone" if self.rng.random() < 0.75 else "whatsapp"
        return self.plan.add(ContactAttempt, branch=self.branch_id, customer=car.owner, purpose=purpose,
                             channel=channel, outcome=outcome, reached=reached, time_slot=self.time_slot(when),
                             comment=comment, user=user or self.staff.coordinator, created_at=when, **links)

    def opportunity(self, car: Car, kind: str, source: str, due_at: dt.datetime, created_at: dt.datetime,
                    reason: str, status: str = "open", campaign: Rec | None = None,
                    created_by: int | None = None, **links: Any) -> Rec | None:
        """None when the vehicle already has an open one of this kind (the partial unique index)."""
        if status == "open":
            key = (kind, campaign)
            if key in car.open_keys:
                return None
            car.open_keys.add(key)
        return self.plan.add(
            Opportunity, branch=self.branch_id, customer=car.owner, vehicle=car.vehicle, kind=kind, source=source,
            reason=reason, due_at=due_at, status=status, campaign=campaign, assigned_to=self.staff.coordinator,
            created_by=created_by, created_at=created_at, updated_at=created_at, **links,
        )

    def projection(self, car: Car, kind: str, due_day: dt.date, status: str) -> Rec | None:
        """The next-service opportunity, as the projection rules would have created it."""
        if car.origin is None:
            return None
        source, created_at, links = car.origin
        if kind != "welcome_followup" and source == "welcome_call":  # the first service never happened
            source, links = "projection", {}
        if kind == "welcome_followup":
            km = workshop.km_text(self.rules.country, self.rules.first_service_km)
            reason = self.say(f"Primer service: {km} o {self.rules.first_service_days // 30} meses desde la entrega")
        else:
            name = workshop.service_name(self.rules.country, workshop.service_milestone(car.km_on(due_day)))
            reason = f"{name} (plan de mantenimiento)"
        return self.opportunity(car, kind, source, self.at(due_day, 10), created_at, reason, status, **links)

    def discard(self, car: Car, opp: Rec, closed_at: dt.datetime) -> None:
        """Discarded with a reason, often right after the customer said no on the phone."""
        closed_at = max(closed_at, opp["created_at"] + dt.timedelta(minutes=30))
        opp.values.update(status="discarded", discard_reason=self.discard_reason(), closed_at=closed_at,
                          updated_at=closed_at, discard_comment=self.rng.choice(_COMMENTS["discard"]))
        if self.rng.random() < 0.5:
            self.attempt(car, closed_at, "opportunity", self.outcomes.not_interested, True, opportunity=opp)
            opp.values.update(attempt_count=1, last_attempt_at=closed_at)

    def close_booked(self, car: Car, opp: Rec, booked_at: dt.datetime) -> None:
        """Booked on the call that reached the customer, maybe after some that did not."""
        created_day = self.local_day(opp["created_at"])
        tries = [self.office_time(self.between(max(created_day + DAY, self.local_day(booked_at) - 6 * DAY),
                                               self.local_day(booked_at) - DAY))
                 for _ in range(self.rng.choice((0, 0, 1, 2)))]
        tries = sorted(t for t in tries if opp["created_at"] < t < booked_at)
        for moment in tries:
            self.attempt(car, moment, "opportunity", self.rng.choice(self.outcomes.unreached), False,
                         opportunity=opp)
        self.attempt(car, booked_at, "opportunity", self.outcomes.booked, True, opportunity=opp)
        opp.values.update(status="booked", closed_at=booked_at, updated_at=booked_at,
                          attempt_count=len(tries) + 1, last_attempt_at=booked_at)

    def work_open(self, car: Car, opp: Rec) -> None:
        """Attempts and reschedules on an open opportunity, up to this morning."""
        due_day = self.local_day(opp["due_at"])
        first = max(self.local_day(opp["created_at"]) + DAY, due_day - 12 * DAY)
        if first > self.today:
            return
        roll = self.rng.random()
        if roll < 0.12:
            when = self.office_time(self.between(first, min(self.today, due_day)))
            self.attempt(car, when, "opportunity", self.outcomes.later, True, opportunity=opp,
                         comment="Pidió que lo llamen más adelante.")
            moved = self.open_after(due_day + dt.timedelta(days=self.rng.randint(5, 20)))
            opp.values.update(due_at=self.at(moved, 10), reschedule_count=self.rng.choice((1, 1, 2)),
                              attempt_count=1, last_attempt_at=when, updated_at=when)
        elif roll < 0.5:
            count = self.rng.choices((1, 2, 3, 4, 5), weights=(40, 30, 15, 10, 5))[0]
            moments = sorted({self.office_time(self.between(first, self.today)) for _ in range(count)})
            for i, when in enumerate(moments):
                last = i == len(moments) - 1
                reached = last and self.rng.random() < 0.25
                outcome = self.outcomes.thinking if reached else self.rng.choice(self.outcomes.unreached)
                self.attempt(car, when, "opportunity", outcome, reached, opportunity=opp)
            opp.values.update(attempt_count=len(moments), last_attempt_at=moments[-1], updated_at=moments[-1])

    # --- sales ----------------------------------------------------------------------------

    def sale_days(self, count: int) -> list[dt.date]:
        """Delivery days over the year, denser lately; the last days never empty."""
        days = []
        for _ in range(count):
            day = max(self.today - dt.timedelta(days=int(365 * self.rng.random() ** 1.15)), self.first_day + DAY)
            days.append(self.visit_day(day, day + 2 * DAY) if day < self.today - 2 * DAY else day)
        recent = [self.today - dt.timedelta(days=self.rng.randint(0, 29)) for _ in range(12)]
        this_week = [self.today - dt.timedelta(days=self.rng.randint(0, 6)) for _ in range(4)]
        musts = [self.today, self.today - DAY, *this_week, *recent]
        for i, day in enumerate(musts[: count]):
            days[i] = self.open_before(day)
        return sorted(days)

    def deliver(self, car: Car) -> None:
        """The sales delivery of a new vehicle and its welcome call."""
        day = car.sold_on
        delivered_at = self.office_time(day, 10 * 60, 19 * 60)
        delivery = self.plan.add(Delivery, branch=self.branch_id, vehicle=car.vehicle, customer=car.owner,
                                 salesperson=self.rng.choice(self.staff.salespeople), delivered_at=delivered_at,
                                 created_at=delivered_at, updated_at=delivered_at)
        car.delivery = delivery
        age = (self.today - day).days
        call_day = self.open_after(day + dt.timedelta(days=self.rng.randint(1, 3)))
        if call_day > self.today or self.rng.random() >= (0.92 if age > 7 else 0.3 if age >= 2 else 0):
            return
        if self.rng.random() < 0.3 and call_day - DAY > day:
            self.attempt(car, self.office_time(call_day - DAY), "welcome", self.rng.choice(self.outcomes.unreached),
                         False, delivery=delivery)
        called_at = self.office_time(call_day)
        outcome = self.rng.choices(self.outcomes.welcome, weights=(80, 20)[: len(self.outcomes.welcome)])[0]
        comment = self.rng.choice(_COMMENTS["welcome"])
        self.attempt(car, called_at, "welcome", outcome, True, comment=comment, delivery=delivery)
        delivery.values.update(welcome_call_status="done", welcome_call_outcome=outcome, welcome_call_comment=comment,
                               welcome_called_at=called_at, welcome_called_by=self.staff.coordinator,
                               updated_at=called_at)
        car.origin = ("welcome_call", called_at, {"delivery": delivery, "created_by": self.staff.coordinator})

    # --- visits ---------------------------------------------------------------------------

    def visit(self, car: Car, day: dt.date, via: str, work: Work, opportunity: Rec | None = None,
              booked_at: dt.datetime | None = None, force: Force | None = None) -> Rec | None:
        """A visit to the workshop: its appointment (unless a walk-in) and, when the
        vehicle came, its repair order. Returns the appointment."""
        force = force or Force()
        car.visits.append(day)
        if via == "walkin":
            opened_at = self.office_time(day, 8 * 60, 16 * 60)
            self.repair_order(car, day, opened_at, work, force)
            return None
        starts_at = force.starts_at or self.appointment_start(day)
        if booked_at is None:
            created_day = min(self.today, day - dt.timedelta(days=self.rng.randint(1, 14)))
            booked_at = self.office_time(max(created_day, self.first_day))
        status = force.status or self.appointment_status(day, starts_at)
        name, advisor = self.advisor()
        appointment = self.plan.add(
            Appointment, branch=self.branch_id, customer=car.owner, vehicle=car.vehicle, opportunity=opportunity,
            starts_at=starts_at, status=status, source=via, advisor=advisor, advisor_name=name,
            reason=work.reason, created_by=self.staff.coordinator if via == "board" else None,
            created_at=booked_at, updated_at=booked_at,
        )
        self.confirm(car, appointment, day, status)
        if status == "arrived":
            arrived_at = starts_at + dt.timedelta(minutes=self.rng.randint(-15, 20))
            ro = self.repair_order(car, day, arrived_at + dt.timedelta(minutes=self.rng.randint(5, 25)), work, force)
            appointment.values.update(arrived_at=arrived_at, repair_order=ro, check_in_source="dms",
                                      updated_at=arrived_at)
        elif status == "cancelled":
            latest = min(starts_at - dt.timedelta(hours=2), self.at(self.today, 9))
            cancelled_at = booked_at + (latest - booked_at) * self.rng.random() if latest > booked_at else booked_at
            appointment.values.update(cancelled_at=cancelled_at, updated_at=cancelled_at)
        elif status == "no_show":
            self.no_show(car, appointment, day, work)
        return appointment

    def appointment_status(self, day: dt.date, starts_at: dt.datetime) -> str:
        roll = self.rng.random()
        if day < self.today:
            return "no_show" if roll < 0.06 else "cancelled" if roll < 0.10 else "arrived"
        if day == self.today:
            if starts_at.astimezone(self.tz).hour * 60 + starts_at.astimezone(self.tz).minute < 10 * 60 + 30:
                return "arrived"
            return "confirmed" if roll < 0.6 else "scheduled"
        if roll < 0.03:
            return "cancelled"
        return "confirmed" if roll < (0.65 if day <= self.today + 2 * DAY else 0.25) else "scheduled"

    def confirm(self, car: Car, appointment: Rec, day: dt.date, status: str) -> None:
        """Reminder e-mail two days before; confirmation the day before (or when booked)."""
        booked_at = appointment["created_at"]
        reminder = self.at(day - 2 * DAY, 10)
        if booked_at < reminder <= self.at(self.today, 10) and self.rng.random() < 0.6:
            appointment["reminder_sent_at"] = reminder
        odds = {"arrived": 0.7, "no_show": 0.4, "confirmed": 1.0}.get(status, 0)
        if self.rng.random() >= odds:
            return
        confirm_day = min(self.open_before(day - DAY), self.today)
        confirmed_at = self.office_time(confirm_day)
        if confirmed_at <= booked_at:
            confirmed_at = booked_at + dt.timedelta(minutes=5)
        by_board = self.rng.random() < 0.7
        comment = self.rng.choice(_COMMENTS["confirmation"]) if by_board else ""
        appointment.values.update(confirmed_at=confirmed_at, confirmed_by=self.staff.coordinator if by_board else None,
                                  confirmation_comment=comment, updated_at=confirmed_at)
        if by_board:
            self.attempt(car, confirmed_at, "confirmation", self.outcomes.confirmed, True, appointment=appointment)

    def no_show(self, car: Car, appointment: Rec, day: dt.date, work: Work) -> None:
        """A recent no-show waits for its recontact; an older one was rebooked or given up."""
        word = "turno" if self.rules.country == "AR" else "cita"
        reason = f"No se presentó al {word} del {day:%d/%m/%Y}"
        created_at = self.at(day, 19)
        if (self.today - day).days <= self.rules.no_show_days:
            if self.rng.random() < 0.5:
                due_day = self.open_after(day + dt.timedelta(days=self.rng.randint(1, 3)))
                opp = self.opportunity(car, "no_show", "appointment", self.at(due_day, 10), created_at, reason,
                                       created_by=self.staff.coordinator)
                if opp and due_day <= self.today and self.rng.random() < 0.5:
                    when = self.office_time(due_day)
                    self.attempt(car, when, "recontact", self.rng.choice(self.outcomes.unreached), False,
                                 opportunity=opp, appointment=appointment)
                    opp.values.update(attempt_count=1, last_attempt_at=when, updated_at=when)
            return
        booked_day = self.open_after(day + dt.timedelta(days=self.rng.randint(1, 3)))
        if self.rng.random() < 0.5:
            opp = self.opportunity(car, "no_show", "appointment", self.at(booked_day, 10), created_at, reason,
                                   status="discarded", created_by=self.staff.coordinator)
            self.discard(car, opp, self.office_time(booked_day))
            return
        opp = self.opportunity(car, "no_show", "appointment", self.at(booked_day, 10), created_at, reason,
                               status="booked", created_by=self.staff.coordinator)
        booked_at = self.office_time(booked_day)
        self.visit(car, self.visit_day(booked_day + 2 * DAY, booked_day + 8 * DAY), "board", work, opportunity=opp,
                   booked_at=booked_at)
        self.close_booked(car, opp, booked_at)

    # --- repair orders --------------------------------------------------------------------

    def repair_order(self, car: Car, day: dt.date, opened_at: dt.datetime, work: Work, force: Force) -> Rec:
        age = (self.today - day).days
        delivered_at = None
        stays = 1.0 if age == 0 else 0.55 if age == 1 else 0.2 if age <= 7 else 0.04 if age <= 21 else 0
        if force.ro != "open" and self.rng.random() >= stays:
            delivered_at = self.pickup_time(day, opened_at)
        if force.ro == "delivered" and delivered_at is None:
            delivered_at = self.at(day, 17, self.rng.randint(0, 59))
        stage = "finished" if delivered_at else self.open_stage(age)
        name, advisor = self.advisor()
        ro = self.plan.add(RepairOrder, branch=self.branch_id, customer=car.owner, vehicle=car.vehicle,
                           advisor=advisor, advisor_name=name, opened_at=opened_at, stage=stage,
                           status="delivered" if delivered_at else "open", delivered_at=delivered_at,
                           odometer_km=car.km_on(day), created_at=opened_at, updated_at=delivered_at or opened_at)
        ro["finished_at"] = self.finished_at(opened_at, delivered_at, stage)
        if delivered_at and self.rng.random() < 0.2:
            ro["delivered_by"] = self.staff.advisor  # marked "unidad entregada" on the board
        self.lines(car, ro, day, work, stage, waiting_parts=age > 7 and not delivered_at)
        if delivered_at:
            self.courtesy(car, ro, delivered_at, force.courtesy_pending)
        if work.kind == "service":
            car.origin = ("projection", delivered_at, {"repair_order": ro}) if delivered_at else None
        if car.known_km_on is None or day > car.known_km_on:
            car.known_km_on = day
            car.vehicle.values.update(odometer_km=ro["odometer_km"], odometer_read_on=day)
        return ro

    def pickup_time(self, day: dt.date, opened_at: dt.datetime) -> dt.datetime | None:
        """When the customer took the vehicle back, or None if it is still in the shop."""
        roll = self.rng.random()
        offset = 0 if roll < 0.55 else self.rng.randint(1, 3) if roll < 0.9 else self.rng.randint(4, 10)
        pickup = self.open_after(day + dt.timedelta(days=offset))
        if pickup > self.today or (pickup == self.today and offset == 0):
            return None
        if pickup == self.today:
            return self.office_time(pickup)
        if offset == 0:
            return max(self.office_time(day, 16 * 60 + 30, 19 * 60 + 30), opened_at + dt.timedelta(hours=2))
        return self.office_time(pickup)

    def open_stage(self, age: int) -> str:
        if age == 0:
            return self.rng.choices(("quote", "authorization", "in_process"), weights=(3, 3, 4))[0]
        return self.rng.choices(("authorization", "in_process", "finished"), weights=(15, 60, 25))[0]

    def finished_at(self, opened_at: dt.datetime, delivered_at: dt.datetime | None, stage: str) -> dt.datetime | None:
        if delivered_at:
            return max(delivered_at - dt.timedelta(minutes=self.rng.randint(30, 180)),
                       opened_at + dt.timedelta(minutes=45))
        if stage != "finished":
            return None
        return min(opened_at + dt.timedelta(hours=self.rng.randint(3, 30)), self.at(self.today, 9, 30))

    def lines(self, car: Car, ro: Rec, day: dt.date, work: Work, stage: str, waiting_parts: bool) -> None:
        """The order's lines: the work itself, maybe an extra the customer authorised,
        maybe one declined (followed up later)."""
        age = (self.today - day).days
        if work.kind == "service":
            main = self.pricer.service_lines(self.rng, work.thousands, car.model.kind, age)
        elif work.kind == "recall":
            main = [self.pricer.line("CAMPANA", 1, age, 1.0, "recall"), self.pricer.line("LAVADO", 1, age, 1.0)]
            main[0].description = work.reason
        else:
            main = self.pricer.job_lines(work.job, age, car.model.kind)
        if waiting_parts:
            main[0].incident = "Esperando repuesto de fábrica."
        extras = workshop.EXTRA_JOBS
        extra = self.rng.choice(extras) if self.rng.random() < 0.25 else None
        declined = self.rng.choice([j for j in extras if j is not extra]) if self.rng.random() < 0.18 else None
        extra_lines = self.pricer.job_lines(extra, age, car.model.kind) if extra else []
        declined_lines = self.pricer.job_lines(declined, age, car.model.kind) if declined else []
        follow_up_on = day + dt.timedelta(days=self.rng.randint(15, 60)) if declined else None
        total = Decimal(0)
        for number, line in enumerate(main + extra_lines + declined_lines, start=1):
            approval = self.approval(stage, line in main, line in declined_lines)
            if approval == "authorised" and line.amount is not None:
                total += line.amount
            self.plan.add(RepairOrderLine, branch=self.branch_id, repair_order=ro, line_no=number,
                          concept=self.concepts[line.code], description=line.description, kind=line.kind,
                          quantity=Decimal(line.quantity), amount=line.amount, approval=approval,
                          follow_up_on=follow_up_on if approval == "declined" else None, incident=line.incident)
        ro["total_amount"] = None if stage == "quote" else total
        if declined and ro["status"] == "delivered":
            self.declined.append((car, ro, declined, follow_up_on))

    @staticmethod
    def approval(stage: str, is_main: bool, is_declined: bool) -> str:
        if stage == "quote" or (stage == "authorization" and not is_main):
            return "pending"
        return "declined" if is_declined else "authorised"

    def courtesy(self, car: Car, ro: Rec, delivered_at: dt.datetime, keep_pending: bool) -> None:
        delivered_day = self.local_day(delivered_at)
        since = (self.today - delivered_day).days
        call_day = self.open_after(delivered_day + dt.timedelta(days=self.rng.randint(1, 3)))
        odds = 0.85 if since >= 3 else 0.3 if since >= 1 else 0
        if keep_pending or call_day > self.today or self.rng.random() >= odds:
            return
        called_at = self.office_time(call_day)
        by = self.staff.coordinator if self.rng.random() < 0.6 else self.staff.advisor
        outcome = self.rng.choices(self.outcomes.courtesy, weights=(85, 15)[: len(self.outcomes.courtesy)])[0]
        comment = self.rng.choice(_COMMENTS["courtesy"])
        self.attempt(car, called_at, "courtesy", outcome, True, user=by, comment=comment, repair_order=ro)
        ro.values.update(courtesy_call_status="done", courtesy_call_outcome=outcome, courtesy_call_comment=comment,
                         courtesy_called_at=called_at, courtesy_called_by=by, updated_at=called_at)

    # --- the service cycle of one vehicle ---------------------------------------------------

    def service_history(self, car: Car) -> None:
        """Due, booked or not, visited or not — from the year's start to the open projection."""
        window = dt.timedelta(days=self.rules.opportunities_days)
        first = car.delivery is not None
        if first:
            prev = car.sold_on
        else:
            prev = self.first_day - dt.timedelta(days=self.rng.randint(0, self.interval_days(car, False) - 1))
            car.origin = ("projection", self.at(prev, 19), {})
        while True:
            kind = "welcome_followup" if first else "maintenance"
            due_day = prev + dt.timedelta(days=self.interval_days(car, first) + self.rng.randint(-7, 7))
            if due_day < self.first_day:
                prev, first = due_day, False
                car.origin = ("projection", self.at(prev, 19), {})
                continue
            if due_day > self.today + window:
                self.projection(car, kind, due_day, "open")
                return
            if due_day >= self.today - window:
                prev = self.window_cycle(car, kind, due_day, first)
            else:
                prev = self.past_cycle(car, kind, due_day, first)
            if prev is None or prev >= self.today:  # nothing more to project until that visit's order is delivered
                return
            first = False

    def past_cycle(self, car: Car, kind: str, due_day: dt.date, first: bool) -> dt.date:
        come = {"loyal": 0.85, "sporadic": 0.45, "lapsed": 0.0}[car.loyalty]
        if self.rng.random() >= come:
            if car.origin and self.rng.random() < 0.6:
                opp = self.projection(car, kind, due_day, "discarded")
                closed_day = min(self.open_after(due_day + dt.timedelta(days=self.rng.randint(0, 20))),
                                 self.today - DAY)
                self.discard(car, opp, self.office_time(closed_day))
            return due_day
        day = self.visit_day(max(due_day - 12 * DAY, self.first_day + DAY), due_day + 18 * DAY)
        work = self.service_work(car, day, first)
        via = self.rng.choices(("board", "dms", "walkin"), weights=(55 if car.origin else 0, 33, 12))[0]
        if via == "board":
            booked_at = self.booking_time(car.origin[1], day)
            opp = self.projection(car, kind, due_day, "booked")
            self.visit(car, day, "board", work, opportunity=opp, booked_at=booked_at)
            self.close_booked(car, opp, booked_at)
        else:
            self.visit(car, day, via, work)
        return car.visits[-1]

    def booking_time(self, origin_at: dt.datetime, visit_day: dt.date) -> dt.datetime:
        earliest = self.local_day(origin_at) + DAY
        day = max(earliest, min(visit_day - dt.timedelta(days=self.rng.randint(2, 12)), self.today))
        if day >= visit_day:
            return max(origin_at + dt.timedelta(minutes=30), self.at(visit_day, 7, 30))
        return self.office_time(day)

    def window_cycle(self, car: Car, kind: str, due_day: dt.date, first: bool) -> dt.date | None:
        """Due within ± the opportunity window of today: open, booked or discarded."""
        if car.origin is None:
            if due_day <= self.today and self.rng.random() < 0.25:  # booked straight with the DMS
                day = self.visit_day(due_day, due_day + 12 * DAY)
                self.visit(car, day, "dms", self.service_work(car, day, first))
            return None
        weights = {"loyal": (55, 32, 13), "sporadic": (65, 20, 15), "lapsed": (70, 0, 30)}[car.loyalty]
        fate = self.rng.choices(("open", "booked", "discarded"), weights=weights)[0]
        if fate == "open":
            opp = self.projection(car, kind, due_day, "open")
            if opp is not None:
                self.work_open(car, opp)
            return None
        created_day = self.local_day(car.origin[1])
        if fate == "discarded":
            opp = self.projection(car, kind, due_day, "discarded")
            closed_day = self.between(max(created_day + DAY, due_day - 10 * DAY), self.today)
            self.discard(car, opp, self.office_time(closed_day))
            return None
        booking_day = self.between(max(created_day + DAY, due_day - 20 * DAY), self.today)
        booked_at = max(self.office_time(booking_day), car.origin[1] + dt.timedelta(minutes=30))
        day = self.visit_day(self.local_day(booked_at) + DAY, self.local_day(booked_at) + 12 * DAY)
        opp = self.projection(car, kind, due_day, "booked")
        self.visit(car, day, "board", self.service_work(car, day, first), opportunity=opp, booked_at=booked_at)
        self.close_booked(car, opp, booked_at)
        return day if day < self.today else None

    # --- other reasons to call ----------------------------------------------------------------

    def declined_follow_ups(self) -> None:
        """Declined lines come back as opportunities on the day agreed with the customer."""
        window = self.rules.opportunities_days
        i = 0
        while i < len(self.declined):
            car, ro, job, follow_up_on = self.declined[i]
            i += 1
            offset = (follow_up_on - self.today).days
            if offset < -window:
                fate = self.rng.choices(("discarded", "booked"), weights=(65, 35))[0]
            elif offset <= window:
                fate = self.rng.choices(("open", "discarded", "booked"), weights=(70, 15, 15))[0]
            else:
                fate = "open"
            created_at = ro["delivered_at"]
            created_day = self.local_day(created_at)
            booking_day = self.between(created_day + DAY, min(self.today, follow_up_on + 5 * DAY))
            visit_day = self.visit_day(booking_day + DAY, booking_day + 10 * DAY)
            if fate == "booked" and not car.free(visit_day, 10):
                fate = "discarded" if offset < 0 else "open"
            reason = f"Trabajo no autorizado: {self.pricer.text(job)}"
            opp = self.opportunity(car, "declined_work", "repair_order", self.at(follow_up_on, 10), created_at,
                                   reason, status=fate, repair_order=ro)
            if opp is None:
                continue
            if fate == "open":
                self.work_open(car, opp)
            elif fate == "discarded":
                closed_day = self.between(created_day + DAY, min(self.today, follow_up_on + 10 * DAY))
                self.discard(car, opp, self.office_time(closed_day))
            else:
                booked_at = max(self.office_time(booking_day), created_at + dt.timedelta(hours=1))
                work = Work("declined", self.pricer.text(job), job=job)
                self.visit(car, visit_day, "board", work, opportunity=opp, booked_at=booked_at)
                self.close_booked(car, opp, booked_at)

    def lapsed(self) -> None:
        """The monthly generator's list: vehicles not seen for six months."""
        cutoff = self.today - dt.timedelta(days=180)
        window = self.rules.opportunities_days
        for car in self.cars:
            last_seen = max([*car.visits, car.sold_on])
            if last_seen >= cutoff or car.open_keys or self.rng.random() >= 0.3:
                continue
            due_day = self.today + dt.timedelta(days=self.rng.randint(-window, window))
            created_at = self.at(min(due_day, self.today).replace(day=1), 6)
            fate = "open" if self.rng.random() < 0.75 else "discarded"
            reason = f"Sin visitas al taller desde el {last_seen:%d/%m/%Y}"
            opp = self.opportunity(car, "lapsed", "generator", self.at(due_day, 10), created_at, reason, status=fate)
            if opp is None:
                continue
            if fate == "open":
                self.work_open(car, opp)
            else:
                closed_day = self.between(self.local_day(created_at) + DAY, self.today)
                self.discard(car, opp, self.office_time(closed_day))

    def recall(self, campaign_name: str, bulletin: str, affected: list[Car]) -> None:
        """A safety recall processed 45 days ago: one opportunity per affected vehicle."""
        created_at = self.at(self.today - dt.timedelta(days=45), 10)
        campaign = self.plan.add(
            Campaign, branch=self.branch_id, kind="recall", name=campaign_name, bulletin_code=bulletin,
            description=self.say("Reemplazo preventivo indicado por la terminal. Sin cargo para el cliente; "
                                 "duración estimada 1 h 30 min. Coordinar turno con repuesto asignado."),
            due_on=self.today + dt.timedelta(days=120), parts_required=True, parts_status="available",
            status="active", created_by=self.staff.manager, created_at=created_at, updated_at=created_at,
        )
        processed_at = created_at + dt.timedelta(hours=1)
        window = self.rules.opportunities_days
        for car in affected:
            due_day = self.today + dt.timedelta(days=self.rng.randint(-40, 25))
            in_window = (due_day - self.today).days >= -window
            fate = self.rng.choices(("open", "booked", "discarded"),
                                    weights=(65, 25, 10) if in_window else (15, 65, 20))[0]
            booking_day = self.between(self.local_day(processed_at) + DAY, min(due_day, self.today))
            visit_day = self.visit_day(booking_day + DAY, booking_day + 12 * DAY)
            if fate == "booked" and not car.free(visit_day, 10):
                fate = "open"
            opp = self.opportunity(car, "recall", "campaign", self.at(due_day, 10), processed_at, campaign_name,
                                   status=fate, campaign=campaign, created_by=self.staff.manager)
            if opp is None:
                continue
            self.plan.add(CampaignUnit, branch=self.branch_id, campaign=campaign, vehicle=car.vehicle, selected=True,
                          parts_status="available", opportunity=opp, created_at=processed_at)
            if fate == "open":
                self.work_open(car, opp)
            elif fate == "discarded":
                self.discard(car, opp, self.office_time(self.between(booking_day, self.today)))
            else:
                booked_at = self.office_time(booking_day)
                self.visit(car, visit_day, "board", Work("recall", f"{campaign_name} ({bulletin})"),
                           opportunity=opp, booked_at=booked_at)
                self.close_booked(car, opp, booked_at)

    def manual(self, car: Car, due_day: dt.date, status: str = "open") -> Rec | None:
        """An opportunity a user created from a list."""
        created_day = min(self.today, due_day - dt.timedelta(days=self.rng.randint(1, 20)))
        by = self.staff.coordinator if self.rng.random() < 0.7 else self.staff.advisor
        reason = self.say(self.rng.choice(_MANUAL_REASONS))
        return self.opportunity(car, "manual", "user", self.at(due_day, self.rng.choice((9, 10, 11, 16))),
                                self.office_time(max(created_day, self.first_day)), reason, status=status,
                                created_by=by)

    def web_booking(self, car: Car) -> None:
        """Booked from the customer's link last night or this morning: confirm today."""
        booked_at = self.at(self.today - DAY, 21, self.rng.randint(0, 59)) if self.rng.random() < 0.5 else \
            self.at(self.today, 7, self.rng.randint(0, 50))
        day = self.visit_day(self.today + DAY, self.today + 6 * DAY)
        self.visit(car, day, "web", self.service_work(car, day), booked_at=booked_at, force=Force(status="scheduled"))
        reason = self.say("Turno pedido desde el enlace del cliente: confirmar hoy")
        self.opportunity(car, "web_booking", "web", self.at(self.today, 9), booked_at, reason)

    def upcoming_dms_appointments(self, cars: list[Car]) -> None:
        """Appointments the reception books straight in the DMS for the next three weeks."""
        pool = iter(cars)
        for offset in range(0, 22):
            day = self.today + dt.timedelta(days=offset)
            if not self.is_open(day):
                continue
            for _ in range(self.rng.randint(2, 5) if offset <= 7 else self.rng.randint(0, 3)):
                car = next((c for c in pool if c.free(day, 20)), None)
                if car is None:
                    return
                work = self.repair_work() if self.rng.random() < 0.5 else self.service_work(car, day)
                later_today = Force(starts_at=self.at(day, self.rng.randint(11, 16), self.rng.choice((0, 15, 30, 45))))
                self.visit(car, day, "dms", work, force=later_today if day == self.today else None)

    def walk_ins(self, cars: list[Car]) -> None:
        """Repairs without an appointment, over the whole year."""
        for car in cars:
            day = self.visit_day(self.first_day + DAY, self.today)
            if car.free(day, 20):
                self.visit(car, day, "walkin", self.repair_work())
