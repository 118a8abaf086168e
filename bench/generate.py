"""The bench data set: one dealer, N branches and three years of aftersales
history dated relative to today, in a PostgreSQL database of its own.

Loading: the app's migrations build the schema; the reference rows (dealer,
branches, catalogs, users) go in with plain INSERTs; the six big tables go in
with asyncpg `copy_records_to_table` (binary COPY), with their secondary
indexes and foreign keys dropped first and rebuilt afterwards from the exact
definitions the migrations created (bulk-build is faster than index upkeep
per row, and rebuilding the foreign keys validates every reference). Then
VACUUM ANALYZE, as autovacuum would have left a table of that age.

Repair-order lines are not generated: the board home does not read them.

A row in `bench_info` marks a finished load (scale, generator version, the
timings); `make bench` reuses a database that has it, `--regenerate` forces
a new load. Everything is deterministic for a given scale and day.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bench.common import PASSWORD, PYTHON, ROOT, Scale, app_environment, database_name, maintenance_url

GENERATOR_VERSION = 2
DAYS = 3 * 365  # history length
DAY = 86_400.0
HOUR = 3_600.0
COPIED = ("customer", "vehicle", "delivery", "repair_order", "opportunity", "appointment")
# Derived from the copied rows by INSERT … SELECT on the server (no Python row by row):
# the repair orders' lines, the calls behind every done call and attempt count, the reminder e-mails.
DERIVED = ("repair_order_line", "contact_attempt", "outbox_message")
BULK = (*COPIED, *DERIVED)
MARKER = "bench_info"
# The data is dated relative to the day it was generated; after a week the
# board's windows (last 30 days, ±15 days…) hold noticeably fewer rows.
MAX_AGE_DAYS = 7
DEALER = "Retorno Bench"

AR = dict(country="AR", locale="es-AR", timezone="America/Argentina/Buenos_Aires", currency="ARS")
MX = dict(country="MX", locale="es-MX", timezone="America/Mexico_City", currency="MXN")
CITIES_AR = ("Palermo", "Belgrano", "Caballito", "Rosario", "Córdoba", "Mendoza", "La Plata", "Mar del Plata",
             "San Isidro", "Pilar", "Neuquén", "Salta", "Tucumán", "Bahía Blanca", "Santa Fe")
CITIES_MX = ("Querétaro", "Monterrey", "Guadalajara", "Puebla", "León", "Toluca", "Mérida", "Saltillo")
FIRST = ("Juan", "María", "Carlos", "Ana", "Luis", "Laura", "Jorge", "Sofía", "Diego", "Valeria", "Martín", "Lucía",
         "Pablo", "Camila", "Andrés", "Florencia", "Ricardo", "Gabriela", "Fernando", "Paula", "Miguel", "Daniela",
         "Javier", "Carolina", "Sergio", "Natalia", "Alejandro", "Verónica", "Roberto", "Mariana")
LAST = ("González", "Rodríguez", "Fernández", "López", "Martínez", "García", "Pérez", "Sánchez", "Romero", "Díaz",
        "Álvarez", "Torres", "Ruiz", "Ramírez", "Flores", "Benítez", "Acosta", "Medina", "Herrera", "Suárez",
        "Aguirre", "Giménez", "Gutiérrez", "Pereyra", "Molina", "Castro", "Ortiz", "Silva", "Rojas", "Núñez")
ASCII = str.maketrans("áéíóúÁÉÍÓÚñÑ", "aeiouAEIOUnN")
MODELS = (("Toyota", "Hilux"), ("Toyota", "Corolla"), ("Toyota", "Yaris"), ("Volkswagen", "Amarok"),
          ("Volkswagen", "Polo"), ("Ford", "Ranger"), ("Ford", "Territory"), ("Fiat", "Cronos"),
          ("Chevrolet", "Onix"), ("Chevrolet", "Tracker"), ("Renault", "Kangoo"), ("Peugeot", "208"),
          ("Nissan", "Versa"), ("Nissan", "Frontier"), ("Honda", "HR-V"), ("Jeep", "Renegade"))
COLOURS = ("Blanco", "Gris plata", "Negro", "Rojo", "Azul", "Gris oscuro", "Bordó")
ADVISORS = ("Andrés Villalba", "Marcela Ríos", "Hernán Sosa", "Lorena Paz", "Ezequiel Ponce", "Julieta Vera")
SELLERS = ("Santiago Luna", "Victoria Campos", "Federico Ibarra", "Agustina Roldán")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# (kind, source, weight) of opportunities
KINDS = (("maintenance", "projection", 55), ("welcome_followup", "welcome_call", 10), ("lapsed", "generator", 10),
         ("declined_work", "repair_order", 9), ("no_show", "appointment", 5), ("manual", "user", 6),
         ("web_booking", "web", 3), ("recall", "campaign", 2))
REASONS = {"maintenance": "Service de los 10.000 km", "welcome_followup": "Primer service",
           "lapsed": "Sin visitas hace 6 meses", "declined_work": "Cambio de pastillas de freno no autorizado",
           "no_show": "No se presentó al turno", "manual": "Pidió que lo llamen", "web_booking": "Reserva web",
           "recall": "Campaña de seguridad"}

COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("id", "branch", "dms_id", "first_name", "last_name", "name", "tax_id_type", "tax_id",
                 "phone_mobile", "email", "city", "state", "created_at", "updated_at"),
    "vehicle": ("id", "branch", "dms_id", "vin", "plate", "make", "model", "model_year", "colour", "odometer_km",
                "odometer_read_on", "monthly_km", "owner", "sold_on", "created_at", "updated_at"),
    "delivery": ("id", "branch", "dms_id", "vehicle", "customer", "salesperson", "delivered_at",
                 "welcome_call_status", "welcome_call_outcome", "welcome_called_at", "welcome_called_by",
                 "created_at", "updated_at"),
    "repair_order": ("id", "branch", "dms_id", "number", "customer", "vehicle", "advisor_name", "opened_at", "stage",
                     "status", "finished_at", "delivered_at", "odometer_km", "total_amount", "courtesy_call_status",
                     "courtesy_call_outcome", "courtesy_called_at", "courtesy_called_by", "created_at",
                     "updated_at"),
    "opportunity": ("id", "branch", "customer", "vehicle", "kind", "source", "reason", "due_at", "status",
                    "discard_reason", "closed_at", "attempt_count", "last_attempt_at", "created_at", "updated_at"),
    "appointment": ("id", "branch", "dms_id", "customer", "vehicle", "starts_at", "status", "source",
                    "advisor_name", "reason", "confirmed_at", "arrived_at", "check_in_source", "cancelled_at",
                    "reminder_sent_at", "created_at", "updated_at"),
}


class BenchDatabaseError(Exception):
    """The bench database cannot be used; str(exc) is one line for the operator."""


@dataclass
class BranchRef:
    index: int
    id: int
    code: str
    name: str
    timezone: str
    locale: str
    midnight: float  # epoch of today's local midnight
    today_fraction: float  # how much of today's business hours (8–18 h local) has gone by
    coordinator: int = 0
    discard_reasons: list[int] = field(default_factory=list)
    welcome_outcomes: list[int] = field(default_factory=list)
    courtesy_outcomes: list[int] = field(default_factory=list)


@dataclass
class World:
    scale: Scale
    now: float
    rng: random.Random
    branches: list[BranchRef]
    owner: list[int] = field(default_factory=list)  # vehicle index → customer id
    sold_day: dict[int, int] = field(default_factory=dict)  # vehicle index → day index of its sale

    @property
    def per_branch(self) -> dict[str, int]:
        s, n = self.scale, self.scale.branches
        return dict(customers=s.customers // n, vehicles=s.vehicles // n, deliveries=s.deliveries // n,
                    repair_orders=s.repair_orders // n, opportunities=s.opportunities // n,
                    appointments=s.appointments // n)


def ts(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC)


def weekday_weight(day: dt.date) -> float:
    return (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.04)[day.weekday()]


def spread(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """`total` split over days in proportion to jittered weights, summing exactly."""
    jittered = [w * rng.uniform(0.7, 1.3) for w in weights]
    whole = sum(jittered) or 1.0
    out, acc, before = [], 0.0, 0
    for w in jittered:
        acc += w
        upto = round(total * acc / whole)
        out.append(upto - before)
        before = upto
    return out


# --- the rows -------------------------------------------------------------------


def customers(w: World) -> Iterator[tuple[Any, ...]]:
    rng, per = w.rng, w.per_branch["customers"]
    start = w.now - (DAYS + 2 * 365) * DAY
    for b in w.branches:
        mx = b.locale == "es-MX"
        for j in range(per):
            cid = b.index * per + j + 1
            first, last = FIRST[rng.randrange(30)], LAST[rng.randrange(30)]
            created = ts(start + rng.random() * (w.now - start))
            email = f"{first}.{last}{cid}@correo.example".translate(ASCII).lower()
            phone = f"+52442{rng.randrange(1_000_000, 9_999_999)}" if mx else f"+54911{rng.randrange(10**7, 10**8)}"
            yield (cid, b.id, f"C{cid}", first, last, f"{first} {last}", "rfc" if mx else "dni",
                   "" if mx else str(rng.randrange(10_000_000, 45_000_000)), phone, email, b.name, "", created,
                   created)


def vehicles(w: World) -> Iterator[tuple[Any, ...]]:
    rng, per, per_customer = w.rng, w.per_branch["vehicles"], w.per_branch["customers"]
    today = dt.date.fromtimestamp(w.now)
    w.owner = [0] * (per * len(w.branches))
    for b in w.branches:
        for j in range(per):
            n = b.index * per + j
            vid = n + 1
            # every customer owns one; the rest are second cars of random customers
            owner = b.index * per_customer + (j if j < per_customer else rng.randrange(per_customer)) + 1
            w.owner[n] = owner
            sold = w.sold_day.get(n)
            sold_on = today - dt.timedelta(days=DAYS - sold) if sold is not None else None
            year = sold_on.year if sold_on else rng.randrange(2010, today.year)
            monthly = rng.randrange(500, 2600)
            age_months = max(1, (today.year - year) * 12)
            make, model = MODELS[rng.randrange(len(MODELS))]
            plate = (LETTERS[n % 23] + LETTERS[n // 23 % 23] + f"{n % 1000:03d}" + LETTERS[n // 529 % 23]
                     + LETTERS[n // 12167 % 23])
            created = ts(w.now - rng.random() * DAYS * DAY)
            yield (vid, b.id, f"V{vid}", f"9BW{vid:014d}", plate, make, model, year, COLOURS[rng.randrange(7)],
                   monthly * age_months, today - dt.timedelta(days=rng.randrange(400)), monthly, owner, sold_on,
                   created, created)


def plan_deliveries(w: World) -> list[tuple[Any, ...]]:
    """Sales deliveries; decides which vehicles were sold here and when (before the vehicles are written)."""
    rng, per, per_vehicle = w.rng, w.per_branch["deliveries"], w.per_branch["vehicles"]
    today = dt.date.fromtimestamp(w.now)
    weights = [weekday_weight(today - dt.timedelta(days=DAYS - k)) for k in range(DAYS + 1)]
    rows_by_day: list[list[tuple[Any, ...]]] = [[] for _ in range(DAYS + 1)]
    for b in w.branches:
        counts = spread(rng, per, [*weights[:-1], weights[-1] * b.today_fraction])
        j = 0
        for k, count in enumerate(counts):
            day_start = b.midnight - (DAYS - k) * DAY
            span = 10 * HOUR * (b.today_fraction if k == DAYS else 1.0)
            for _ in range(count):
                n = b.index * per_vehicle + j
                j += 1
                w.sold_day[n] = k
                rows_by_day[k].append((b, n, day_start + 8 * HOUR + rng.random() * span))
    out, did = [], 0
    for day_rows in rows_by_day:
        for b, n, at in day_rows:
            did += 1
            age = (w.now - at) / DAY
            pending = rng.random() < (0.75 if age < 3 else 0.04)
            called = None if pending else ts(min(w.now - 60, at + rng.uniform(0.3, 3) * DAY))
            out.append((did, b.id, f"E{did}", n + 1, None, SELLERS[rng.randrange(4)], ts(at),
                        "pending" if pending else "done",
                        None if pending else rng.choice(b.welcome_outcomes), called,
                        None if pending else b.coordinator, ts(at), ts(at)))
    return out


def deliveries(w: World, planned: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for row in planned:
        yield (*row[:4], w.owner[row[3] - 1], *row[5:])


def repair_orders(w: World) -> Iterator[tuple[Any, ...]]:
    """Opened on business days in every branch; most delivered within hours or days,
    a few stuck open for weeks; one in a hundred cancelled."""
    rng, per, per_vehicle = w.rng, w.per_branch["repair_orders"], w.per_branch["vehicles"]
    rand, now = rng.random, w.now
    today = dt.date.fromtimestamp(now)
    weights = [weekday_weight(today - dt.timedelta(days=DAYS - k)) for k in range(DAYS + 1)]
    counts = [spread(rng, per, [*weights[:-1], weights[-1] * b.today_fraction]) for b in w.branches]
    rid = 0
    for k in range(DAYS + 1):
        for b in w.branches:
            day_start = b.midnight - (DAYS - k) * DAY
            span = 10 * HOUR * (b.today_fraction if k == DAYS else 1.0)
            for _ in range(counts[b.index][k]):
                rid += 1
                opened = day_start + 8 * HOUR + rand() * span
                r = rand()
                stay = (2 + rand() * 7) * HOUR if r < 0.6 else (1 + rand() * 2) * DAY if r < 0.9 else (
                    3 + rand() * 12) * DAY
                delivered = opened + stay
                vehicle = b.index * per_vehicle + int(rand() * per_vehicle)
                km = 5_000 + int(rand() * 150_000)
                if delivered >= now or rand() < 0.0005:  # still in the shop (or stuck there)
                    stage = ("quote", "authorization", "in_process", "in_process", "finished")[int(rand() * 5)]
                    yield (rid, b.id, f"R{rid}", f"{b.code}-{rid}", w.owner[vehicle], vehicle + 1,
                           ADVISORS[int(rand() * 6)], ts(opened), stage, "open", None, None, km, None, "pending",
                           None, None, None, ts(opened), ts(opened))
                    continue
                if rand() < 0.01:
                    yield (rid, b.id, f"R{rid}", f"{b.code}-{rid}", w.owner[vehicle], vehicle + 1,
                           ADVISORS[int(rand() * 6)], ts(opened), "quote", "cancelled", None, None, km, None,
                           "pending", None, None, None, ts(opened), ts(opened))
                    continue
                age = (now - delivered) / DAY
                pending = rand() < (0.8 if age < 2 else 0.07)
                called = None if pending else ts(min(now - 60, delivered + (0.5 + rand() * 3) * DAY))
                yield (rid, b.id, f"R{rid}", f"{b.code}-{rid}", w.owner[vehicle], vehicle + 1,
                       ADVISORS[int(rand() * 6)], ts(opened), "finished", "delivered",
                       ts(delivered - rand() * stay * 0.3), ts(delivered), km,
                       Decimal(20_000 + int(rand() * 900_000)).scaleb(-1), "pending" if pending else "done",
                       None if pending else b.courtesy_outcomes[int(rand() * len(b.courtesy_outcomes))], called,
                       None if pending else b.coordinator, ts(opened), ts(delivered))


def _kind_table() -> list[tuple[str, str]]:
    return [(kind, source) for kind, source, weight in KINDS for _ in range(weight)]


def opportunities(w: World) -> Iterator[tuple[Any, ...]]:
    """12 % open, due around today (a backlog of overdue ones, most still ahead);
    the rest booked (45 %) or discarded over the last three years."""
    rng, per, per_vehicle = w.rng, w.per_branch["opportunities"], w.per_branch["vehicles"]
    rand, now = rng.random, w.now
    kinds = _kind_table()
    open_per = round(per * 0.12)
    ahead = 5  # closed ones may be due a few days ahead (booked early)
    weights = [1.0] * (DAYS + 1 + ahead)
    counts = [spread(rng, per - open_per, weights) for _ in w.branches]
    oid = 0
    for k in range(DAYS + 1 + ahead):
        for b in w.branches:
            day_start = b.midnight - (DAYS - k) * DAY
            for _ in range(counts[b.index][k]):
                oid += 1
                due = day_start + (9 + rand() * 8) * HOUR
                created = min(now - HOUR, due - (20 + rand() * 180) * DAY)
                booked = k > DAYS or rand() < 0.45
                closed = max(created + HOUR, min(now - 60, due + (rand() * 13 - 10) * DAY))
                vehicle = b.index * per_vehicle + int(rand() * per_vehicle)
                kind, source = kinds[int(rand() * len(kinds))]
                attempts = 1 + int(rand() * 3) if booked else 1 + int(rand() * 5)
                yield (oid, b.id, w.owner[vehicle], vehicle + 1, kind, source, REASONS[kind], ts(due),
                       "booked" if booked else "discarded",
                       None if booked else b.discard_reasons[int(rand() * len(b.discard_reasons))], ts(closed),
                       attempts, ts(closed - rand() * DAY), ts(created), ts(closed))
    for b in w.branches:
        # one open opportunity per vehicle (uq_opportunity_open: vehicle, kind, campaign)
        for j in rng.sample(range(per_vehicle), open_per):
            oid += 1
            offset = min(400.0, max(-365.0, rng.gauss(15, 90)))
            due = b.midnight + offset * DAY + (9 + rand() * 8) * HOUR
            created = min(now, due) - (1 + rand() * 120) * DAY
            kind, source = kinds[int(rand() * len(kinds))]
            attempts = int(rand() * 3) if offset < 0 else 0
            vehicle = b.index * per_vehicle + j
            yield (oid, b.id, w.owner[vehicle], vehicle + 1, kind, source, REASONS[kind], ts(due), "open", None,
                   None, attempts, ts(created + DAY) if attempts else None, ts(created), ts(created))


def appointments(w: World) -> Iterator[tuple[Any, ...]]:
    """Most in the past (arrived, some no-shows and cancellations); about 8 a
    day ahead for the coming month, fewer the further out."""
    rng, per, per_vehicle = w.rng, w.per_branch["appointments"], w.per_branch["vehicles"]
    rand, now = rng.random, w.now
    today = dt.date.fromtimestamp(now)
    ahead = 30
    day_of = [today - dt.timedelta(days=DAYS - k) for k in range(DAYS + 1 + ahead)]
    future = [round(8 * (1 - d / 35) * weekday_weight(day_of[DAYS + d])) for d in range(ahead + 1)]
    past_weights = [weekday_weight(day) for day in day_of[:DAYS]]
    counts = [spread(rng, per - sum(future), past_weights) + future for _ in w.branches]
    aid = 0
    for k in range(DAYS + 1 + ahead):
        for b in w.branches:
            day_start = b.midnight - (DAYS - k) * DAY
            for _ in range(counts[b.index][k]):
                aid += 1
                starts = day_start + (8 + int(rand() * 20) * 0.5) * HOUR
                created = min(now - HOUR, starts - (1 + rand() * 20) * DAY)
                vehicle = b.index * per_vehicle + int(rand() * per_vehicle)
                confirmed = arrived = cancelled = None
                check_in = ""
                if starts < now:
                    r = rand()
                    if k == DAYS or (now - starts < 2 * DAY and r < 0.05):
                        status = "arrived" if k == DAYS and r < 0.85 else "scheduled"
                    else:
                        status = "arrived" if r < 0.82 else "no_show" if r < 0.9 else "cancelled"
                    if status == "arrived":
                        arrived, check_in = ts(min(now - 60, starts + (rand() * 50 - 20) * 60)), "dms"
                    elif status == "cancelled":
                        cancelled = ts(max(created, starts - (0.1 + rand() * 3) * DAY))
                else:
                    soon = starts - now < 2 * DAY
                    status = "confirmed" if rand() < (0.55 if soon else 0.1) else "scheduled"
                if status == "confirmed":
                    confirmed = ts(max(created, min(now - 60, starts - DAY)))
                # Six in ten got the reminder e-mail the day before (outbox_message, derived below).
                reminded = None
                if status != "cancelled" and rand() < 0.6 and created < starts - DAY < now:
                    reminded = ts(starts - DAY)
                yield (aid, b.id, f"T{aid}", w.owner[vehicle], vehicle + 1, ts(starts), status,
                       "dms" if rand() < 0.7 else "board", ADVISORS[int(rand() * 6)], "Service programado",
                       confirmed, arrived, check_in, cancelled, reminded, ts(created), ts(created))


# --- derived on the server ----------------------------------------------------------

# The local time slot of a call (app.rules.calls.time_slot), in SQL.
_SLOT = """CASE WHEN EXTRACT(HOUR FROM {t} AT TIME ZONE b.timezone) < 12 THEN 'morning'
                WHEN EXTRACT(HOUR FROM {t} AT TIME ZONE b.timezone) < 14 THEN 'midday'
                WHEN EXTRACT(HOUR FROM {t} AT TIME ZONE b.timezone) < 19 THEN 'afternoon'
                ELSE 'evening' END"""
_ATTEMPT_COLUMNS = ('branch, customer, purpose, opportunity, delivery, repair_order, appointment, channel, outcome, '
                    'reached, time_slot, comment, "user", created_at')
# The attempt/any outcomes of each branch in catalog order: 0 "Contactado: sacó turno", 1 "lo va a pensar",
# 2 "no le interesa", 3 "No contesta", 4 "Buzón de voz", 5 "Número equivocado", 6 "Pidió que lo llamen más tarde".
_OUTCOMES_CTE = """WITH oc AS (SELECT id, branch, reached,
                                 ROW_NUMBER() OVER (PARTITION BY branch ORDER BY position, id) - 1 AS k
                            FROM call_outcome WHERE purpose IN ('attempt', 'any')),
             coordinator AS (SELECT ub.branch, MIN(ub."user") AS id FROM user_branch ub GROUP BY ub.branch)"""
LINE_TEXTS = ("Mano de obra: service programado", "Filtro de aceite", "Aceite sintético 5W30 (4 l)",
              "Filtro de aire", "Pastillas de freno delanteras", "Alineación y balanceo", "Filtro de habitáculo",
              "Escobillas limpiaparabrisas", "Batería 12 V 60 Ah", "Diagnóstico con escáner")

DERIVED_SQL: dict[str, tuple[str, ...]] = {
    # 1–3 lines per order (2 on average); one line in 25 declined (the customer said no).
    "repair_order_line": (f"""
