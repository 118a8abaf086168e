"""The action of Entregas: the welcome call.

One transaction with its contact attempt and audit event. Order of refusals:
a row out of reach is NotFound (404), then a stale version (409), then bad
input (422, next to the field), then what the life cycle refuses (422).
"""

from __future__ import annotations

from app import db, i18n
from app.audit import Actor, record
from app.auth.access import Access
from app.board import common, forms
from app.board.forms import CallForm
from app.rules import calls as call_rules
from app.tables import AttemptPurpose, Delivery


async def welcome_call(access: Access, delivery_id: int, form: CallForm) -> str:
    seen = forms.version(form.version)
    errors: dict[str, str] = {}
    note = forms.comment(form.comment, errors)
    async with db.write_transaction():
        row = await common.current(
            Delivery, access, delivery_id, seen, Delivery.welcome_call_status, Delivery.customer
        )
        branch = await common.branch_rules(row["branch"])
        result = await common.outcome(row["branch"], form.outcome_id, "welcome", errors)
        forms.check(errors)
        assert result is not None
        status = call_rules.after_call(row["welcome_call_status"], result["id"], "llamado de bienvenida")
        moment = common.now()
        await common.bump(
            Delivery,
            delivery_id,
            seen,
            {
                Delivery.welcome_call_status: status,
                Delivery.welcome_call_outcome: result["id"],
                Delivery.welcome_call_comment: note,
                Delivery.welcome_called_at: moment,
                Delivery.welcome_called_by: access.user_id,
                Delivery.updated_at: moment,
            },
        )
        await common.log_contact(access, row, AttemptPurpose.welcome, result, note, moment,
                                 call_rules.time_slot(moment.astimezone(branch.tz).time()), delivery=delivery_id)
        await record(
            Actor.of(access),
            "delivery.welcome_call",
            entity="delivery",
            entity_id=delivery_id,
            branch_id=row["branch"],
            before={"status": row["welcome_call_status"]},
            after={"status": status, "outcome": result["name"], "comment": note},
        )
    return i18n.gettext("Llamado de bienvenida registrado: %(resultado)s.") % {"resultado": result["name"]}
