"""The actions of Oportunidades nuevas, and "Crear oportunidad" from any list.

Each runs in one transaction with its audit event. Order of refusals: a row
out of reach is NotFound (404), then a stale version (409), then bad input
(422, next to the field), then what the life cycle refuses (422, in words).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import asyncpg

from app import db, i18n, jobs, scope
from app.audit import Actor, record
from app.auth.access import Access
from app.board import common, forms
from app.board.forms import AttemptForm, BookForm, DiscardForm, NewOpportunityForm, RescheduleForm
from app.board.labels import USER_KINDS
from app.board.opportunities import extras
from app.display import live
from app.errors import Invalid
from app.i18n import N_
from app.messaging import fallback
from app.rules import Refused
from app.rules import calls as call_rules
from app.rules import opportunities as rules
from app.tables import (
    Appointment,
    AppointmentSource,
    AttemptPurpose,
    Branch,
    Channel,
    Customer,
    Delivery,
    DiscardReason,
    Opportunity,
    OpportunitySource,
    RepairOrder,
    Vehicle,
)

T = TypeVar("T")
_UNIQUE = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)

# The life cycle's sentences that say "turno": es-MX says "cita" (app.rules imports no gettext).
RULE_SENTENCES = (
    N_("Esta oportunidad ya tiene turno vendido: no admite cambios."),
    N_("El turno no puede quedar en el pasado."),
)


def _when(moment: dt.datetime) -> str:
    return f"{i18n.fecha(moment)} a las {i18n.hora(moment)}"


def _rule(step: Callable[..., T], *args: Any) -> T:
    """A life-cycle step, its refusal in the branch's words."""
    try:
        return step(*args)
    except Refused as refused:
        raise Refused(i18n.gettext(str(refused))) from None


def _not_past(moment: dt.datetime | None, what: str, errors: dict[str, str], field: str = "day") -> None:
    """A date in the past is a typo: said next to the date, with the form kept (not a refusal that
    closes the form)."""
    if moment is None:
        return
    try:
        rules.not_in_past(moment, common.now(), what)
    except Refused as refused:
        errors[field] = i18n.gettext(str(refused))