INSERT INTO repair_order_line (branch, dms_id, repair_order, line_no, concept, description, kind, quantity, amount,
                               approval, follow_up_on, incident)
SELECT r.branch, 'L' || r.id || '-' || n, r.id, n, NULL,
       ($1::text[])[1 + (r.id * 7 + n * 3) % {len(LINE_TEXTS)}], CASE WHEN n = 1 THEN 'labour' ELSE 'part' END, 1,
       CASE WHEN r.status = 'delivered' THEN ROUND((5000 + (r.id * 31 + n * 17) % 90000)::numeric, 2) END,
       CASE WHEN (r.id + n) % 25 = 0 THEN 'declined' ELSE 'authorised' END, NULL,
       CASE WHEN (r.id + n) % 25 = 0 THEN 'Desgaste visible: se recomienda reemplazo' ELSE '' END
  FROM repair_order r CROSS JOIN LATERAL generate_series(1, 1 + r.id % 3) AS n""",),
    "contact_attempt": (
        # the welcome call of every called delivery
        f"""INSERT INTO contact_attempt ({_ATTEMPT_COLUMNS})
SELECT d.branch, d.customer, 'welcome', NULL, d.id, NULL, NULL, 'phone', d.welcome_call_outcome, co.reached,
       {_SLOT.format(t="d.welcome_called_at")}, '', d.welcome_called_by, d.welcome_called_at
  FROM delivery d JOIN call_outcome co ON co.id = d.welcome_call_outcome JOIN branch b ON b.id = d.branch
 WHERE d.welcome_call_status = 'done'""",
        # the courtesy call of every called repair order
        f"""INSERT INTO contact_attempt ({_ATTEMPT_COLUMNS})
