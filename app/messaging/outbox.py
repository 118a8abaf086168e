"""The outbox: messages are written with the change that causes them and
delivered once by a job.

E-mail goes out through SMTP (aiosmtplib). Without SMTP_HOST (a laptop, the
demo) each message is written to var/mail/<id>.eml instead, so it can be
read and nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib

from app import db
from app.config import Settings, get_settings
from app.tables import Channel, OutboxMessage, OutboxStatus

log = logging.getLogger("retorno.outbox")

MAX_ATTEMPTS = 5
STUCK_AFTER = dt.timedelta(minutes=10)
RETRY_AFTER = dt.timedelta(minutes=5)  # after a failed try; doubled after each: 5, 10, 20, 40 minutes


def retry_due(attempts: int, last_try: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a pending message may be tried again: at once if never tried,
    else after a back-off that doubles with each failed try."""
    return attempts == 0 or last_try is None or last_try + RETRY_AFTER * 2 ** (attempts - 1) <= now


async def queue_email(*, recipient: str, subject: str, body_text: str, body_html: str = "",
                      branch_id: int | None = None, customer_id: int | None = None, entity: str = "",
                      entity_id: int | None = None, dedupe_key: str | None = None) -> int:
    """Write the message; call inside the transaction of the change that causes it,
    then `jobs.enqueue("deliver_message", id)` after it commits."""
    rows = await OutboxMessage.insert(OutboxMessage(
        branch=branch_id, customer=customer_id, channel=Channel.email, recipient=recipient, subject=subject,
        body_text=body_text, body_html=body_html, entity=entity, entity_id=entity_id, dedupe_key=dedupe_key,
    )).returning(OutboxMessage.id)
    return rows[0]["id"]


def compose(settings: Settings, row: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = make_msgid(domain="retorno")
    message.set_content(row["body_text"])
    if row["body_html"]:
        message.add_alternative(row["body_html"], subtype="html")
    return message


async def _send(settings: Settings, message: EmailMessage, message_id: int) -> None:
    if not settings.smtp_host:
        folder = settings.var_dir / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message_id}.eml").write_bytes(bytes(message))
        return
    await aiosmtplib.send(
        message, hostname=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_user,
        password=settings.smtp_password, start_tls=settings.smtp_security == "starttls",
        use_tls=settings.smtp_security == "tls", timeout=30,
    )


async def deliver_message(ctx: dict[str, Any], message_id: int) -> str:
    """Job: send one message, once. Returns its final status."""
    async with db.write_transaction():
        # Claiming the row first means two workers never both send it.
        claimed = await OutboxMessage.update({
            OutboxMessage.status: OutboxStatus.sending, OutboxMessage.attempts: OutboxMessage.attempts + 1,
            OutboxMessage.claimed_at: dt.datetime.now(dt.UTC),
        }).where(
            (OutboxMessage.id == message_id) & (OutboxMessage.status == OutboxStatus.pending)
            & (OutboxMessage.channel == Channel.email)  # letters wait in Cartas to be printed
        ).returning(*OutboxMessage.all_columns())
    if not claimed:
        return "not-pending"
    row = claimed[0]
    settings = get_settings()
    try:
        await _send(settings, compose(settings, row), message_id)
    except (aiosmtplib.SMTPException, OSError) as error:
        status = OutboxStatus.failed if row["attempts"] >= MAX_ATTEMPTS else OutboxStatus.pending
        log.warning("message %s not sent (try %s): %s", message_id, row["attempts"], error)
        await OutboxMessage.update({OutboxMessage.status: status, OutboxMessage.last_error: str(error)[:2000]}).where(
            OutboxMessage.id == message_id)
        return status.value
    await OutboxMessage.update({
        OutboxMessage.status: OutboxStatus.sent, OutboxMessage.sent_at: dt.datetime.now(dt.UTC),
        OutboxMessage.last_error: "",
    }).where(OutboxMessage.id == message_id)
    return OutboxStatus.sent.value


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Cron job: deliver whatever is pending (a lost enqueue, a retry after an
    SMTP failure, once its back-off has passed) and release claims of a worker
    that died mid-send."""
    now = dt.datetime.now(dt.UTC)
    await OutboxMessage.update({OutboxMessage.status: OutboxStatus.pending}).where(
        (OutboxMessage.status == OutboxStatus.sending) & (OutboxMessage.claimed_at < now - STUCK_AFTER))
    pending = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.claimed_at).where(
        (OutboxMessage.status == OutboxStatus.pending) & (OutboxMessage.channel == Channel.email)
        & ((OutboxMessage.attempts == 0) | (OutboxMessage.claimed_at < now - RETRY_AFTER))
    ).order_by(OutboxMessage.id).limit(500)
    due = [row["id"] for row in pending if retry_due(row["attempts"], row["claimed_at"], now)]
    for message_id in due:
        await deliver_message(ctx, message_id)
    return len(due)
