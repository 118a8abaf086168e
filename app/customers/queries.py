"""Ver cliente: a customer's whole story, read in a fixed number of statements
(one per kind of row, whatever the number of vehicles and visits)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from app import db, scope
from app.auth.access import Access
from app.board.lists import utc
from app.tables import Branch, Customer


@dataclass
class VehicleHistory:
    vehicle: dict[str, Any]
    visits: list[dict[str, Any]] = field(default_factory=list)  # repair orders, newest first, with "lines"
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_visit(self) -> dict[str, Any] | None:
        return self.visits[0] if self.visits else None


@dataclass
class History:
    customer: dict[str, Any]
    currency: str
    vehicles: list[VehicleHistory]
    opportunities: list[dict[str, Any]]  # each with "attempts"
    appointments: list[dict[str, Any]]  # each with "reminders"
    other_attempts: list[dict[str, Any]]  # calls not tied to an opportunity (welcome, courtesy, recontact…)
    merged: list[dict[str, Any]] = field(default_factory=list)  # duplicates merged into this customer


_TIMESTAMPS = ("delivered_at", "opened_at", "finished_at", "courtesy_called_at", "welcome_called_at", "due_at",
               "closed_at", "last_attempt_at", "created_at", "starts_at", "arrived_at", "confirmed_at",
               "reminder_sent_at", "cancelled_at", "sent_at", "merged_at")


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        for name in _TIMESTAMPS:
            if name in row:
                row[name] = utc(row[name])
    return rows


async def history(access: Access, customer_id: int) -> History:
    customer = await scope.one(Customer, access, customer_id)
    branch = await Branch.select(Branch.currency).where(Branch.id == customer["branch"]).first()
    reach, branch_ids = scope.branches_sql("branch", access)
    async with db.read_together():
        vehicles = await db.fetch(
            f"""SELECT id, plate, vin, make, model, trim, model_year, colour, odometer_km, odometer_read_on,
                       monthly_km, sold_on, owner, driver
                  FROM vehicle WHERE (owner = {{}} OR driver = {{}}) AND {reach} ORDER BY id""",
            customer_id, customer_id, *branch_ids)
        vehicle_in, vehicle_ids = db.in_list([v["id"] for v in vehicles])
        orders = _rows(await db.fetch(
            f"""SELECT ro.id, ro.vehicle, ro.number, ro.opened_at, ro.delivered_at, ro.finished_at, ro.status,
                       ro.stage, ro.advisor_name, ro.odometer_km, ro.total_amount, ro.courtesy_call_status,
                       ro.courtesy_call_comment, ro.courtesy_called_at, co.name AS courtesy_outcome,
                       cu.full_name AS courtesy_called_by, du.full_name AS delivered_by
                  FROM repair_order ro
                  LEFT JOIN call_outcome co ON co.id = ro.courtesy_call_outcome
                  LEFT JOIN app_user cu ON cu.id = ro.courtesy_called_by
                  LEFT JOIN app_user du ON du.id = ro.delivered_by
                 WHERE (ro.customer = {{}} OR ro.vehicle IN {vehicle_in}) AND ro.{reach}
                 ORDER BY ro.opened_at DESC, ro.id DESC""",
            customer_id, *vehicle_ids, *branch_ids))
        order_in, order_ids = db.in_list([o["id"] for o in orders])
        lines = await db.fetch(
            f"""SELECT repair_order, line_no, description, kind, quantity, amount, approval, follow_up_on, incident
                  FROM repair_order_line WHERE repair_order IN {order_in} ORDER BY repair_order, line_no, id""",
            *order_ids)
        deliveries = _rows(await db.fetch(
            f"""SELECT d.id, d.vehicle, d.delivered_at, d.salesperson, d.welcome_call_status, d.welcome_call_comment,
                       d.welcome_called_at, co.name AS welcome_outcome, u.full_name AS welcome_called_by
                  FROM delivery d
                  LEFT JOIN call_outcome co ON co.id = d.welcome_call_outcome
                  LEFT JOIN app_user u ON u.id = d.welcome_called_by
                 WHERE (d.customer = {{}} OR d.vehicle IN {vehicle_in}) AND d.{reach}
                 ORDER BY d.delivered_at DESC""",
            customer_id, *vehicle_ids, *branch_ids))
        opportunities = _rows(await db.fetch(
            f"""SELECT o.id, o.vehicle, o.kind, o.source, o.reason, o.due_at, o.status, o.closed_at,
                       o.reschedule_count, o.attempt_count, o.discard_comment, o.created_at,
                       dr.name AS discard_reason, cp.name AS campaign_name, v.plate
                  FROM opportunity o
                  LEFT JOIN discard_reason dr ON dr.id = o.discard_reason
                  LEFT JOIN campaign cp ON cp.id = o.campaign
                  LEFT JOIN vehicle v ON v.id = o.vehicle
                 WHERE o.customer = {{}} AND o.{reach}
                 ORDER BY o.due_at DESC, o.id DESC""",
            customer_id, *branch_ids))
        attempts = _rows(await db.fetch(
            f"""SELECT a.id, a.opportunity, a.purpose, a.channel, a.reached, a.time_slot, a.comment, a.created_at,
                       co.name AS outcome, u.full_name AS user_name
                  FROM contact_attempt a
                  LEFT JOIN call_outcome co ON co.id = a.outcome
                  LEFT JOIN app_user u ON u.id = a."user"
                 WHERE a.customer = {{}} AND a.{reach}
                 ORDER BY a.created_at DESC, a.id DESC""",
            customer_id, *branch_ids))
        appointments = _rows(await db.fetch(
            f"""SELECT ap.id, ap.vehicle, ap.starts_at, ap.status, ap.source, ap.advisor_name, ap.reason,
                       ap.confirmation_comment, ap.confirmed_at, ap.arrived_at, ap.check_in_source,
                       u.full_name AS confirmed_by, v.plate
                  FROM appointment ap
                  LEFT JOIN app_user u ON u.id = ap.confirmed_by
                  LEFT JOIN vehicle v ON v.id = ap.vehicle
                 WHERE ap.customer = {{}} AND ap.{reach}
                 ORDER BY ap.starts_at DESC, ap.id DESC""",
            customer_id, *branch_ids))
        reminders = _rows(await db.fetch(
            f"""SELECT entity_id, status, sent_at, created_at, last_error, recipient
                  FROM outbox_message
                 WHERE customer = {{}} AND entity = 'appointment' AND {reach}
                 ORDER BY created_at DESC, id DESC""",
            customer_id, *branch_ids))
        merged = _rows(await db.fetch(
            f"""SELECT id, name, dms_id, tax_id, phone_mobile, merged_at FROM customer
                 WHERE merged_into = {{}} AND {reach} ORDER BY merged_at, id""", customer_id, *branch_ids))
    history = _assemble(customer, branch["currency"], vehicles, orders, lines, deliveries, opportunities, attempts,
                        appointments, reminders)
    history.merged = merged
    return history


async def merged_into(access: Access, customer_id: int) -> int | None:
    """The customer a merged duplicate now lives in (within reach), else None."""
    row = await scope.one(Customer, access, customer_id, Customer.merged_into)
    return row["merged_into"]


def _assemble(customer: dict[str, Any], currency: str, vehicles: list[dict[str, Any]], orders: list[dict[str, Any]],
              lines: list[dict[str, Any]], deliveries: list[dict[str, Any]], opportunities: list[dict[str, Any]],
              attempts: list[dict[str, Any]], appointments: list[dict[str, Any]],
              reminders: list[dict[str, Any]]) -> History:
    by_order: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_order[line["repair_order"]].append(line)
    stories = {v["id"]: VehicleHistory(v) for v in vehicles}
    for order in orders:
        order["lines"] = by_order[order["id"]]
        order["declined"] = [line for line in order["lines"] if line["approval"] == "declined"]
        if order["vehicle"] in stories:
            stories[order["vehicle"]].visits.append(order)
    for delivery in deliveries:
        if delivery["vehicle"] in stories:
            stories[delivery["vehicle"]].deliveries.append(delivery)
    by_opportunity: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    others = []
    for attempt in attempts:
        if attempt["opportunity"]:
            by_opportunity[attempt["opportunity"]].append(attempt)
        else:
            others.append(attempt)
    for opportunity in opportunities:
        opportunity["attempts"] = by_opportunity[opportunity["id"]]
    by_appointment: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for reminder in reminders:
        by_appointment[reminder["entity_id"]].append(reminder)
    for appointment in appointments:
        appointment["reminders"] = by_appointment[appointment["id"]]
    return History(customer, currency, list(stories.values()), opportunities, appointments, others)
