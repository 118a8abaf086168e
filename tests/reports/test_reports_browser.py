"""Reportes in real Chromium: the charts draw under the strict CSP (the page fixture fails on any
violation), the grid opens, and print emulation keeps the charts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.async_api import expect

from tests.browser import sign_in
from tests.reports.test_reports import local

pytestmark = pytest.mark.browser


async def test_a_manager_reads_last_months_report(page, make, tmp_path):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    for status in ("arrived", "arrived", "no_show"):
        await make.appointment(branch, starts_at=local(branch, last_month), status=status)
    await sign_in(page, manager.username)
    await page.goto("/reportes")
    await expect(page.locator("[data-test='period']")).to_have_value("mes-anterior")
    turnos = page.locator("[data-test='report-turnos']")
    await expect(turnos.locator("[data-test='total']").first).to_have_text("3")
    await expect(turnos.locator("[data-test='bar-chart'] svg")).to_be_visible()
    await expect(turnos.locator("[data-test='pie-chart'] svg")).to_be_visible()
    await page.emulate_media(media="print")
    await expect(turnos.locator("[data-test='bar-chart'] svg")).to_be_visible()
    await expect(page.locator("[data-test='report-filter']")).to_be_hidden()
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    await page.emulate_media(media="screen")

    await turnos.locator("[data-test='open-grid']").click()
    await expect(page.locator("[data-test='grid-row']")).to_have_count(3)
    await page.select_option("[data-test='pie-column']", "estado")
    await page.locator("[data-test='apply']").click()
    await expect(page.locator("[data-test='grid-pie'] svg")).to_be_visible()
    await page.locator("[data-test='sort-estado']").click()
    await expect(page.locator("[data-test='grid-row']").first).to_contain_text("Asistió")
    async with page.expect_download() as download_info:
        await page.locator("[data-test='excel']").click()
    download = await download_info.value
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    sheet = load_workbook(path).active
    statuses = sorted(row[4] for row in sheet.iter_rows(min_row=3, values_only=True))
    assert statuses == ["Asistió", "Asistió", "No asistió"]
    assert all(isinstance(row[0], dt.datetime) for row in sheet.iter_rows(min_row=3, values_only=True))
