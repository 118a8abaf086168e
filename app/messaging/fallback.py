"""The fallback after the last unanswered call: an e-mail when the customer has
an address and accepts e-mail, otherwise a letter to print (A4, in the
Cartas batch). Both carry the dealer's name, the phones for bookings, why we
were calling and the branch's current promotion, in the branch's words."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from app import i18n
from app.i18n import N_
from app.messaging import outbox
from app.rules.contact import valid_email
from app.tables import Channel, OutboxMessage

SUBJECT = N_("%(sucursal)s: le estuvimos llamando por su %(vehiculo)s")
INTRO = N_("Intentamos comunicarnos con usted varias veces, sin suerte, por este motivo: %(motivo)s.")
CALL_US = N_("Para sacar turno llámenos al %(telefono)s, o responda este mensaje y lo llamamos nosotros.")
WRITE_US = N_("Para sacar turno llámenos al %(telefono)s.")


@dataclass(frozen=True)
class Fallback:
    customer_id: int
    customer_name: str
    email: str
    email_opt_out: bool
    address: str  # street, city and state of the customer, for the letter's envelope window
    vehicle: str
    reason: str
    dealer_name: str
    branch_name: str
    branch_address: str
    phones: list[str]  # bookings phone first
    promotion: str
    locale: str


def by_email(f: Fallback) -> bool:
    return bool(f.email) and not f.email_opt_out and valid_email(f.email)


def _lines(f: Fallback, invite: str) -> list[str]:
    say = i18n.translations(f.locale).gettext
    phone = " / ".join(i18n.telefono(p) for p in f.phones if p)
    lines = [f"Estimado/a {f.customer_name}:" if f.customer_name else "Estimado/a cliente:", "",
             say(INTRO) % {"motivo": f.reason or f.vehicle}, ""]
    if phone:
        lines += [say(invite) % {"telefono": phone}, ""]
    if f.promotion:
        lines += [f.promotion, ""]
    return [*lines, "Saludos cordiales,", f"{f.dealer_name} — {f.branch_name}", f.branch_address]


async def produce(f: Fallback, branch_id: int, opportunity_id: int) -> tuple[str, int]:
    """Writes the e-mail or the letter (inside the caller's transaction): ("email" | "letter", outbox id).
    The e-mail is delivered by the outbox job; the letter waits in Cartas until printed."""
    say = i18n.translations(f.locale).gettext
    subject = say(SUBJECT) % {"sucursal": f.branch_name, "vehiculo": f.vehicle}
    key = f"fallback:opportunity:{opportunity_id}"
    if by_email(f):
        text = "\n".join(_lines(f, CALL_US))
        html = ('<!doctype html><html><body style="font-family:Arial,sans-serif;font-size:15px;color:#1d2733">'
                + "".join(f"<p>{escape(line)}</p>" for line in text.split("\n\n")) + "</body></html>")
        message_id = await outbox.queue_email(recipient=f.email, subject=subject[:300], body_text=text,
                                              body_html=html, branch_id=branch_id, customer_id=f.customer_id,
                                              entity="opportunity", entity_id=opportunity_id, dedupe_key=key)
        return "email", message_id
    rows = await OutboxMessage.insert(OutboxMessage(
        branch=branch_id, customer=f.customer_id, channel=Channel.letter, recipient=f"{f.customer_name}\n{f.address}",
        subject=subject[:300], body_text="\n".join(_lines(f, WRITE_US)), entity="opportunity",
        entity_id=opportunity_id, dedupe_key=key,
    )).returning(OutboxMessage.id)
    return "letter", rows[0]["id"]
