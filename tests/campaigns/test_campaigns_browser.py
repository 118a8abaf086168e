"""The recall story in real Chromium: paste a bulletin's VINs (some unknown, some malformed), review the
units, process them as needing parts, release the parts, and the coordinator finds them in Op. Campaña."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import expect

from app.tables import Opportunity
from tests.browser import sign_in
from tests.campaigns.test_campaigns import UNKNOWN_VIN, _world

pytestmark = pytest.mark.browser



async def test_a_recall_from_the_bulletin_to_the_coordinators_board(page, make, browser, server):
    _, manager, people, cars = await _world(make)
    await sign_in(page, manager.username)
    await page.locator('[data-test="nav-campanas"]').click()
    await page.locator('[data-test="new-campaign"]').click()
    await page.fill("#f-name", "Recall inflador airbag")
    await page.fill("#f-bulletin_code", "ASC-26-014")
    await page.fill("#f-vins", "\n".join([c.vin for c in cars] + [UNKNOWN_VIN, "12345"]))
    await page.locator('[data-test="search"]').click()

    await expect(page.locator('[data-test="unit"]')).to_have_count(4)
    await expect(page.locator('[data-test="unknown_vins"]')).to_contain_text("1 VIN que no son de unidades")
    await expect(page.locator('[data-test="malformed_vins"]')).to_contain_text("1 Textos que no son un VIN")
    await page.locator('[data-test="unit"] >> nth=3 >> [data-test="unit-selected"]').uncheck()
    await expect(page.locator('[data-test="selected-count"]')).to_have_text("3")
    await page.locator('[data-test="select-all"]').click()
    await expect(page.locator('[data-test="selected-count"]')).to_have_text("4")

    await page.locator('[data-test="to-process"]').click()
    await page.fill("#f-due_on", (dt.date.today() + dt.timedelta(days=3)).isoformat())
    await page.check('[data-test="f-parts_required"]')
    await page.locator('[data-test="process"]').click()
    processed = page.locator('[data-test="processed"]')
    await expect(processed).to_contain_text("4 oportunidades nuevas en espera de repuestos")
    assert await Opportunity.count().where(Opportunity.vehicle.is_in([c.id for c in cars])
                                           & (Opportunity.status == "held")) == 4

    await page.goto("/campanas")
    await expect(page.locator('[data-test="recall-review"]')).to_contain_text("4 esperan repuestos")
    await page.locator('[data-test="campaign-row"] a', has_text="Recall inflador airbag").click()
    await page.locator('[data-test="parts-available"]').click()
    await expect(page.locator('[data-test="parts-status"]')).to_have_text("Disponibles")
    await expect(page.locator('[data-test="waiting-count"]')).to_have_text("0")

    # Processing again: nothing new, whoever clicks it.
    await page.locator('[data-test="to-process"]').click()
    await page.fill("#f-due_on", (dt.date.today() + dt.timedelta(days=4)).isoformat())
    await page.locator('[data-test="process"]').click()
    await expect(processed).to_contain_text("Listo: 0 oportunidades nuevas")
    assert await Opportunity.count().where(Opportunity.vehicle.is_in([c.id for c in cars])) == 4

    context = await browser.new_context(base_url=server, locale="es-AR")
    coordinator = await context.new_page()
    await sign_in(coordinator, people[1].username)
    await coordinator.goto("/oportunidades?tab=campana")
    for car in cars:
        await expect(coordinator.locator("#list")).to_contain_text(car.plate)
    await context.close()
