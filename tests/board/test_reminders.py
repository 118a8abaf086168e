"""The reminder e-mail of an appointment, end to end: queued by "Enviar
recordatorio", delivered by the in-process worker and by a real arq worker
on Redis to a real SMTP server (aiosmtpd), retried with back-off while SMTP
is down, and its state on the row."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import subprocess
import sys
import uuid
from email.header import decode_header, make_header
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from app import jobs
from app.config import ROOT
from app.messaging import outbox
from app.tables import OutboxMessage
from tests.http import text_of
from tests.mail import SMTPServer, free_port

HX = {"HX-Request": "true"}


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


def configure_smtp(monkeypatch, settings, port: int) -> None:
    configured = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    monkeypatch.setattr(outbox, "get_settings", lambda: configured)


def local(branch, days: int, hour: int, minute: int = 0) -> dt.datetime:
    tz = ZoneInfo(branch.timezone)
    day = dt.datetime.now(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)


async def booked(make, country: str = "AR"):
    """A branch with an address, a customer whose name needs escaping, an appointment in three days."""
    branch = await make.branch(country=country, street="Av. Santa Fe 3253", city="Palermo", state="CABA",
                               phone="+541147771850", bookings_phone="+541147771800")
    customer = await make.customer(branch, name="Juana <b>Pérez</b> & Cía", email="juana.perez@example.com")
    vehicle = await make.vehicle(branch, owner=customer, make="Volkswagen", model="Gol Trend", plate="AB123CD")
    appointment = await make.appointment(branch, starts_at=local(branch, 3, 9, 30), vehicle=vehicle)
    return branch, appointment


async def send(as_user, make, branch, appointment):
    user = await make.user("coordinator", [branch])
    client = await as_user(user.username)
    response = await client.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "1"}, headers=HX)
    assert response.status_code == 200, response.text
    return client


async def message_of(appointment) -> dict:
    return await OutboxMessage.select().where(
        (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == appointment.id)
    ).order_by(OutboxMessage.id, ascending=False).first()


async def until(check, seconds: float = 15):
    """Poll `check()` (async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        found = await check()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "no llegó a tiempo"
        await asyncio.sleep(0.05)


def parts(mail: Message) -> tuple[str, str, str]:
    subject = str(make_header(decode_header(mail["Subject"])))
    text, html = (part.get_payload(decode=True).decode() for part in mail.get_payload())
    return subject, text, html


async def row_reminder(client, tab: str = "por-confirmar") -> str:
    html = (await client.get("/turnos", params={"tab": tab}, headers=HX)).text
    return " ".join(text_of(html, "reminder")[0].split())


def assert_reminder(mail: Message, branch, appointment, *, word: str, plate_word: str) -> None:
    subject, text, html = parts(mail)
    day = appointment.starts_at.astimezone(ZoneInfo(branch.timezone)).strftime("%d/%m/%Y")
    assert mail["To"] == "juana.perez@example.com"
    assert subject == f"Recordatorio de su {word} del {day} a las 09:30"
    assert day in text and "Hora: 09:30" in text
    assert f"Volkswagen Gol Trend, {plate_word} AB123CD" in text
    assert "Dirección: Av. Santa Fe 3253, Palermo, CABA" in text and "+54 11 4777-1800" in text
    assert branch.name in text
    assert "Juana &lt;b&gt;Pérez&lt;/b&gt; &amp; Cía" in html and "<b>Pérez" not in html
    assert "Av. Santa Fe 3253, Palermo, CABA" in html and "09:30" in html


async def test_in_process_worker_delivers_the_reminder(as_user, make, monkeypatch, settings, smtp):
    configure_smtp(monkeypatch, settings, smtp.port)
    branch, appointment = await booked(make)
    client = await send(as_user, make, branch, appointment)
    sent = await until(lambda: _sent(appointment))
    [mail] = smtp.messages
    assert_reminder(mail, branch, appointment, word="turno", plate_word="patente")
    hour = sent["sent_at"].astimezone(ZoneInfo(branch.timezone)).strftime("%H:%M")
    assert await row_reminder(client) == f"Recordatorio enviado {hour}"


async def test_mexico_gets_its_words(as_user, make, monkeypatch, settings, smtp):
    configure_smtp(monkeypatch, settings, smtp.port)
    branch, appointment = await booked(make, country="MX")
    await send(as_user, make, branch, appointment)
    await until(lambda: _sent(appointment))
    [mail] = smtp.messages
    assert_reminder(mail, branch, appointment, word="cita", plate_word="placas")
    assert "agendar otra cita" in parts(mail)[1]


async def _sent(appointment) -> dict | None:
    row = await message_of(appointment)
    return row if row and row["status"] == "sent" else None


async def test_smtp_down_retries_with_back_off_then_fails(as_user, make, monkeypatch, settings):
    configure_smtp(monkeypatch, settings, free_port())  # nobody listens there
    branch, appointment = await booked(make)
    client = await send(as_user, make, branch, appointment)

    async def tried(times: int) -> dict | None:
        row = await message_of(appointment)
        return row if row["attempts"] == times and row["status"] == "pending" else None

    first = await until(lambda: tried(1))  # the enqueued delivery failed: pending, with its error
    assert first["last_error"]
    assert await row_reminder(client) == "Recordatorio en cola, reintentando (1)"

    async def back(minutes: float) -> None:  # as if the last try were that long ago
        claimed = (await message_of(appointment))["claimed_at"]
        await OutboxMessage.update({OutboxMessage.claimed_at: claimed - dt.timedelta(minutes=minutes)}).where(
            OutboxMessage.id == first["id"])

    await outbox.sweep_outbox({})
    assert (await message_of(appointment))["attempts"] == 1  # too soon: 5 minutes first
    await back(5.1)
    await outbox.sweep_outbox({})
    assert (await message_of(appointment))["attempts"] == 2
    await back(6)
    await outbox.sweep_outbox({})
    assert (await message_of(appointment))["attempts"] == 2  # then 10 minutes
    await back(4.1)
    await outbox.sweep_outbox({})
    assert (await message_of(appointment))["attempts"] == 3
    for _ in range(outbox.MAX_ATTEMPTS - 3):
        assert await outbox.deliver_message({}, first["id"]) in ("pending", "failed")
    row = await message_of(appointment)
    assert (row["status"], row["attempts"]) == ("failed", outbox.MAX_ATTEMPTS)
    assert (await row_reminder(client)).startswith("Recordatorio falló: ")


async def test_a_retry_goes_out_once_smtp_is_back(as_user, make, monkeypatch, settings, smtp):
    configure_smtp(monkeypatch, settings, free_port())
    branch, appointment = await booked(make)
    client = await send(as_user, make, branch, appointment)
    first = await until(lambda: _tried_once(appointment))
    configure_smtp(monkeypatch, settings, smtp.port)
    await OutboxMessage.update({OutboxMessage.claimed_at: first["claimed_at"] - dt.timedelta(minutes=6)}).where(
        OutboxMessage.id == first["id"])
    assert await outbox.sweep_outbox({}) >= 1
    row = await _sent(appointment)
    assert row is not None and row["attempts"] == 2 and row["last_error"] == ""
    assert [parts(m)[0].startswith("Recordatorio de su turno") for m in smtp.messages] == [True]
    assert (await row_reminder(client)).startswith("Recordatorio enviado ")


async def _tried_once(appointment) -> dict | None:
    row = await message_of(appointment)
    return row if row["attempts"] == 1 and row["status"] == "pending" else None


@pytest.mark.redis
async def test_a_real_arq_worker_delivers_the_reminder(as_user, make, redis_url, smtp, monkeypatch):
    queue_name = f"retorno:test:{uuid.uuid4().hex[:8]}"
    env = os.environ | {"REDIS_URL": redis_url, "JOB_QUEUE": queue_name, "SMTP_HOST": "127.0.0.1",
                        "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none"}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    monkeypatch.setattr(jobs, "_queue", jobs.ArqQueue(pool))
    try:
        branch, appointment = await booked(make)
        client = await send(as_user, make, branch, appointment)
        await until(lambda: _sent(appointment), seconds=30)
        [mail] = smtp.messages
        assert_reminder(mail, branch, appointment, word="turno", plate_word="patente")
        assert (await row_reminder(client)).startswith("Recordatorio enviado ")
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0].decode()
        await pool.aclose()
    assert "deliver_message" in output, output
