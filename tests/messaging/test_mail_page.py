"""/admin/correo: an admin checks outgoing mail with a test message."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from app.messaging.commands import TEST_SUBJECT
from app.tables import AuditEvent, OutboxMessage
from tests.browser import sign_in


async def sent_count(recipient: str) -> int:
    return await OutboxMessage.count().where(OutboxMessage.recipient == recipient)


async def wait_until_sent(recipient: str) -> str:
    for _ in range(100):
        row = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.recipient == recipient).first()
        if row and row["status"] == "sent":
            return "sent"
        await asyncio.sleep(0.05)
    return row["status"] if row else "missing"


async def test_admin_sends_a_test_email(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/correo/prueba", data={"recipient": "taller@example.com"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-test="test-email-queued"' in response.text
    assert await wait_until_sent("taller@example.com") == "sent"
    assert await AuditEvent.exists().where((AuditEvent.action == "outbox.test_email")
                                           & (AuditEvent.user == world.users["admin"].id))
    page = await admin.get("/admin/correo")
    assert "taller@example.com" in page.text and TEST_SUBJECT in page.text


async def test_a_bad_address_is_refused_and_nothing_is_queued(as_user, make):
    world = await make.world()
    admin = await as_user(world.users["admin"].username)
    response = await admin.post("/admin/correo/prueba", data={"recipient": "no es un correo"})
    assert response.status_code == 422 and "dirección de correo válida" in response.text
    assert 'aria-invalid="true"' in response.text
    assert await sent_count("no es un correo") == 0


@pytest.mark.parametrize("role", ["advisor", "coordinator", "manager"])
async def test_only_admins(as_user, make, role):
    world = await make.world()
    user = await as_user(world.users[role].username)
    assert (await user.get("/admin/correo")).status_code == 403
    assert (await user.post("/admin/correo/prueba", data={"recipient": "x@example.com"})).status_code == 403
    assert await sent_count("x@example.com") == 0


async def test_another_dealers_messages_are_not_listed(as_user, make):
    world = await make.world()
    other = await as_user(world.users["other_dealer_admin"].username)
    await other.post("/admin/correo/prueba", data={"recipient": "secreto@otro.example"})
    mine = await as_user(world.users["admin"].username)
    assert "secreto@otro.example" not in (await mine.get("/admin/correo")).text


@pytest.mark.browser
async def test_in_chromium(page, make):
    world = await make.world()
    await sign_in(page, world.users["admin"].username)
    await page.goto("/admin/correo")
    await page.fill("#recipient", "recepcion@example.com")
    await page.get_by_role("button", name="Enviar prueba").click()
    await expect(page.locator('[data-test="test-email-queued"]')).to_contain_text("recepcion@example.com")
    await wait_until_sent("recepcion@example.com")
    await page.get_by_role("button", name="Actualizar").click()
    await expect(page.locator('[data-test="outbox-status"]').first).to_have_text("Enviado")