SELECT r.branch, r.customer, 'courtesy', NULL, NULL, r.id, NULL, 'phone', r.courtesy_call_outcome, co.reached,
       {_SLOT.format(t="r.courtesy_called_at")}, '', r.courtesy_called_by, r.courtesy_called_at
  FROM repair_order r JOIN call_outcome co ON co.id = r.courtesy_call_outcome JOIN branch b ON b.id = r.branch
 WHERE r.courtesy_call_status = 'done'""",
        # every attempt an opportunity counts, two days apart up to its last one; the last one of a booked
        # opportunity reached the customer, of a discarded one mostly too ("no le interesa")
        f"""{_OUTCOMES_CTE}
INSERT INTO contact_attempt ({_ATTEMPT_COLUMNS})
SELECT o.branch, o.customer, 'opportunity', o.id, NULL, NULL, NULL, 'phone', oc.id, oc.reached,
       {_SLOT.format(t="t.at")}, '', coordinator.id, t.at
  FROM opportunity o
  JOIN branch b ON b.id = o.branch
  JOIN coordinator ON coordinator.branch = o.branch
  CROSS JOIN LATERAL generate_series(1, o.attempt_count) AS n
  CROSS JOIN LATERAL (SELECT o.last_attempt_at - (o.attempt_count - n) * INTERVAL '2 days' AS at) t
  JOIN oc ON oc.branch = o.branch AND oc.k = CASE
       WHEN n = o.attempt_count AND o.status = 'booked' THEN 0
       WHEN n = o.attempt_count AND o.status = 'discarded' THEN 2 + (o.id % 2)
       ELSE 3 + (o.id + n) % 4 END
 WHERE o.attempt_count > 0 AND o.last_attempt_at IS NOT NULL""",
        # half the no-shows were called back the next day
        f"""{_OUTCOMES_CTE}
