"""Entregas, En proceso and Servicios realizados in real Chromium: each list's
button end to end (side panel, row and counts swapped in place).

The `page` fixture fails a test on any console error or CSP violation.
Screenshots go to $RETORNO_SHOTS (default: the pytest tmp dir)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from app.tables import ContactAttempt, Delivery, Opportunity, RepairOrder
from tests.board.test_deliveries import local_at
from tests.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RETORNO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder



async def coordinator(make, country: str = "AR"):
    branch = await make.branch(country=country)
    user = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    return branch, user


def row(page, row_id: int):
    return page.locator(f'[data-test="row"][data-id="{row_id}"]')


def tab_count(page, key: str):
    return page.locator(f'[data-test="tab-{key}"] [data-test="count"]')


def strip_count(page, key: str):
    return page.locator(f'[data-test="strip-{key}"] [data-test="count"]')


async def test_welcome_call_then_the_first_service(page, make, shots):
    branch, user = await coordinator(make)
    vehicle = await make.vehicle(branch, monthly_km=1200)
    delivery = await make.delivery(branch, vehicle=vehicle, delivered_at=local_at(branch.timezone, -3),
                                   salesperson="Diego Ferrari")
    await make.delivery(branch, delivered_at=local_at(branch.timezone, -5))
    outcome = await make.call_outcome(branch, "welcome")
    await sign_in(page, user.username)
    await page.goto("/entregas")
    await expect(tab_count(page, "sin-llamado")).to_have_text("2")
    await expect(strip_count(page, "entregas")).to_have_text("2")

    await row(page, delivery.id).locator('[data-test="welcome-call"]').click()
    panel = page.locator("#panel")
    await expect(panel.locator("h2")).to_have_text("Llamado de bienvenida")
    await panel.locator('[data-test="submit"]').click()  # no outcome yet: said next to the field
    await expect(panel.locator('[data-test="error-outcome_id"]')).to_have_text(
        "Elija el resultado del llamado de la lista.")
    await panel.locator('[data-test="field-outcome_id"]').select_option(label=outcome.name)
    await panel.locator('[data-test="field-comment"]').fill("Contento con la camioneta")
    await panel.locator('[data-test="submit"]').click()

    await expect(panel.locator('[data-test="result"]')).to_have_text(
        f"Llamado de bienvenida registrado: {outcome.name}.")
    await expect(row(page, delivery.id).locator('[data-test="status"]')).to_have_text(outcome.name)
    await expect(row(page, delivery.id).locator('[data-test="welcome-call"]')).to_have_count(0)
    await expect(tab_count(page, "sin-llamado")).to_have_text("1")
    await expect(tab_count(page, "con-llamado")).to_have_text("1")
    # The next step is already open: the first service, prefilled.
    await expect(panel.locator('[data-test="field-kind"]')).to_have_value("welcome_followup")
    await expect(panel.locator('[data-test="first-service-hint"]')).to_be_visible()
    await page.screenshot(path=shots / "entregas-bienvenida.png", full_page=True)
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_contain_text("Oportunidad creada para el")
    await expect(row(page, delivery.id).locator('[data-test="badge-scheduled"]')).to_be_visible()

    saved = await Delivery.select(Delivery.welcome_call_status, Delivery.welcome_called_by).where(
        Delivery.id == delivery.id).first()
    assert saved == {"welcome_call_status": "done", "welcome_called_by": user.id}
    assert await ContactAttempt.count().where(ContactAttempt.delivery == delivery.id) == 1
    opportunity = await Opportunity.select(Opportunity.kind, Opportunity.source).where(
        Opportunity.delivery == delivery.id).first()
    assert opportunity == {"kind": "welcome_followup", "source": "welcome_call"}


async def test_unit_delivered_then_found_in_realizados(page, make, shots):
    branch, user = await coordinator(make)
    order = await make.repair_order(branch, opened_at=local_at(branch.timezone, -1, 9), number="OR-7001",
                                    advisor_name="Andrés Villalba", stage="finished")
    await make.repair_order(branch, opened_at=local_at(branch.timezone, -1, 10))
    await sign_in(page, user.username)
    await page.goto("/en-proceso?tab=ayer")
    await expect(tab_count(page, "ayer")).to_have_text("2")

    await row(page, order.id).locator('[data-test="deliver"]').click()
    panel = page.locator("#panel")
    await expect(panel.locator('[data-test="confirm-question"]')).to_contain_text("fue entregado al cliente?")
    await page.screenshot(path=shots / "en-proceso-confirmar.png", full_page=True)
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_contain_text("Unidad entregada: orden OR-7001.")
    await expect(row(page, order.id).locator('[data-test="status"]')).to_have_text("Entregada")
    await expect(tab_count(page, "ayer")).to_have_text("1")
    await expect(strip_count(page, "en-proceso")).to_have_text("1")
    await expect(strip_count(page, "realizados")).to_have_text("1")

    await page.locator('[data-test="strip-realizados"]').click()
    await expect(page).to_have_url(re.compile(r"/realizados$"))
    await expect(row(page, order.id).locator('[data-test="delivered-by"]')).to_have_text(
        "marcada por Carla Domínguez")
    saved = await RepairOrder.select(RepairOrder.status, RepairOrder.delivered_by).where(
        RepairOrder.id == order.id).first()
    assert saved == {"status": "delivered", "delivered_by": user.id}


async def test_courtesy_call(page, make, shots):
    branch, user = await coordinator(make, "MX")
    order = await make.repair_order(branch, status="delivered", delivered_at=local_at(branch.timezone, -2, 17),
                                    number="OS-3310")
    outcome = await make.call_outcome(branch, "courtesy", reached=True)
    await sign_in(page, user.username)
    await page.goto("/realizados")
    await expect(page.locator('[data-test="tab-sin-llamado"]')).to_contain_text("Sin llamada de cortesía")
    await expect(tab_count(page, "sin-llamado")).to_have_text("1")

    await row(page, order.id).locator('[data-test="courtesy-call"]').click()
    panel = page.locator("#panel")
    await expect(panel.locator("h2")).to_have_text("Llamada de cortesía")
    await panel.locator('[data-test="field-outcome_id"]').select_option(label=outcome.name)
    await panel.locator('[data-test="field-comment"]').fill("Conforme con el servicio")
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_have_text(
        f"Llamada de cortesía registrada: {outcome.name}.")
    await expect(row(page, order.id).locator('[data-test="status"]')).to_have_text(outcome.name)
    await expect(row(page, order.id)).to_contain_text("Conforme con el servicio")
    await expect(tab_count(page, "sin-llamado")).to_have_text("0")
    await expect(tab_count(page, "con-llamado")).to_have_text("1")
    await page.screenshot(path=shots / "realizados-cortesia.png", full_page=True)
    attempt = await ContactAttempt.select(ContactAttempt.purpose, ContactAttempt.user).where(
        ContactAttempt.repair_order == order.id).first()
    assert attempt == {"purpose": "courtesy", "user": user.id}
