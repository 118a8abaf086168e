"""The catalogs a new branch starts with; managers edit them per branch."""

from __future__ import annotations

DISCARD_REASONS = (
    "Precio",
    "Lo atiende otro taller",
    "Vendió el vehículo",
    "No tiene tiempo",
    "Vive lejos del taller",
    "Vehículo siniestrado",
    "Datos de contacto erróneos",
    "No desea ser contactado",
    "Otro",
)

# (name, purpose, reached). Purpose "any" applies to every kind of call.
_OUTCOMES = (
    ("Contactado: {agenda}", "attempt", True),
    ("Contactado: lo va a pensar", "attempt", True),
    ("Contactado: no le interesa", "attempt", True),
    ("No contesta", "any", False),
    ("Buzón de voz", "any", False),
    ("Número equivocado", "any", False),
    ("Pidió que lo llamen más tarde", "any", True),
    ("Bienvenida realizada: conforme con la entrega", "welcome", True),
    ("Bienvenida realizada: con observaciones", "welcome", True),
    ("Satisfecho con el servicio", "courtesy", True),
    ("Insatisfecho: requiere seguimiento", "courtesy", True),
    ("Confirmó que asiste", "confirmation", True),
    ("Cancela: pide nueva fecha", "confirmation", True),
)

_WORDS = {"es-AR": {"agenda": "sacó turno"}, "es-MX": {"agenda": "agendó cita"}}


def call_outcomes(locale: str) -> list[tuple[str, str, bool]]:
    words = _WORDS.get(locale, _WORDS["es-AR"])
    return [(name.format(**words), purpose, reached) for name, purpose, reached in _OUTCOMES]
