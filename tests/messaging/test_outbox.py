"""The outbox and the job runner: one enqueue interface, delivered once,
through a real SMTP server, in-process and by a real arq worker on Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import os
import subprocess
import sys
import uuid

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from app import db, jobs
from app.config import ROOT
from app.messaging import outbox
from app.tables import OutboxMessage
from tests.mail import SMTPServer, free_port


async def queue_reminder(make, subject: str = "Recordatorio de tu turno") -> int:
    branch = await make.branch()
    async with db.write_transaction():
        return await outbox.queue_email(
            recipient="juana.perez@example.com", subject=subject, branch_id=branch.id,
            body_text="Te esperamos el viernes 27/11 a las 09:00 con tu Gol Trend AB123CD.",
            body_html="<p>Te esperamos el <b>viernes 27/11</b> a las 09:00.</p>",
        )


async def status_of(message_id: int) -> dict:
    return await OutboxMessage.select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.sent_at,
                                      OutboxMessage.last_error).where(OutboxMessage.id == message_id).first()


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp_configured(monkeypatch, settings, smtp):
    configured = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none")
    monkeypatch.setattr(outbox, "get_settings", lambda: configured)
    return smtp


async def test_in_process_job_sends_through_smtp(make, smtp_configured):
    message_id = await queue_reminder(make)
    task = await jobs.enqueue("deliver_message", message_id)
    assert await asyncio.wait_for(task, 10) == "sent"
    [mail] = smtp_configured.messages
    assert mail["Subject"] == "Recordatorio de tu turno" and mail["To"] == "juana.perez@example.com"
    assert "AB123CD" in mail.get_payload()[0].get_payload(decode=True).decode()
    row = await status_of(message_id)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"] is not None


async def test_two_deliveries_of_one_message_send_it_once(make, smtp_configured):
    message_id = await queue_reminder(make)
    tasks = [await jobs.enqueue("deliver_message", message_id) for _ in range(3)]
    results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert sorted(results) == ["not-pending", "not-pending", "sent"]
    assert len(smtp_configured.messages) == 1


async def test_smtp_down_retries_then_gives_up(make, monkeypatch, settings):
    nobody_listens = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(),
                                         smtp_security="none")
    monkeypatch.setattr(outbox, "get_settings", lambda: nobody_listens)
    message_id = await queue_reminder(make)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        result = await outbox.deliver_message({}, message_id)
        row = await status_of(message_id)
        assert row["attempts"] == attempt and row["last_error"]
        assert result == ("failed" if attempt == outbox.MAX_ATTEMPTS else "pending")
    assert await outbox.deliver_message({}, message_id) == "not-pending"


async def test_without_smtp_the_message_is_written_under_var(make, settings):
    message_id = await queue_reminder(make, subject="Confirmación de turno")
    assert await outbox.deliver_message({}, message_id) == "sent"
    written = (settings.var_dir / "mail" / f"{message_id}.eml").read_bytes()
    assert email.message_from_bytes(written, policy=email.policy.default)["Subject"] == "Confirmación de turno"


async def test_the_sweep_delivers_what_was_never_enqueued(make, smtp_configured):
    first, second = await queue_reminder(make), await queue_reminder(make)
    assert await outbox.sweep_outbox({}) >= 2
    assert {(await status_of(m))["status"] for m in (first, second)} == {"sent"}


async def test_unknown_jobs_are_refused():
    with pytest.raises(KeyError):
        await jobs.enqueue("no_such_job")


@pytest.mark.redis
async def test_a_real_arq_worker_delivers_through_the_same_interface(make, redis_url, smtp, monkeypatch):
    queue_name = f"retorno:test:{uuid.uuid4().hex[:8]}"
    env = os.environ | {"REDIS_URL": redis_url, "JOB_QUEUE": queue_name, "SMTP_HOST": "127.0.0.1",
                        "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none"}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    monkeypatch.setattr(jobs, "_queue", jobs.ArqQueue(pool))
    try:
        assert jobs.backend() == "arq"
        message_id = await queue_reminder(make)
        job = await jobs.enqueue("deliver_message", message_id)
        assert await job.result(timeout=30) == "sent"
        assert [m["Subject"] for m in smtp.messages] == ["Recordatorio de tu turno"]
        assert (await status_of(message_id))["status"] == "sent"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0].decode()
        await pool.aclose()
    assert "deliver_message" in output, output
