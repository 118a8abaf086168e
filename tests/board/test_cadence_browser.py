"""The cadence in real Chromium: unanswered calls in the proposed slots until the branch's limit, the
opportunity leaves the list as sin contacto, and its letter waits in Cartas to be printed."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.tables import Opportunity, OutboxMessage
from tests.board.test_opportunities_browser import Board, local
from tests.browser import sign_in

pytestmark = pytest.mark.browser


async def test_the_cadence_reaches_the_fallback_letter(page, make):
    branch = await make.branch(attempt_limit=2, promotion_text="Alineación sin cargo con el service.")
    user = await make.user("coordinator", [branch])
    customer = await make.customer(branch, name="Ramón Ortiz", email="", street="Av. Rivadavia 5000", city="CABA")
    row = await make.opportunity(branch, customer=customer, vehicle=await make.vehicle(branch, owner=customer),
                                 due_at=local(0, branch.timezone, 9))
    await sign_in(page, user.username)
    await page.goto("/oportunidades?tab=hoy")
    board = Board(page)

    await board.open_with_keyboard(row.id, "attempt", "outcome_id")
    first_slot = await board.panel.locator("input[name=time_slot]:checked").get_attribute("value")
    await board.panel.locator("#f-outcome_id").select_option(label="No contesta")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text("Intento 1 de 2 registrado: No contesta.")
    await expect(board.row(row.id)).to_be_focused()  # the row was redrawn: its links are the new ones

    await board.open_with_keyboard(row.id, "attempt", "outcome_id")
    await expect(board.panel.locator("[data-test='slots']")).to_contain_text("Franjas ya probadas:")
    second_slot = await board.panel.locator("input[name=time_slot]:checked").get_attribute("value")
    assert second_slot != first_slot  # the proposed slot is one not tried yet
    await board.panel.locator("#f-outcome_id").select_option(label="Buzón de voz")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_contain_text(
        "Quedó sin contacto: la carta está lista para imprimir en Cartas.")
    await expect(page.locator("[data-test='strip-oportunidades'] [data-test='count']")).to_have_text("0")
    assert (await Opportunity.select(Opportunity.status).where(Opportunity.id == row.id).first())[
        "status"] == "no_contact"

    await page.locator("[data-test='nav-cartas']").click()
    letter = page.locator("[data-test='letter']")
    await expect(letter).to_have_count(1)
    await expect(letter).to_contain_text("Ramón Ortiz")
    await expect(letter).to_contain_text("Alineación sin cargo con el service.")
    await page.locator("[data-test='mark-printed']").click()
    await expect(page.locator("[data-test='no-letters']")).to_be_visible()
    assert (await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.entity_id == row.id).first())[
        "status"] == "sent"
