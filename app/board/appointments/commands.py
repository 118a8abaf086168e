"""The actions of Próximos turnos: reminder e-mail, confirm, manual check-in,
recontact after a no-show.

Each runs in one transaction with its audit event. Order of refusals, as in
Oportunidades: a row out of reach is NotFound (404), then a stale version
(409), then bad input (422, next to the field), then what the life cycle
refuses (422, in words).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import asyncpg

from app import db, i18n, jobs
from app.audit import Actor, record
from app.auth.access import Access
from app.board import common, forms
from app.board.appointments import mail
from app.board.appointments.queries import open_recontact
from app.board.forms import ConfirmForm, RecontactForm, VersionForm
from app.display import live
from app.errors import Invalid
from app.i18n import N_
from app.messaging import outbox
from app.rules import Refused
from app.rules import appointments as rules
from app.rules import calls as call_rules
from app.rules import opportunities as opportunity_rules
from app.rules.contact import valid_email
from app.tables import (
    Appointment,
    AppointmentSource,
    AttemptPurpose,
    Branch,
    CheckInSource,
    Customer,
    Opportunity,
    OpportunityKind,
    OpportunitySource,
    Vehicle,
)

_UNIQUE = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
NEXT_STEPS = ("appointment", "opportunity", "none")

# What app.rules.appointments refuses with (rules import nothing of ours, so
# their sentences are marked here for the Mexican catalog and translated on the way out).
RULE_SENTENCES = (
    N_("Este turno ya no está pendiente: el vehículo ya ingresó."),
    N_("Este turno ya no está pendiente: quedó como inasistencia."),
    N_("Este turno ya no está pendiente: fue cancelado."),
    N_("Este turno ya estaba confirmado."),
    N_("Solo se puede registrar el ingreso el día del turno."),
    N_("El turno todavía no pasó: no es una inasistencia."),
    N_("El turno ya pasó: no tiene sentido recordarlo."),
)

T = TypeVar("T")


def _rule(step: Callable[..., T], *args: Any) -> T:
    try:
        return step(*args)
    except Refused as refused:
        raise Refused(i18n.gettext(str(refused))) from None


def _when(moment: dt.datetime) -> str:
    return f"{i18n.fecha(moment)} a las {i18n.hora(moment)}"


# --- Enviar recordatorio ---------------------------------------------------------------------------


async def remind(access: Access, appointment_id: int, form: VersionForm) -> str:
    seen = forms.version(form.version)
    moment = common.now()
    async with db.write_transaction():
        row = await common.current(
            Appointment, access, appointment_id, seen, Appointment.status, Appointment.starts_at,
            Appointment.customer, Appointment.vehicle, Appointment.reminder_sent_at,
        )
        customer = await Customer.select(Customer.name, Customer.email, Customer.email_opt_out).where(
            Customer.id == row["customer"]).first()
        vehicle = await Vehicle.select(Vehicle.make, Vehicle.model, Vehicle.plate).where(
            Vehicle.id == row["vehicle"]).first()
        assert customer is not None and vehicle is not None, "foreign keys"
        email = customer["email"].strip()
        _rule(rules.reminder_refusal, row["status"], row["starts_at"], moment, email, customer["email_opt_out"])
        if not valid_email(email):
            raise Refused(f"El e-mail del cliente ({email}) no es una dirección válida: corríjalo en el DMS.")
        branch = await common.branch_rules(row["branch"])
        locale = (await Branch.select(Branch.locale).where(Branch.id == row["branch"]).first() or {})["locale"]
        message = mail.reminder(mail.Visit(
            customer_name=customer["name"], starts_at=row["starts_at"], make=vehicle["make"], model=vehicle["model"],
            plate=vehicle["plate"], branch_name=branch.name, address=branch.address,
            phone=branch.bookings_phone or branch.phone, locale=locale, tz=branch.tz,
        ))
        message_id = await outbox.queue_email(
            recipient=email, subject=message.subject, body_text=message.text, body_html=message.html,
            branch_id=row["branch"], customer_id=row["customer"], entity="appointment", entity_id=appointment_id,
        )
        await common.bump(Appointment, appointment_id, seen,
                          {Appointment.reminder_sent_at: moment, Appointment.updated_at: moment})
        previous = row["reminder_sent_at"]
        await record(
            Actor.of(access),
            "appointment.reminder",
            entity="appointment",
            entity_id=appointment_id,
            branch_id=row["branch"],
            before={"reminder_sent_at": previous.isoformat() if previous else None},
            after={"reminder_sent_at": moment.isoformat(), "message": message_id, "recipient": email},
        )
    await jobs.enqueue("deliver_message", message_id)
    said = f"Recordatorio en camino a {email}."
    if previous:
        said += f" El anterior se había enviado el {_when(previous)}."
    return said


# --- Confirmar -------------------------------------------------------------------------------------


async def confirm(access: Access, appointment_id: int, form: ConfirmForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    async with db.write_transaction():
        row = await common.current(Appointment, access, appointment_id, seen, Appointment.status,
                                   Appointment.starts_at)
        forms.check(errors)
        status = _rule(rules.after_confirm, row["status"])
        moment = common.now()
        await common.bump(
            Appointment,
            appointment_id,
            seen,
            {
                Appointment.status: status,
                Appointment.confirmed_at: moment,
                Appointment.confirmed_by: access.user_id,
                Appointment.confirmation_comment: note,
                Appointment.updated_at: moment,
            },
        )
        await record(
            Actor.of(access),
            "appointment.confirm",
            entity="appointment",
            entity_id=appointment_id,
            branch_id=row["branch"],
            before={"status": row["status"]},
            after={"status": status, "comment": note},
        )
    return i18n.gettext("Turno confirmado para el %(cuando)s.") % {"cuando": _when(row["starts_at"])}


# --- Registrar ingreso -----------------------------------------------------------------------------


async def check_in(access: Access, appointment_id: int, form: VersionForm) -> str:
    seen = forms.version(form.version)
    async with db.write_transaction():
        row = await common.current(Appointment, access, appointment_id, seen, Appointment.status,
                                   Appointment.starts_at)
        branch = await common.branch_rules(row["branch"])
        moment = common.now()
        day = row["starts_at"].astimezone(branch.tz).date()
        status = _rule(rules.after_check_in, row["status"], day, branch.today(moment))
        await common.bump(
            Appointment,
            appointment_id,
            seen,
            {
                Appointment.status: status,
                Appointment.arrived_at: moment,
                Appointment.check_in_source: CheckInSource.manual,
                Appointment.updated_at: moment,
            },
        )
        await record(
            Actor.of(access),
            "appointment.check_in",
            entity="appointment",
            entity_id=appointment_id,
            branch_id=row["branch"],
            before={"status": row["status"]},
            after={"status": status, "arrived_at": moment.isoformat(), "source": "manual"},
        )
        live.changed(row["branch"])
    return f"Ingreso registrado a las {i18n.hora(moment)}. Figura en Últimos ingresos."


# --- Recontactar (Inasistencias) -------------------------------------------------------------------


async def recontact(access: Access, appointment_id: int, form: RecontactForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    step = form.next_step if form.next_step in NEXT_STEPS else None
    if step is None:
        errors["next_step"] = "Elija cómo sigue."
    try:
        async with db.write_transaction():
            row = await common.current(
                Appointment, access, appointment_id, seen, Appointment.status, Appointment.starts_at,
                Appointment.customer, Appointment.vehicle, Appointment.opportunity, Appointment.reason,
            )
            branch = await common.branch_rules(row["branch"])
            result = await common.outcome(row["branch"], form.outcome_id, "attempt", errors)
            dated = step in ("appointment", "opportunity")  # the new appointment's or the next call's moment
            when = forms.moment(form.day, form.time, branch.tz, errors) if dated else None
            forms.check(errors)
            moment = common.now()
            day = row["starts_at"].astimezone(branch.tz).date()
            status = _rule(rules.after_no_show, row["status"], day, branch.today(moment))
            new_appointment = new_opportunity = None
            if step == "appointment":
                assert when is not None
                opportunity_rules.not_in_past(when, moment, i18n.gettext("El nuevo turno"))
                new_appointment = await _rebook(access, row, when)
            elif step == "opportunity":
                assert when is not None
                opportunity_rules.not_in_past(when, moment, "La fecha para volver a llamar")
                if await open_recontact(row["branch"], row["vehicle"]):
                    raise _taken()
                new_opportunity = await _recontact_later(access, row, when, day)
            await common.bump(Appointment, appointment_id, seen,
                              {Appointment.status: status, Appointment.updated_at: moment})
            await common.log_contact(access, row, AttemptPurpose.recontact, result, note, moment,
                                     call_rules.time_slot(moment.astimezone(branch.tz).time()),
                                     appointment=appointment_id, opportunity=new_opportunity)
            await record(
                Actor.of(access),
                "appointment.recontact",
                entity="appointment",
                entity_id=appointment_id,
                branch_id=row["branch"],
                before={"status": row["status"]},
                after={
                    "status": status,
                    "outcome": result["name"],
                    "comment": note,
                    "next_step": step,
                    "appointment": new_appointment,
                    "opportunity": new_opportunity,
                    "at": when.isoformat() if when else None,
                },
            )
    except _UNIQUE as error:  # another user opened the same recontact opportunity a moment ago
        raise _taken() from error
    said = f"Recontacto registrado: {result['name']}."
    if when is not None and step == "appointment":
        said += " " + i18n.gettext("Nuevo turno para el %(cuando)s: figura en Por confirmar.") % {
            "cuando": _when(when)}
    elif when is not None:
        said += f" Oportunidad para volver a llamar el {_when(when)}: figura en Oportunidades nuevas."
    return said


async def _rebook(access: Access, row: dict[str, Any], starts_at: dt.datetime) -> int:
    """The new appointment: same vehicle, customer and reason, from the board,
    linked to the opportunity the missed one came from (if any)."""
    return (
        await Appointment.insert(
            Appointment(
                branch=row["branch"],
                customer=row["customer"],
                vehicle=row["vehicle"],
                opportunity=row["opportunity"],
                starts_at=starts_at,
                source=AppointmentSource.board,
                reason=row["reason"][:300],
                confirmation_comment="",
                created_by=access.user_id,
            )
        ).returning(Appointment.id)
    )[0]["id"]


async def _recontact_later(access: Access, row: dict[str, Any], due: dt.datetime, missed: dt.date) -> int:
    reason = i18n.gettext("No se presentó al turno del %(fecha)s") % {"fecha": missed.strftime("%d/%m/%Y")}
    return (
        await Opportunity.insert(
            Opportunity(
                branch=row["branch"],
                customer=row["customer"],
                vehicle=row["vehicle"],
                kind=OpportunityKind.no_show,
                source=OpportunitySource.appointment,
                reason=reason[:300],
                due_at=due,
                created_by=access.user_id,
                assigned_to=access.user_id,
            )
        ).returning(Opportunity.id)
    )[0]["id"]


def _taken() -> Invalid:
    return Invalid(
        errors={
            "next_step": "Este vehículo ya tiene una oportunidad de recontacto abierta: "
            "búsquela en Oportunidades nuevas y replanifíquela, o elija otro paso."
        }
    )
