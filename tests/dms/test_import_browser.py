"""The import in real Chromium: upload → mapping (preview re-read on change) → progress → report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser import sign_in

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ordenes_cp1252_punto_y_coma.csv"


async def test_upload_map_and_read_the_report(page, make):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    await sign_in(page, manager.username)
    await page.locator('[data-test="nav-importar"]').click()
    await expect(page.locator('[data-test="data-age"]')).to_contain_text("sin datos todavía")
    await page.set_input_files('[data-test="file"]', str(FIXTURE))
    await page.locator('[data-test="upload"]').click()
    await expect(page.locator('[data-test="map-dms_id"]')).to_have_value("Nro OR")
    await expect(page.locator('[data-test="preview-row"]')).to_have_count(5)

    # Unmapping the order number: the preview says every row would be refused, and the import cannot start.
    await page.select_option('[data-test="map-dms_id"]', "")
    await expect(page.locator('[data-test="missing"]')).to_contain_text("Número de orden")
    await expect(page.locator('[data-test="start-import"]')).to_be_disabled()
    await page.select_option('[data-test="map-dms_id"]', "Nro OR")
    await expect(page.locator('[data-test="start-import"]')).to_be_enabled()
    await page.locator('[data-test="start-import"]').click()

    report = page.locator('[data-test="report"]')
    await expect(report).to_be_visible(timeout=15_000)
    await expect(page.locator('[data-test="created"]')).to_have_text("4")
    await expect(page.locator('[data-test="rejected"]')).to_have_text("4")
    await expect(page.locator('[data-test="rejection"]')).to_have_count(4)
    await expect(page.locator('[data-test="rejection"]').nth(2)).to_contain_text("31/02/2026")
    async with page.expect_download() as download:
        await page.locator('[data-test="download-rejected"]').click()
    assert (await download.value).suggested_filename.endswith(".csv")
    await page.reload()
    await expect(page.locator('[data-test="data-age"]')).to_contain_text("DMS hace")