INSERT INTO contact_attempt ({_ATTEMPT_COLUMNS})
SELECT a.branch, a.customer, 'recontact', NULL, NULL, NULL, a.id, 'phone', oc.id, oc.reached,
       {_SLOT.format(t="(a.starts_at + INTERVAL '1 day')")}, '', coordinator.id, a.starts_at + INTERVAL '1 day'
  FROM appointment a
  JOIN branch b ON b.id = a.branch
  JOIN coordinator ON coordinator.branch = a.branch
  JOIN oc ON oc.branch = a.branch AND oc.k = CASE WHEN a.id % 4 = 0 THEN 1 ELSE 3 END
 WHERE a.status = 'no_show' AND a.id % 2 = 0 AND a.starts_at < now() - INTERVAL '1 day'""",
    ),
    # the reminder e-mail of every appointment that says it got one; one in a hundred bounced
    "outbox_message": ("""
INSERT INTO outbox_message (branch, customer, channel, recipient, subject, body_text, body_html, status, attempts,
                            last_error, dedupe_key, entity, entity_id, created_at, claimed_at, sent_at)
SELECT a.branch, a.customer, 'email', c.email,
       CASE WHEN b.locale = 'es-MX' THEN $4 ELSE $1 END, CASE WHEN b.locale = 'es-MX' THEN $5 ELSE $2 END,
       CASE WHEN b.locale = 'es-MX' THEN $6 ELSE $3 END,
       CASE WHEN a.id % 100 = 0 THEN 'failed' ELSE 'sent' END, CASE WHEN a.id % 100 = 0 THEN 5 ELSE 1 END,
       CASE WHEN a.id % 100 = 0 THEN '550 5.1.1 mailbox unavailable' ELSE '' END, NULL, 'appointment', a.id,
       a.reminder_sent_at, a.reminder_sent_at,
       CASE WHEN a.id % 100 = 0 THEN NULL ELSE a.reminder_sent_at + INTERVAL '4 seconds' END
  FROM appointment a JOIN customer c ON c.id = a.customer JOIN branch b ON b.id = a.branch
 WHERE a.reminder_sent_at IS NOT NULL""",),
}


def _reminder_bodies(now: float) -> list[str]:
    """A reminder e-mail as the app writes it (es-AR, then es-MX): subject, text, HTML."""
    from app.board.appointments import mail

    out: list[str] = []
    for locale, zone in (("es-AR", AR["timezone"]), ("es-MX", MX["timezone"])):
        email = mail.reminder(mail.Visit(
            customer_name="María González", starts_at=ts(now + DAY), make="Toyota", model="Corolla",
            plate="AB123CD", branch_name="Sucursal 01 — Palermo", address="Av. Santa Fe 3456, Palermo",
            phone="+541148001234", locale=locale, tz=ZoneInfo(zone)))
        out += [email.subject, email.text, email.html]
    return out


# --- the database ---------------------------------------------------------------


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise BenchDatabaseError(f"PostgreSQL no responde en {url}: {error}") from error


async def read_marker(url: str) -> dict[str, Any] | None:
    conn = await _connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", MARKER):
            return None
        raw = await conn.fetchval(f"SELECT value FROM {MARKER} WHERE key = 'generation'")
        return json.loads(raw) if raw else None
    finally:
        await conn.close()


async def ensure(scale: Scale, url: str, regenerate: bool) -> dict[str, Any]:
    """The generation record of a loaded database at this scale, loading it first when needed."""
    name = database_name(url)
    admin = await _connect(maintenance_url(url))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    if exists and not regenerate:
        marker = await read_marker(url)
        fresh = marker is not None and age_days(marker) <= MAX_AGE_DAYS
        if marker and marker.get("scale") == scale.name and marker.get("version") == GENERATOR_VERSION and fresh:
            migrate(url)  # migrations added since the load (an index, a column) apply to the kept data
            return marker | {"reused": True}
        if marker is None and not name.startswith("retorno_bench"):
            raise BenchDatabaseError(f"La base {name} existe y no es de benchmarks: no la borro.")
        why = ("carga incompleta" if marker is None else f"datos de hace {age_days(marker)} días" if not fresh
               else "otra escala o versión del generador")
        print(f"  {name}: {why}; se genera de nuevo.")
    elif exists and not name.startswith("retorno_bench") and await read_marker(url) is None:
        raise BenchDatabaseError(f"La base {name} existe y no es de benchmarks: no la borro.")
    admin = await _connect(maintenance_url(url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return await load(scale, url)


def migrate(url: str) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="retorno-bench-") as var_dir:
        done = subprocess.run([PYTHON, "-m", "app", "migrate"], cwd=ROOT, env=app_environment(url, Path(var_dir)),
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchDatabaseError(f"las migraciones fallaron: {done.stderr.strip() or done.stdout.strip()}")
    return time.perf_counter() - started


async def _reference_rows(conn: asyncpg.Connection, scale: Scale, now: float) -> list[BranchRef]:
    from app.auth.passwords import hash_now
    from app.rules import catalogs

    password_hash = hash_now(PASSWORD)  # once: argon2 takes ~0.2 s
    dealer = await conn.fetchval("INSERT INTO dealer (name, legal_name) VALUES ($1, $2) RETURNING id",
                                 f"{DEALER} ({scale.name})", "Retorno Bench S.A.")
    refs = []
    for i in range(scale.branches):
        fields = MX if i % 4 == 3 else AR
        city = (CITIES_MX[i // 4 % len(CITIES_MX)] if fields is MX else CITIES_AR[i % len(CITIES_AR)])
        code, name = f"s{i + 1:02d}", f"Sucursal {i + 1:02d} — {city}"
        branch = await conn.fetchval(
            "INSERT INTO branch (dealer, code, name, country, locale, timezone, currency, city) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            dealer, code, name, fields["country"], fields["locale"], fields["timezone"], fields["currency"], city)
        tz = ZoneInfo(fields["timezone"])
        local_now = dt.datetime.fromtimestamp(now, tz)
        midnight = dt.datetime.combine(local_now.date(), dt.time(0), tzinfo=tz).timestamp()
        fraction = min(1.0, max(0.0, ((now - midnight) / HOUR - 8) / 10))
        ref = BranchRef(i, branch, code, city, fields["timezone"], fields["locale"], midnight, fraction)
        await conn.executemany("INSERT INTO discard_reason (branch, name, position) VALUES ($1, $2, $3)",
                               [(branch, reason, p) for p, reason in enumerate(catalogs.DISCARD_REASONS)])
        await conn.executemany(
            "INSERT INTO call_outcome (branch, name, purpose, reached, position) VALUES ($1, $2, $3, $4, $5)",
            [(branch, n, purpose, reached, p) for p, (n, purpose, reached)
             in enumerate(catalogs.call_outcomes(fields["locale"]))])
        ref.discard_reasons = [r["id"] for r in await conn.fetch(
            "SELECT id FROM discard_reason WHERE branch = $1 ORDER BY id", branch)]
        outcomes = await conn.fetch("SELECT id, purpose FROM call_outcome WHERE branch = $1 ORDER BY id", branch)
        ref.welcome_outcomes = [r["id"] for r in outcomes if r["purpose"] == "welcome"]
        ref.courtesy_outcomes = [r["id"] for r in outcomes if r["purpose"] == "courtesy"]
        ref.coordinator = await conn.fetchval(
            "INSERT INTO app_user (dealer, username, full_name, email, role, password_hash) "
            "VALUES ($1, $2, $3, $4, 'coordinator', $5) RETURNING id",
            dealer, f"bench.{code}", f"Coordinación {city}", f"bench.{code}@bench.example", password_hash)
        await conn.execute('INSERT INTO user_branch ("user", branch) VALUES ($1, $2)', ref.coordinator, branch)
        refs.append(ref)
    await conn.execute(
        "INSERT INTO app_user (dealer, username, full_name, role, password_hash) VALUES ($1, $2, $3, 'admin', $4)",
        dealer, "bench.admin", "Administración Bench", password_hash)
    return refs


async def _drop_secondary(conn: asyncpg.Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Drops the secondary indexes and foreign keys of the bulk tables; returns their definitions."""
    indexes = [(r["name"], r["definition"]) for r in await conn.fetch(
        "SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY($1::text[]) AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
        "ORDER BY t.relname, i.relname", list(BULK))]
    foreign = [(r["tbl"], r["name"], r["definition"]) for r in await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS definition "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1::text[]) "
        "ORDER BY 1, 2", list(BULK))]
    for table, name, _ in foreign:
        await conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        await conn.execute(f'DROP INDEX "{name}"')
    return indexes, foreign


