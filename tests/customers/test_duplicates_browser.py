"""Clientes duplicados in real Chromium: a manager picks who stays, merges, and the group
turns into what happened; another group is set apart."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.tables import Customer
from tests.browser import sign_in
from tests.customers.test_duplicates import _branch_with_twins

pytestmark = pytest.mark.browser


async def test_a_manager_merges_one_group_and_sets_another_apart(page, make):
    branch, manager, (maria, typed_again, company, _) = await _branch_with_twins(make)
    await make.vehicle(branch, owner=typed_again)
    await sign_in(page, manager.username)
    await page.locator('[data-test="nav-duplicados"]').click()
    await expect(page.locator('[data-test="duplicate-count"]')).to_have_text("2 grupos para revisar")

    group = page.locator('[data-test="duplicate-group"]', has=page.locator(f'[data-id="{maria.id}"]'))
    await group.locator(f'[data-id="{maria.id}"] [data-test="keep"]').check()
    await group.locator('[data-test="merge"]').click()
    done = page.locator('[data-test="duplicate-done"]')
    await expect(done).to_contain_text("Se fusionó MARIA NUNEZ en María Núñez")
    await expect(done).to_contain_text("Pasaron a su historial: 1 vehículo.")
    assert (await Customer.select(Customer.merged_into).where(Customer.id == typed_again.id).first())[
        "merged_into"] == maria.id

    other = page.locator('[data-test="duplicate-group"]', has=page.locator(f'[data-id="{company.id}"]'))
    await other.locator('[data-test="not-duplicates"]').click()
    await expect(page.locator('[data-test="duplicate-done"]').nth(1)).to_contain_text("no se volverán a proponer")

    await done.locator('[data-test="keeper-link"]').click()
    await expect(page.locator("h1")).to_have_text("María Núñez")
    await expect(page.locator('[data-test="merged"]')).to_contain_text("También figuraba como MARIA NUNEZ")
    await expect(page.locator('[data-test="vehicle"]')).to_have_count(1)
