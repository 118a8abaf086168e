"""The workshop's actions: "Unidad entregada" (En proceso) and the courtesy
call (Servicios realizados).

Each runs in one transaction with its audit event. Order of refusals: a row
out of reach is NotFound (404), then a stale version (409), then bad input
(422, next to the field), then what the life cycle refuses (422, in words).
"""

from __future__ import annotations

from app import db, i18n
from app.audit import Actor, record
from app.auth.access import Access
from app.board import common, forms
from app.board.forms import CallForm, VersionForm
from app.display import live
from app.rules import Refused
from app.rules import calls as call_rules
from app.rules import repair_orders as rules
from app.tables import AttemptPurpose, RepairOrder


async def deliver(access: Access, ro_id: int, form: VersionForm) -> str:
    seen = forms.version(form.version)
    async with db.write_transaction():
        row = await common.current(RepairOrder, access, ro_id, seen, RepairOrder.status, RepairOrder.number)
        status = rules.after_delivery(row["status"])
        moment = common.now()
        await common.bump(
            RepairOrder,
            ro_id,
            seen,
            {
                RepairOrder.status: status,
                RepairOrder.delivered_at: moment,
                RepairOrder.delivered_by: access.user_id,
                RepairOrder.updated_at: moment,
            },
        )
        await record(
            Actor.of(access),
            "repair_order.deliver",
            entity="repair_order",
            entity_id=ro_id,
            branch_id=row["branch"],
            before={"status": row["status"]},
            after={"status": status, "delivered_at": moment.isoformat()},
        )
        live.changed(row["branch"])
    return i18n.gettext(
        "Unidad entregada: orden %(numero)s. Ya figura en Servicios realizados, para el llamado de cortesía."
    ) % {"numero": row["number"]}


async def courtesy_call(access: Access, ro_id: int, form: CallForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    async with db.write_transaction():
        row = await common.current(
            RepairOrder, access, ro_id, seen, RepairOrder.status, RepairOrder.courtesy_call_status,
            RepairOrder.customer,
        )
        branch = await common.branch_rules(row["branch"])
        result = await common.outcome(row["branch"], form.outcome_id, "courtesy", errors)
        forms.check(errors)
        assert result is not None
        if row["status"] != rules.DELIVERED:
            raise Refused("Esta unidad todavía no se entregó: el llamado de cortesía se hace después de la entrega.")
        status = call_rules.after_call(row["courtesy_call_status"], result["id"], "llamado de cortesía")
        moment = common.now()
        await common.bump(
            RepairOrder,
            ro_id,
            seen,
            {
                RepairOrder.courtesy_call_status: status,
                RepairOrder.courtesy_call_outcome: result["id"],
                RepairOrder.courtesy_call_comment: note,
                RepairOrder.courtesy_called_at: moment,
                RepairOrder.courtesy_called_by: access.user_id,
                RepairOrder.updated_at: moment,
            },
        )
        await common.log_contact(access, row, AttemptPurpose.courtesy, result, note, moment,
                                 call_rules.time_slot(moment.astimezone(branch.tz).time()), repair_order=ro_id)
        await record(
            Actor.of(access),
            "repair_order.courtesy_call",
            entity="repair_order",
            entity_id=ro_id,
            branch_id=row["branch"],
            before={"status": row["courtesy_call_status"]},
            after={"status": status, "outcome": result["name"], "comment": note},
        )
    return i18n.gettext("Llamado de cortesía registrado: %(resultado)s.") % {"resultado": result["name"]}