async def load(scale: Scale, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    print(f"  generando escala {scale.name} en {database_name(url)} …", flush=True)
    migrate_s = migrate(url)
    now = time.time()
    conn = await _connect(url)
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        world = World(scale, now, random.Random(f"retorno-bench-{scale.name}"), [])
        world.branches = await _reference_rows(conn, scale, now)
        indexes, foreign = await _drop_secondary(conn)

        planned = plan_deliveries(world)
        sources = [("customer", customers(world)), ("vehicle", vehicles(world)),
                   ("delivery", deliveries(world, planned)), ("repair_order", repair_orders(world)),
                   ("opportunity", opportunities(world)), ("appointment", appointments(world))]
        tables: dict[str, dict[str, Any]] = {}
        copy_started = time.perf_counter()
        for table, rows in sources:
            t0 = time.perf_counter()
            result = await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
            seconds = time.perf_counter() - t0
            count = int(result.split()[-1])
            tables[table] = {"rows": count, "seconds": round(seconds, 2), "rows_per_s": round(count / seconds)}
            print(f"    {table:<14} {count:>10,} filas  {seconds:7.1f} s  {count / seconds:>9,.0f} filas/s",
                  flush=True)
        for table in DERIVED:
            t0 = time.perf_counter()
            args: list[Any] = ([list(LINE_TEXTS)] if table == "repair_order_line" else
                               _reminder_bodies(now) if table == "outbox_message" else [])
            count = 0
            for statement in DERIVED_SQL[table]:
                count += int((await conn.execute(statement, *args)).split()[-1])
            seconds = time.perf_counter() - t0
            tables[table] = {"rows": count, "seconds": round(seconds, 2), "rows_per_s": round(count / seconds),
                             "method": "INSERT … SELECT"}
            print(f"    {table:<14} {count:>10,} filas  {seconds:7.1f} s  {count / seconds:>9,.0f} filas/s "
                  "(INSERT … SELECT)", flush=True)
        copy_s = time.perf_counter() - copy_started
        for table in COPIED:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                               f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))')

        t0 = time.perf_counter()
        for _, definition in indexes:
            await conn.execute(definition)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for table, name, definition in foreign:
            await conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        foreign_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        analyze_s = time.perf_counter() - t0

        rows = {}
        for table in ("branch", "app_user", *BULK):
            rows[table] = await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"')
        total_s = time.perf_counter() - started
        bulk_rows = sum(t["rows"] for t in tables.values())
        marker = {
            "scale": scale.name, "version": GENERATOR_VERSION,
            "generated_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
            "method": "asyncpg copy_records_to_table, then INSERT … SELECT for the derived tables; secondary "
                      "indexes and foreign keys rebuilt after",
            "tables": tables, "rows": rows,
            "seconds": {"migrate": round(migrate_s, 2), "copy": round(copy_s, 2), "indexes": round(index_s, 2),
                        "foreign_keys": round(foreign_s, 2), "vacuum_analyze": round(analyze_s, 2),
                        "total": round(total_s, 2)},
            "copy_rows_per_s": round(bulk_rows / copy_s),
            "overall_rows_per_s": round(bulk_rows / total_s),
            "bench_branch": world.branches[0].code,
            "bench_user": f"bench.{world.branches[0].code}",
        }
        await conn.execute(f"CREATE TABLE {MARKER} (key text PRIMARY KEY, value text NOT NULL)")
        await conn.execute(f"INSERT INTO {MARKER} VALUES ('generation', $1)", json.dumps(marker))
    finally:
        await conn.close()
    print(f"    índices {index_s:.1f} s, claves foráneas {foreign_s:.1f} s, VACUUM ANALYZE {analyze_s:.1f} s; "
          f"total {total_s:.1f} s ({bulk_rows:,} filas, {bulk_rows / total_s:,.0f} filas/s en total)", flush=True)
    return marker | {"reused": False}


def age_days(marker: dict[str, Any]) -> int:
    generated = dt.datetime.fromisoformat(marker["generated_at"])
    return math.floor((dt.datetime.now(dt.UTC) - generated).total_seconds() / DAY)


def describe_age(marker: dict[str, Any]) -> str:
    days = age_days(marker)
    return "hoy" if days == 0 else f"hace {days} día{'s' if days != 1 else ''}"
