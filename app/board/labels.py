"""What the board calls its codes, in Spanish (gettext msgids: es-MX may say it otherwise)."""

from __future__ import annotations

from app.i18n import N_, gettext

OPPORTUNITY_KINDS = {
    "manual": N_("Llamado a pedido"),
    "welcome_followup": N_("Primer servicio"),
    "maintenance": N_("Mantenimiento"),
    "lapsed": N_("Sin visitas hace 6 meses"),
    "declined_work": N_("Trabajo no autorizado"),
    "recall": N_("Campaña de seguridad"),
    "technical_note": N_("Nota técnica"),
    "marketing": N_("Campaña comercial"),
    "service_campaign": N_("Campaña de servicio"),
    "no_show": N_("Recontacto por inasistencia"),
    "web_booking": N_("Reserva web"),
}
# What a user may create by hand (campaign kinds come from the campaign wizard).
USER_KINDS = ("manual", "welcome_followup", "maintenance", "declined_work", "no_show")
SLOT_NAMES = {"morning": N_("Mañana"), "midday": N_("Mediodía"), "afternoon": N_("Tarde"), "evening": N_("Noche")}
CHANNEL_NAMES = {"phone": N_("Teléfono"), "whatsapp": N_("WhatsApp"), "email": N_("E-mail"), "sms": N_("SMS")}
APPOINTMENT_STATUS = {
    "scheduled": N_("Por confirmar"),
    "confirmed": N_("Confirmado"),
    "arrived": N_("Ingresó"),
    "no_show": N_("No asistió"),
    "cancelled": N_("Cancelado"),
}


def choices(names: dict[str, str], keys: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """A select's (value, text) pairs in the active branch's words."""
    return [(key, gettext(names[key])) for key in (keys or tuple(names))]


def user_kinds() -> list[tuple[str, str]]:
    return choices(OPPORTUNITY_KINDS, USER_KINDS)

# --- Entregas, En proceso, Servicios realizados -----------------------------------------------
REPAIR_ORDER_STAGES = {
    "quote": N_("Presupuesto"),
    "authorization": N_("En autorización"),
    "in_process": N_("En reparación"),
    "finished": N_("Terminado"),
}

# --- Próximos turnos ------------------------------------------------------------------------------
APPOINTMENT_SOURCES = {"dms": N_("DMS"), "board": N_("tablero"), "web": N_("web")}
RECONTACT_STEPS = {
    "appointment": N_("Nuevo turno (el cliente ya eligió fecha y hora)"),
    "opportunity": N_("Volver a llamar (oportunidad de recontacto)"),
    "none": N_("Nada más por ahora"),
}

# --- Ver cliente ---------------------------------------------------------------------------------------
OPPORTUNITY_STATUS = {"open": N_("Abierta"), "booked": N_("Turno vendido"), "discarded": N_("Descartada")}
REPAIR_ORDER_STATUS = {"open": N_("En taller"), "delivered": N_("Entregada"), "cancelled": N_("Anulada")}
LINE_KINDS = {"labour": N_("Mano de obra"), "part": N_("Repuesto"), "other": N_("Otro")}
LINE_APPROVAL = {"pending": N_("Pendiente"), "authorised": N_("Autorizado"), "declined": N_("No autorizado")}
ATTEMPT_PURPOSES = {
    "opportunity": N_("Oportunidad"), "welcome": N_("Bienvenida"), "courtesy": N_("Cortesía"),
    "confirmation": N_("Confirmación"), "recontact": N_("Recontacto"),
}
OUTBOX_STATUS = {"pending": N_("en cola"), "sending": N_("enviándose"), "sent": N_("enviado"),
                 "failed": N_("falló"), "skipped": N_("no enviado")}
