"""Writes of the messaging area."""

from __future__ import annotations

from app import db, jobs
from app.audit import Actor, record
from app.auth.access import Access
from app.errors import Invalid
from app.messaging import outbox
from app.rules.contact import INVALID_EMAIL, valid_email

TEST_SUBJECT = "Retorno: correo de prueba"


async def send_test_email(access: Access, recipient: str) -> int:
    recipient = recipient.strip()
    if not valid_email(recipient):
        raise Invalid(errors={"recipient": INVALID_EMAIL})
    branch = access.branch
    body = (f"Este es un correo de prueba enviado por {access.full_name} desde Retorno"
            f"{f' ({branch.name})' if branch else ''}.\n\nSi lo recibió, el correo saliente funciona.")
    async with db.write_transaction():
        message_id = await outbox.queue_email(recipient=recipient, subject=TEST_SUBJECT, body_text=body,
                                              branch_id=branch.id if branch else None, entity="test_email")
        await record(Actor.of(access), "outbox.test_email", entity="outbox_message", entity_id=message_id,
                     branch_id=branch.id if branch else None, after={"recipient": recipient})
    await jobs.enqueue("deliver_message", message_id)
    return message_id
