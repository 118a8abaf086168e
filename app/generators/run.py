"""The overnight generators: what the board holds each morning without anyone typing it.

First services after sales, next maintenance after visits, customers not
seen for 6 months, declined work on its agreed date, web bookings to confirm
today, no-shows to recontact. Each opportunity records its source and why it
exists, and a key of what it was made from (`origin_key`, unique): a
generator run twice, or by two workers at once, makes nothing twice. A job
(arq cron with Redis, the in-process ticker otherwise) runs them every hour,
for each branch in its own time zone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from app import db
from app.audit import Actor, record
from app.board.lists import utc
from app.dms.bulk import Bulk
from app.generators import queries
from app.rules import generators as rules
from app.rules.windows import start_of_day
from app.tables import Branch

log = logging.getLogger("retorno.generators")
DUE_HOUR = dt.time(10, 0)  # a generated opportunity falls due mid-morning, local time
SYSTEM = "sistema"


@dataclass(frozen=True)
class BranchDay:
    id: int
    dealer: int
    tz: ZoneInfo
    now: dt.datetime
    today: dt.date
    window: int
    first_service_days: int
    first_service_km: int
    service_interval_days: int
    service_interval_km: int

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def due(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, DUE_HOUR, self.tz).astimezone(dt.UTC)

    def day_start(self, day: dt.date) -> dt.datetime:
        return start_of_day(day, self.tz)


@dataclass
class New:
    origin_key: str
    kind: str
    source: str
    customer: int
    vehicle: int
    reason: str
    due_at: dt.datetime
    repair_order: int | None = None
    delivery: int | None = None


async def first_services(b: BranchDay) -> list[New]:
    since = b.day_start(rules.projection_since(b.today, b.first_service_days, b.window))
    made = []
    for d in await queries.deliveries_without_service(b.id, since, b.now):
        delivered_on = b.local(d["delivered_at"]).date()
        due = rules.service_due(delivered_on, b.first_service_days, b.first_service_km, d["monthly_km"])
        if rules.in_window(due, b.today, b.window):
            made.append(New(f"first_service:delivery:{d['id']}", "welcome_followup", "generator", d["customer"],
                            d["vehicle"], rules.first_service_reason(delivered_on, due), b.due(max(due, b.today)),
                            delivery=d["id"]))
    return made


async def maintenance(b: BranchDay) -> list[New]:
    since = b.day_start(rules.projection_since(b.today, b.service_interval_days, b.window))
    made = []
    for r in await queries.last_services(b.id, since, b.now):
        serviced_on = b.local(r["delivered_at"]).date()
        due = rules.service_due(serviced_on, b.service_interval_days, b.service_interval_km, r["monthly_km"])
        if rules.in_window(due, b.today, b.window):
            made.append(New(f"maintenance:ro:{r['id']}", "maintenance", "repair_order", r["customer"], r["vehicle"],
                            rules.maintenance_reason(serviced_on, due), b.due(max(due, b.today)),
                            repair_order=r["id"]))
    return made


async def lapsed(b: BranchDay) -> list[New]:
    first, before = rules.lapsed_between(b.today)
    rows = await queries.lapsed_vehicles(b.id, b.day_start(first), b.day_start(before),
                                         b.day_start(before), b.now)
    return [New(rules.lapsed_key(r["vehicle"], b.today), "lapsed", "generator", r["customer"], r["vehicle"],
                rules.lapsed_reason(b.local(utc(r["last_seen"])).date()), b.due(b.today)) for r in rows]


async def declined_work(b: BranchDay) -> list[New]:
    first, last = b.today - dt.timedelta(days=b.window), b.today + dt.timedelta(days=b.window)
    by_order: dict[int, list[dict[str, Any]]] = {}
    for line in await queries.declined_lines(b.id, first, last, b.now):
        by_order.setdefault(line["repair_order"], []).append(line)
    made = []
    for order_id, lines in by_order.items():
        due = min(line["follow_up_on"] for line in lines)
        made.append(New(f"declined:ro:{order_id}", "declined_work", "repair_order", lines[0]["customer"],
                        lines[0]["vehicle"],
                        rules.declined_reason(lines[0]["number"], [x["description"] for x in lines]),
                        b.due(max(due, b.today)), repair_order=order_id))
    return made


async def web_bookings(b: BranchDay) -> list[New]:
    rows = await queries.web_bookings_to_confirm(b.id, b.now - dt.timedelta(days=2), b.now)
    return [New(f"web:appointment:{r['id']}", "web_booking", "web", r["customer"], r["vehicle"],
                rules.web_booking_reason(b.local(r["starts_at"])), b.now) for r in rows]


async def missed_appointments(b: BranchDay) -> list[New]:
    since = b.day_start(b.today - dt.timedelta(days=b.window))
    rows = await queries.no_shows(b.id, since, b.now)
    return [New(f"no_show:appointment:{r['id']}", "no_show", "appointment", r["customer"], r["vehicle"],
                rules.no_show_reason(b.local(r["starts_at"])),
                b.due(max(rules.next_day(b.local(r["starts_at"]).date()), b.today))) for r in rows]


GENERATORS: dict[str, Callable[[BranchDay], Awaitable[list[New]]]] = {
    "first_service": first_services,
    "maintenance": maintenance,
    "lapsed": lapsed,
    "declined_work": declined_work,
    "web_booking": web_bookings,
    "no_show": missed_appointments,
}

async def _write(b: BranchDay, made: list[New]) -> int:
    """Inserts the ones not made before; a unique key another run inserted meanwhile is skipped."""
    done = await queries.existing_keys([n.origin_key for n in made])
    fresh = list({n.origin_key: n for n in made if n.origin_key not in done}.values())
    if not fresh:
        return 0
    async with db.write_transaction() as transaction:
        bulk = Bulk(transaction)
        ids = await bulk.new_ids("opportunity", len(fresh))
        await queries.insert_opportunities(bulk, [
            (i, b.id, n.customer, n.vehicle, n.kind, n.source, n.reason[:300], n.due_at, "open", n.origin_key,
             n.repair_order, n.delivery, b.now, b.now) for i, n in zip(ids, fresh, strict=True)])
    return len(fresh)


async def _close_settled_web_bookings(b: BranchDay) -> int:
    """A web booking confirmed (or attended) on the board needs no call; cancelled or missed, neither."""
    rows = await queries.settled_web_bookings(b.id)
    if rows:
        async with db.write_transaction() as transaction:
            await Bulk(transaction).execute_many(
                'UPDATE "opportunity" SET "status" = ?, "closed_at" = ?, "updated_at" = ?, "version" = "version" + 1 '
                'WHERE "id" = ? AND "status" = \'open\'',
                [("booked", b.now, b.now, r["id"]) for r in rows])
    return len(rows)


async def branch_days(now: dt.datetime, branch_id: int | None = None) -> list[BranchDay]:
    query = Branch.select().where(Branch.active.eq(True))
    if branch_id is not None:
        query = query.where(Branch.id == branch_id)
    rows = await query
    days = []
    for r in rows:
        tz = ZoneInfo(r["timezone"])
        days.append(BranchDay(r["id"], r["dealer"], tz, now, now.astimezone(tz).date(), r["opportunity_window_days"],
                              r["first_service_days"], r["first_service_km"], r["service_interval_days"],
                              r["service_interval_km"]))
    return days


async def generate(ctx: dict[str, Any], now: dt.datetime | None = None, only: str | None = None,
                   branch_id: int | None = None) -> dict[str, int]:
    """The job: every generator (or `only` one) for every active branch (or one); how many each made."""
    now = now or dt.datetime.now(dt.UTC)
    names = list(GENERATORS) if only is None else [only]
    total = dict.fromkeys(names, 0)
    for b in await branch_days(now, branch_id):
        made = {name: await _write(b, await GENERATORS[name](b)) for name in names}
        if "web_booking" in names:
            await _close_settled_web_bookings(b)
        if any(made.values()):
            await record(Actor(None, SYSTEM, b.dealer), "opportunity.generate", entity="branch", entity_id=b.id,
                         branch_id=b.id, after=made)
        total = {name: total[name] + made[name] for name in names}
    log.info("generators: %s", total)
    return total
