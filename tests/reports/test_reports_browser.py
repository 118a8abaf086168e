"""Reportes in real Chromium: the charts draw under the strict CSP (the page fixture fails on any
violation), the grid opens, and print emulation keeps the charts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.reports.test_reports import local

pytestmark = pytest.mark.browser


async def test_a_manager_reads_last_months_report(page, make, tmp_path):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    for status in ("arrived", "arrived", "no_show"):
        await make.appointment(branch, starts_at=local(branch, last_month), status=status)
    await page.goto("/ingresar")
    await page.fill("#username", manager.username)
    await page.fill("#password", "retorno-demo")
    await page.click("button[type=submit]")
    await page.goto("/reportes")
    await expect(page.locator("[data-test='period']")).to_have_value("mes-anterior")
    turnos = page.locator("[data-test='report-turnos']")
    await expect(turnos.locator("[data-test='total']").first).to_have_text("3")
    await expect(turnos.locator("[data-test='bar-chart'] svg")).to_be_visible()
    await expect(turnos.locator("[data-test='pie-chart'] svg")).to_be_visible()
    await turnos.locator("summary", has_text="Ver en grilla").click()
    await expect(turnos.locator("[data-test='grid']")).to_contain_text("No asistieron")
    await page.emulate_media(media="print")
    await expect(turnos.locator("[data-test='bar-chart'] svg")).to_be_visible()
    await expect(page.locator("[data-test='report-filter']")).to_be_hidden()
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
