"""In real Chromium, on the demo dealership: sign in, read the six buttons
(their counts match the database, computed here on their own), switch branch,
see an error notice from an htmx request, sign out for good.

The `page` fixture fails a test on any console error or CSP violation.
Screenshots go to $RETORNO_SHOTS (default: the pytest tmp dir)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from app.tables import Appointment, Branch, Customer, Delivery, Opportunity, RepairOrder, Vehicle
from tests.factories import Factory

pytestmark = pytest.mark.browser

KEYS = ("entregas", "oportunidades", "turnos", "en-proceso", "realizados", "reportes")


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RETORNO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def expected_counts(branch_id: int) -> dict[str, int]:
    """The six numbers from the rows themselves (not the board's query)."""
    branch = await Branch.select().where(Branch.id == branch_id).first()
    tz = ZoneInfo(branch["timezone"])
    today = dt.datetime.now(tz).date()

    def day(value: dt.datetime | None) -> dt.date | None:
        return value.astimezone(tz).date() if value else None

    def last(days: int, value: dt.datetime | None) -> bool:
        return value is not None and today - dt.timedelta(days=days) <= day(value) <= today

    deliveries = await Delivery.select(Delivery.delivered_at).where(Delivery.branch == branch_id)
    opportunities = await Opportunity.select(Opportunity.due_at, Opportunity.status, Opportunity.closed_at).where(
        Opportunity.branch == branch_id)
    appointments = await Appointment.select(Appointment.starts_at, Appointment.status).where(
        Appointment.branch == branch_id)
    orders = await RepairOrder.select(RepairOrder.status, RepairOrder.delivered_at).where(
        RepairOrder.branch == branch_id)
    window = branch["opportunity_window_days"]
    return {
        "entregas": sum(last(branch["delivery_window_days"], r["delivered_at"]) for r in deliveries),
        "oportunidades": sum(r["status"] == "open" and abs((day(r["due_at"]) - today).days) <= window
                             for r in opportunities),
        "turnos": sum(r["status"] in ("scheduled", "confirmed") and day(r["starts_at"]) >= today
                      for r in appointments),
        "en-proceso": sum(r["status"] == "open" for r in orders),
        "realizados": sum(r["status"] == "delivered" and last(branch["done_window_days"], r["delivered_at"])
                          for r in orders),
        "reportes": sum(r["status"] == "booked" and r["closed_at"] is not None
                        and day(r["closed_at"]).replace(day=1) == today.replace(day=1) for r in opportunities),
    }


@pytest.fixture
async def branches(demo):
    """The demo's two branches, each with a few rows of ours on top (so the
    counts differ even before the demo has data), removed afterwards."""
    rows = {r["code"]: r["id"] for r in await Branch.select(Branch.id, Branch.code).where(
        Branch.code.is_in(["ba", "qro"]))}
    make = Factory()
    now = dt.datetime.now(dt.UTC)
    made = [await make.delivery(rows["ba"], delivered_at=now) for _ in range(2)]
    made.append(await make.opportunity(rows["qro"], due_at=now))
    made.append(await make.repair_order(rows["qro"], opened_at=now))
    yield SimpleNamespace(ba=rows["ba"], qro=rows["qro"])
    for row, table in zip(made, (Delivery, Delivery, Opportunity, RepairOrder), strict=True):
        await table.delete().where(table.id == row.id)
    await Vehicle.delete().where(Vehicle.id.is_in([row.vehicle for row in made]))
    await Customer.delete().where(Customer.id.is_in([row.customer for row in made]))


async def read_counts(page) -> dict[str, int]:
    buttons = page.locator("[data-test^='button-']")
    await expect(buttons).to_have_count(6)
    counts = {}
    for key in KEYS:
        text = await page.locator(f"[data-test='button-{key}'] [data-test='count']").inner_text()
        counts[key] = int(re.sub(r"\D", "", text))
    return counts


async def sign_in(page, username: str) -> None:
    await page.goto("/ingresar")
    form = page.locator("[data-test='sign-in-form']")
    await form.locator("#username").fill(username)
    await form.locator("#password").fill("retorno-demo")
    await form.locator("button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/$"))


async def sign_out(page) -> None:
    await page.locator("[data-test='sign-out']").click()
    await expect(page).to_have_url(re.compile(r"/ingresar$"))
    await expect(page.locator("[data-test='sign-in-form']")).to_be_visible()


async def test_board_sign_in_switch_branch_sign_out(page, branches, shots):
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/ingresar$"))  # not signed in yet
    await page.screenshot(path=shots / "ingresar.png", full_page=True)

    await sign_in(page, "coordinador.ar")
    await expect(page.locator("[data-test='user-name']")).to_contain_text("Carla Domínguez")
    await expect(page.locator("[data-test='branch-name']")).to_have_text("Buenos Aires — Palermo")
    assert await read_counts(page) == await expected_counts(branches.ba)
    await expect(page.locator("[data-test='button-turnos']")).to_contain_text("Próximos turnos")
    await page.screenshot(path=shots / "tablero.png", full_page=True)
    await sign_out(page)

    await sign_in(page, "admin")  # reaches both branches: the selector shows
    select = page.locator("[data-test='branch-select']")
    await expect(select.locator("option")).to_have_count(2)
    await select.select_option(str(branches.ba))  # start from Buenos Aires whatever the default
    await expect(page.locator("[data-test='button-turnos']")).to_contain_text("Próximos turnos")
    ba = await read_counts(page)
    assert ba == await expected_counts(branches.ba)

    await select.select_option(str(branches.qro))
    await expect(page.locator("[data-test='button-turnos']")).to_contain_text("Próximas citas")
    await expect(page.locator("html")).to_have_attribute("lang", "es-MX")
    qro = await read_counts(page)
    assert qro == await expected_counts(branches.qro) and qro != ba
    await page.screenshot(path=shots / "tablero-qro.png", full_page=True)

    await sign_out(page)
    await page.go_back()  # the board must not come back from the history
    await expect(page.locator("[data-test='sign-in-form']")).to_be_visible()
    await expect(page.locator("[data-test^='button-']")).to_have_count(0)
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/ingresar$"))
    await page.reload()
    await expect(page.locator("[data-test^='button-']")).to_have_count(0)


async def test_errors_in_the_browser(page, branches, shots):
    await page.goto("/no-existe")
    await expect(page.locator("[data-test='error-page']")).to_contain_text("No encontramos lo que busca.")
    await page.screenshot(path=shots / "error-404.png", full_page=True)

    # An htmx request that fails shows its notice inside the page, which stays.
    await sign_in(page, "admin")
    select = page.locator("[data-test='branch-select']")
    await select.locator("option").nth(1).evaluate("option => { option.value = '2147483000'; }")
    await select.select_option("2147483000")
    notice = page.locator("#notices [data-test='notice']")
    await expect(notice).to_contain_text("No encontramos lo que busca.")
    await expect(page.locator("[data-test^='button-']")).to_have_count(6)
    await page.screenshot(path=shots / "aviso-htmx.png", full_page=True)

    # An expired form (the token in <body hx-headers> no longer matches) says so.
    await page.locator("body").evaluate(
        "body => body.setAttribute('hx-headers', JSON.stringify({'x-csrftoken': 'vencido'}))")
    await select.select_option(str(branches.ba))
    await expect(notice).to_contain_text("El formulario venció")
    await sign_out(page)
