"""Writes of the messaging area."""

from __future__ import annotations

import datetime as dt

from app import db, jobs
from app.audit import Actor, record
from app.auth.access import Access
from app.errors import Invalid
from app.messaging import outbox
from app.rules.contact import INVALID_EMAIL, valid_email
from app.tables import Channel, OutboxMessage, OutboxStatus

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


async def mark_letters_printed(access: Access, letter_ids: list[int]) -> int:
    """The letters (of the user's branch, still waiting) are printed; returns how many."""
    if not letter_ids:
        return 0
    branch_id = access.branch.id if access.branch else 0
    now = dt.datetime.now(dt.UTC)
    async with db.write_transaction():
        printed = await OutboxMessage.update({OutboxMessage.status: OutboxStatus.sent,
                                              OutboxMessage.sent_at: now}).where(
            OutboxMessage.id.is_in(letter_ids) & (OutboxMessage.branch == branch_id)
            & (OutboxMessage.channel == Channel.letter) & (OutboxMessage.status == OutboxStatus.pending)
        ).returning(OutboxMessage.id)
        if printed:
            await record(Actor.of(access), "letters.printed", entity="outbox_message", branch_id=branch_id,
                         after={"letters": [r["id"] for r in printed]})
    return len(printed)
