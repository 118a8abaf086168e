"""Ver cliente in real Chromium: open it from a list, create an opportunity from a vehicle.

The `page` fixture fails the test on any console error or CSP violation (an
out-of-band swap with nothing to land on would be one)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.tables import Opportunity
from tests.browser import sign_in
from tests.customers.test_history import ago, story

pytestmark = pytest.mark.browser


async def test_from_the_list_to_the_history_and_a_new_opportunity(page, make):
    branch = await make.branch()
    user = await make.user("coordinator", [branch])
    customer, _ = await story(make, branch)
    await sign_in(page, user.username)
    await page.goto("/oportunidades?tab=proximas")
    await page.locator('[data-test="customer-link"]', has_text="Lucía Fernández").first.click()
    await expect(page.locator("h1")).to_have_text("Lucía Fernández")
    await expect(page.locator('[data-test="back"]')).to_contain_text("Oportunidades nuevas")
    await expect(page.locator('[data-test="visit"]')).to_have_count(2)

    await page.locator('[data-test="vehicle"]', has_text="AD456CE").locator('[data-test="new-opportunity"]').click()
    await expect(page.locator("#panel #f-kind")).to_be_focused()
    await page.fill("#f-day", ago(-10).date().isoformat())
    await page.fill("#f-reason", "Ofrecer tratamiento cerámico")
    await page.locator('#panel [data-test="submit"]').click()
    await expect(page.locator('#panel [data-test="result"]')).to_contain_text("Oportunidad creada")
    assert await Opportunity.exists().where((Opportunity.customer == customer.id)
                                            & (Opportunity.reason == "Ofrecer tratamiento cerámico"))