async def discard(access: Access, opp_id: int, form: DiscardForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    async with db.write_transaction():
        row = await common.current(Opportunity, access, opp_id, seen, Opportunity.status)
        reason = None
        if (reason_id := forms.optional_id(form.reason_id)) is not None:
            reason = (
                await DiscardReason.select(DiscardReason.id, DiscardReason.name)
                .where((DiscardReason.id == reason_id) & (DiscardReason.branch == row["branch"])
                       & DiscardReason.active.eq(True))
                .first()
            )
        if reason is None:
            errors["reason_id"] = "Elija el motivo del descarte."
        forms.check(errors)
        assert reason is not None
        status = _rule(rules.after_discard, row["status"], reason["id"])
        await common.bump(
            Opportunity,
            opp_id,
            seen,
            {
                Opportunity.status: status,
                Opportunity.discard_reason: reason["id"],
                Opportunity.discard_comment: note,
                Opportunity.closed_at: common.now(),
                Opportunity.updated_at: common.now(),
            },
        )
        await record(
            Actor.of(access),
            "opportunity.discard",
            entity="opportunity",
            entity_id=opp_id,
            branch_id=row["branch"],
            before={"status": row["status"]},
            after={"status": status, "reason": reason["name"], "comment": note},
        )
    return f"Oportunidad descartada: {reason['name']}."


async def reschedule(access: Access, opp_id: int, form: RescheduleForm) -> str:
    seen = forms.version(form.version)
    async with db.write_transaction():
        row = await common.current(
            Opportunity, access, opp_id, seen, Opportunity.status, Opportunity.due_at, Opportunity.reschedule_count
        )
        branch = await common.branch_rules(row["branch"])
        errors: dict[str, str] = {}
        due = forms.moment(form.day, form.time, branch.tz, errors)
        _not_past(due, "La nueva fecha", errors)
        note = forms.comment(form.comment, errors)
        forms.check(errors)
        assert due is not None
        count = _rule(rules.after_reschedule, row["status"], due, common.now(), row["reschedule_count"])
        await common.bump(
            Opportunity,
            opp_id,
            seen,
            {Opportunity.due_at: due, Opportunity.reschedule_count: count, Opportunity.updated_at: common.now()},
        )
        await record(
            Actor.of(access),
            "opportunity.reschedule",
            entity="opportunity",
            entity_id=opp_id,
            branch_id=row["branch"],
            before={"due_at": row["due_at"].isoformat()},
            after={"due_at": due.isoformat(), "reschedules": count, "comment": note},
        )
    return f"Oportunidad replanificada para el {_when(due)}."


async def book(access: Access, opp_id: int, form: BookForm) -> str:
    seen = forms.version(form.version)
    async with db.write_transaction():
        row = await common.current(
            Opportunity,
            access,
            opp_id,
            seen,
            Opportunity.status,
            Opportunity.customer,
            Opportunity.vehicle,
            Opportunity.reason,
            Opportunity.kind,
        )
        branch = await common.branch_rules(row["branch"])
        errors: dict[str, str] = {}
        starts = forms.moment(form.day, form.time, branch.tz, errors)
        _not_past(starts, "El turno", errors)
        note = forms.comment(form.comment, errors)
        km = (await Vehicle.select(Vehicle.odometer_km).where(Vehicle.id == row["vehicle"]).first() or {}).get(
            "odometer_km") if row["vehicle"] else None
        asked = extras.read(form, branch.country, km, errors)
        forms.check(errors)
        assert starts is not None
        status = _rule(rules.after_booking, row["status"], starts, common.now())
        if row["vehicle"] is None:
            raise Refused("Esta oportunidad no tiene vehículo: cree una nueva desde el vehículo del cliente.")
        # The version guard before the same-day check: a second user booking this opportunity at the same
        # moment waits here for the first one's commit and is told who booked it (409), instead of being
        # warned of "another" appointment that day (the first one's) and invited to book it again.
        await common.bump(
            Opportunity,
            opp_id,
            seen,
            {Opportunity.status: status, Opportunity.closed_at: common.now(), Opportunity.updated_at: common.now()},
        )
        if form.same_day_ok != "1" and (other := await _same_day(row["vehicle"], starts, branch)):
            raise Invalid(  # rolls the guard's update back with the transaction
                errors={
                    "same_day": i18n.gettext(
                        "Este vehículo ya tiene un turno ese día, a las %(hora)s. Si igual corresponde otro, "
                        "marque «Agendar igual»."
                    )
                    % {"hora": i18n.hora(other)}
                }
            )
        appointment = (
            await Appointment.insert(
                Appointment(
                    branch=row["branch"],
                    customer=row["customer"],
                    vehicle=row["vehicle"],
                    opportunity=opp_id,
                    starts_at=starts,
                    source=AppointmentSource.board,
                    reason=(note or row["reason"])[:300],  # what she agreed with the customer, else why we called
                    confirmation_comment="",
                    created_by=access.user_id,
                )
            ).returning(Appointment.id)
        )[0]["id"]
        await record(
            Actor.of(access),
            "opportunity.book",
            entity="opportunity",
            entity_id=opp_id,
            branch_id=row["branch"],
            before={"status": row["status"]},
            after={"status": status, "appointment": appointment, "starts_at": starts.isoformat(), "comment": note},
        )
        noted = await extras.apply(access, asked, row, appointment)
        live.changed(row["branch"])  # a turno for today reaches reception's TV
    said = i18n.gettext("Turno vendido para el %(cuando)s. Ya figura en Próximos turnos, por confirmar.") % {
        "cuando": _when(starts)
    }
    return " ".join([said, *noted])


async def _same_day(vehicle_id: int, starts: dt.datetime, branch: common.BranchRules) -> dt.datetime | None:
    day = starts.astimezone(branch.tz).date()
    first = dt.datetime.combine(day, dt.time(0), tzinfo=branch.tz).astimezone(dt.UTC)
    other = (
        await Appointment.select(Appointment.starts_at)
        .where(
            (Appointment.vehicle == vehicle_id)
            & Appointment.status.is_in(["scheduled", "confirmed", "arrived"])
            & (Appointment.starts_at >= first)
            & (Appointment.starts_at < first + dt.timedelta(days=1))
        )
        .first()
    )
    return other["starts_at"] if other else None


async def log_attempt(access: Access, opp_id: int, form: AttemptForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    slot = form.time_slot if form.time_slot in call_rules.SLOTS else None
    if slot is None:
        errors["time_slot"] = "Elija la franja horaria del llamado."
    channel = form.channel if form.channel in {c.value for c in Channel} - {"letter"} else None
    if channel is None:
        errors["channel"] = "Elija por dónde fue el contacto."
    sent: tuple[str, int] | None = None
    async with db.write_transaction():
        row = await common.current(
            Opportunity, access, opp_id, seen, Opportunity.status, Opportunity.customer, Opportunity.attempt_count,
            Opportunity.vehicle, Opportunity.reason,
        )
        branch = await common.branch_rules(row["branch"])
        result = await common.outcome(row["branch"], form.outcome_id, "attempt", errors)
        forms.check(errors)
        count = _rule(rules.after_attempt, row["status"], row["attempt_count"], branch.attempt_limit)
        moment = common.now()
        closes = rules.without_contact(count, branch.attempt_limit, result["reached"])
        values = {Opportunity.attempt_count: count, Opportunity.last_attempt_at: moment, Opportunity.updated_at: moment}
        if closes:
            values |= {Opportunity.status: rules.NO_CONTACT, Opportunity.closed_at: moment}
        await common.bump(Opportunity, opp_id, seen, values)
        await common.log_contact(access, row, AttemptPurpose.opportunity, result, note, moment, slot,
                                 channel=channel, opportunity=opp_id)
        if closes:
            sent = await fallback.produce(await _fallback_of(row), row["branch"], opp_id)
        await record(
            Actor.of(access),
            "opportunity.attempt",
            entity="opportunity",
            entity_id=opp_id,
            branch_id=row["branch"],
            before={"attempts": row["attempt_count"], "status": row["status"]},
            after={"attempts": count, "outcome": result["name"], "time_slot": slot, "comment": note,
                   "status": rules.NO_CONTACT if closes else row["status"], "fallback": sent[0] if sent else None},
        )
    message = f"Intento {count} de {branch.attempt_limit} registrado: {result['name']}."
    if sent is not None:
        kind, message_id = sent
        if kind == "email":
            await jobs.enqueue("deliver_message", message_id)
            message += " Quedó sin contacto: se le envía el e-mail con los teléfonos para sacar turno."
        else:
            message += " Quedó sin contacto: la carta está lista para imprimir en Cartas."
    elif rules.at_attempt_limit(count, branch.attempt_limit):
        message += " Se llegó al límite de intentos: corresponde dar el turno o descartar la oportunidad."
    return message


async def _fallback_of(row: dict[str, Any]) -> fallback.Fallback:
    """What the fallback letter or e-mail says: the customer, the vehicle, the reason, the branch."""
    customer = await Customer.select(Customer.id, Customer.name, Customer.email, Customer.email_opt_out,
                                     Customer.street, Customer.city, Customer.state, Customer.postal_code).where(
        Customer.id == row["customer"]).first()
    vehicle = await Vehicle.select(Vehicle.make, Vehicle.model, Vehicle.plate).where(
        Vehicle.id == row["vehicle"]).first() if row["vehicle"] else None
    branch = await Branch.select(Branch.name, Branch.locale, Branch.phone, Branch.bookings_phone, Branch.street,
                                 Branch.city, Branch.state, Branch.promotion_text, Branch.dealer.name).where(
        Branch.id == row["branch"]).first()
    assert customer is not None and branch is not None, "foreign keys"
    car = " ".join(p for p in ((vehicle or {}).get("make"), (vehicle or {}).get("model")) if p) or "vehículo"
    plate = (vehicle or {}).get("plate")
    return fallback.Fallback(
        customer_id=customer["id"], customer_name=customer["name"], email=customer["email"].strip(),
        email_opt_out=customer["email_opt_out"],
        address="\n".join(p for p in (customer["street"], " ".join(
            x for x in (customer["postal_code"], customer["city"], customer["state"]) if x)) if p),
        vehicle=f"{car} {plate}" if plate else car, reason=row["reason"], dealer_name=branch["dealer.name"],
        branch_name=branch["name"], branch_address=", ".join(
            p for p in (branch["street"], branch["city"], branch["state"]) if p),
        phones=list(dict.fromkeys(p for p in (branch["bookings_phone"], branch["phone"]) if p)),
        promotion=branch["promotion_text"], locale=branch["locale"])


async def create(access: Access, form: NewOpportunityForm) -> tuple[int, str]:
    """A new opportunity for a vehicle the user reaches: (its id, the confirmation)."""
    vehicle_id = forms.optional_id(form.vehicle_id)
    if vehicle_id is None:
        raise Invalid(errors={"vehicle_id": "Falta el vehículo."})
    vehicle = await scope.one(Vehicle, access, vehicle_id, Vehicle.id, Vehicle.branch, Vehicle.owner, Vehicle.driver)
    customer = vehicle["owner"] or vehicle["driver"]
    if customer is None:
        raise Refused("Este vehículo no tiene cliente asociado: no hay a quién llamar.")
    branch = await common.branch_rules(vehicle["branch"])
    errors: dict[str, str] = {}
    if form.kind not in USER_KINDS:
        errors["kind"] = "Elija el tipo de oportunidad de la lista."
    due = forms.moment(form.day, form.time, branch.tz, errors)
    _not_past(due, "La fecha de contacto", errors)
    reason = (form.reason or "").strip()
    if len(reason) > 300:
        errors["reason"] = "Máximo 300 caracteres."
    forms.check(errors)
    assert due is not None
    links = {
        "delivery": await _linked(Delivery, form.delivery_id, vehicle_id, access),
        "repair_order": await _linked(RepairOrder, form.repair_order_id, vehicle_id, access),
    }
    source = (
        OpportunitySource.welcome_call
        if links["delivery"]
        else OpportunitySource.repair_order
        if links["repair_order"]
        else OpportunitySource.user
    )
    taken = _taken()
    try:
        async with db.write_transaction():
            if await Opportunity.exists().where(
                (Opportunity.vehicle == vehicle_id)
                & (Opportunity.kind == form.kind)
                & Opportunity.campaign.is_null()
                & (Opportunity.status == "open")
            ):
                raise taken
            opp_id = (
                await Opportunity.insert(
                    Opportunity(
                        branch=vehicle["branch"],
                        customer=customer,
                        vehicle=vehicle_id,
                        kind=form.kind,
                        source=source,
                        reason=reason,
                        due_at=due,
                        created_by=access.user_id,
                        assigned_to=access.user_id,
                        **links,
                    )
                ).returning(Opportunity.id)
            )[0]["id"]
            await record(
                Actor.of(access),
                "opportunity.create",
                entity="opportunity",
                entity_id=opp_id,
                branch_id=vehicle["branch"],
                after={
                    "kind": form.kind,
                    "source": source.value,
                    "due_at": due.isoformat(),
                    "reason": reason,
                    "vehicle": vehicle_id,
                },
            )
    except _UNIQUE as error:  # another user created the same one a moment ago
        raise taken from error
    return opp_id, f"Oportunidad creada para el {_when(due)}. Figura en Oportunidades nuevas."


def _taken() -> Invalid:
    return Invalid(
        errors={
            "kind": "Este vehículo ya tiene una oportunidad abierta de este tipo: "
            "replanifíquela en lugar de crear otra."
        }
    )


async def _linked(model: Any, value: str, vehicle_id: int, access: Access) -> int | None:
    """A delivery or repair order the new opportunity comes from: only one of this vehicle."""
    row_id = forms.optional_id(value)
    if row_id is None:
        return None
    row = await scope.one(model, access, row_id, model.id, model.vehicle)
    return row_id if row["vehicle"] == vehicle_id else None
