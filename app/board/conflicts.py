"""What the loser of a race on one row is told: who did what, and when."""

from __future__ import annotations

from app import db, i18n
from app.board.lists import utc
from app.i18n import N_

# The audit actions of the board, as the sentence's verb phrase.
DONE = {
    "opportunity.create": N_("creó esta oportunidad"),
    "opportunity.discard": N_("descartó esta oportunidad"),
    "opportunity.reschedule": N_("replanificó esta oportunidad"),
    "opportunity.book": N_("vendió el turno de esta oportunidad"),
    "opportunity.attempt": N_("registró un intento de contacto"),
    "delivery.welcome_call": N_("registró el llamado de bienvenida"),
    "appointment.reminder": N_("envió el recordatorio"),
    "appointment.confirm": N_("confirmó este turno"),
    "appointment.check_in": N_("registró el ingreso"),
    "appointment.recontact": N_("registró el recontacto"),
    "repair_order.deliver": N_("marcó la unidad como entregada"),
    "repair_order.courtesy_call": N_("registró el llamado de cortesía"),
}

LAST_CHANGE_SQL = """
SELECT e.action, e.created_at, COALESCE(u.full_name, e.username) AS who
  FROM audit_event e LEFT JOIN app_user u ON u.id = e."user"
 WHERE e.entity = {} AND e.entity_id = {}
 ORDER BY e.created_at DESC, e.id DESC LIMIT 1
"""


async def who_changed(entity: str, entity_id: int) -> str:
    rows = await db.fetch(LAST_CHANGE_SQL, entity, entity_id)
    if not rows or rows[0]["action"] not in DONE:
        return "Otra persona acaba de modificar este registro: vea cómo quedó."
    row = rows[0]
    when = i18n.hora(utc(row["created_at"]))
    return f"Se le adelantaron: {row['who']} {i18n.gettext(DONE[row['action']])} a las {when}. Vea cómo quedó."
