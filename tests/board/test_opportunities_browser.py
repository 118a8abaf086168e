"""Oportunidades nuevas in real Chromium: a coordinator works four rows
(discard, reschedule, two attempts, book) from the keyboard, and the tab
counts and the six-button strip follow each click without a reload.

The `page` fixture fails the test on any console error or CSP violation.
Screenshots go to $RETORNO_SHOTS (default: the pytest tmp dir)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from app.tables import Appointment, ContactAttempt, Opportunity
from tests.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RETORNO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def local(days: int, tz: str, hour: int) -> dt.datetime:
    day = dt.datetime.now(ZoneInfo(tz)).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


class Board:
    """The list page as the coordinator sees it (elements by data-test)."""

    def __init__(self, page) -> None:
        self.page = page
        self.panel = page.locator("#panel")

    def row(self, opp_id: int):
        return self.page.locator(f"#row-opportunity-{opp_id}")

    def tab(self, key: str):
        return self.page.locator(f"[data-test='tab-{key}'] [data-test='count']")

    def strip_count(self, key: str):
        return self.page.locator(f"[data-test='strip-{key}'] [data-test='count']")

    async def open_with_keyboard(self, opp_id: int, action: str, field: str) -> None:
        """Tab to the row's action link, press Enter: the form opens in the panel with its field focused."""
        await self.row(opp_id).locator(f"[data-test='{action}']").focus()
        await self.page.keyboard.press("Enter")
        await expect(self.panel.locator("[data-test='action-form']")).to_be_visible()
        await expect(self.panel.locator(f"#f-{field}")).to_be_focused()

    async def submit(self) -> None:
        await self.panel.locator("[data-test='submit']").focus()
        await self.page.keyboard.press("Enter")

    async def counts(self, hoy: int, proximas: int, strip: int, turnos: int) -> None:
        await expect(self.tab("hoy")).to_have_text(str(hoy))
        await expect(self.tab("proximas")).to_have_text(str(proximas))
        await expect(self.tab("vencidas")).to_have_text("0")
        await expect(self.strip_count("oportunidades")).to_have_text(str(strip))
        await expect(self.strip_count("turnos")).to_have_text(str(turnos))


async def test_a_coordinator_works_the_list_without_reloading(page, make, shots):
    branch = await make.branch()
    tz = branch.timezone
    user = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    names = ("Ana Ruiz", "Bruno Sosa", "Celia Díaz", "Diego Luna")
    rows = []
    for hour, name in zip((9, 10, 11, 12), names, strict=True):
        customer = await make.customer(branch, name=name)
        rows.append(await make.opportunity(branch, due_at=local(0, tz, hour), customer=customer,
                                           vehicle=await make.vehicle(branch, owner=customer)))
    discarded, rescheduled, called, booked = (r.id for r in rows)
    today = dt.datetime.now(ZoneInfo(tz)).date()

    await sign_in(page, user.username)
    await page.goto("/oportunidades?tab=hoy")
    board = Board(page)
    await expect(page.locator("[data-test='row']")).to_have_count(4)
    await page.evaluate("window.sinRecargar = true")  # gone if anything reloads the page
    await board.counts(hoy=4, proximas=0, strip=4, turnos=0)

    # 1. Discard Ana: without a reason the select says so and takes the focus; then with one.
    await board.open_with_keyboard(discarded, "discard", "reason_id")
    await board.submit()
    await expect(board.panel.locator("[data-test='error-reason_id']")).to_have_text("Elija el motivo del descarte.")
    await expect(board.panel.locator("#f-reason_id")).to_be_focused()
    await board.panel.locator("#f-reason_id").select_option(label="Precio")
    await board.panel.locator("#f-comment").fill("Le resulta caro")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text("Oportunidad descartada: Precio.")
    await expect(board.row(discarded).locator("[data-test='status']")).to_have_text("Descartada: Precio")
    await expect(board.row(discarded)).to_be_focused()  # after the action, back on the row
    await board.counts(hoy=3, proximas=0, strip=3, turnos=0)
    await page.screenshot(path=shots / "oportunidades-descartada.png", full_page=True)

    # 2. Reschedule Bruno to a future date at 10:30: it moves to Próximas.
    future = today + dt.timedelta(days=3)
    await board.open_with_keyboard(rescheduled, "reschedule", "day")
    await board.panel.locator("#f-day").fill(future.isoformat())  # the picker's order is the browser's locale
    await board.panel.locator("#f-time").fill("10:30")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text(
        f"Oportunidad replanificada para el {future:%d/%m/%Y} a las 10:30.")
    await expect(board.row(rescheduled)).to_contain_text(f"{future:%d/%m/%Y} 10:30")
    await expect(board.row(rescheduled)).to_contain_text("replanificada 1 vez")
    await expect(board.row(rescheduled)).to_be_focused()
    await board.counts(hoy=2, proximas=1, strip=3, turnos=0)

    # 3. Two attempts on Celia: each counted on the row.
    await board.open_with_keyboard(called, "attempt", "outcome_id")
    await board.panel.locator("#f-outcome_id").select_option(label="No contesta")
    await board.panel.locator("input[name=time_slot][value=morning]").check()
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text("Intento 1 de 5 registrado: No contesta.")
    await expect(board.row(called).locator("td.num")).to_contain_text("1")
    await expect(board.row(called)).to_be_focused()
    await board.open_with_keyboard(called, "attempt", "outcome_id")
    await expect(board.panel.locator("[data-test='attempts']")).to_have_text("Intentos: 1 de 5.")
    await board.panel.locator("#f-outcome_id").select_option(label="Contactado: lo va a pensar")
    await board.panel.locator("input[name=time_slot][value=evening]").check()
    await board.panel.locator("#f-channel").select_option("whatsapp")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text(
        "Intento 2 de 5 registrado: Contactado: lo va a pensar.")
    await expect(board.row(called).locator("td.num")).to_contain_text("2")
    await board.counts(hoy=2, proximas=1, strip=3, turnos=0)

    # 4. Book Diego tomorrow at 10:30: out of Oportunidades, into Próximos turnos.
    tomorrow = today + dt.timedelta(days=1)
    await board.open_with_keyboard(booked, "book", "day")
    await board.panel.locator("#f-day").fill(tomorrow.isoformat())
    await board.panel.locator("#f-time").fill("10:30")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_contain_text(
        f"Turno vendido para el {tomorrow:%d/%m/%Y} a las 10:30.")
    await expect(board.row(booked).locator("[data-test='status']")).to_have_text("Turno vendido")
    await expect(board.row(booked)).to_be_focused()
    await board.counts(hoy=1, proximas=1, strip=2, turnos=1)
    await page.screenshot(path=shots / "oportunidades-turno.png", full_page=True)

    # A form opened by mistake: Escape closes it, nothing is written. Nothing reloaded along the way.
    await board.open_with_keyboard(called, "discard", "reason_id")
    await page.keyboard.press("Escape")
    await expect(board.panel.locator(".panel-empty")).to_be_visible()
    assert await page.evaluate("window.sinRecargar") is True

    states = {r["id"]: r for r in await Opportunity.select().where(Opportunity.id.is_in([r.id for r in rows]))}
    assert states[discarded]["status"] == "discarded" and states[discarded]["discard_comment"] == "Le resulta caro"
    assert states[rescheduled]["due_at"] == dt.datetime.combine(
        future, dt.time(10, 30), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)
    assert states[called]["attempt_count"] == 2 and states[called]["status"] == "open"
    assert await ContactAttempt.count().where(ContactAttempt.opportunity == called) == 2
    assert states[booked]["status"] == "booked"
    [appointment] = await Appointment.select(Appointment.starts_at).where(Appointment.opportunity == booked)
    assert appointment["starts_at"] == dt.datetime.combine(
        tomorrow, dt.time(10, 30), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


async def test_the_loser_of_a_race_sees_who_won_and_the_fresh_row(page, make, as_user):
    branch = await make.branch()
    user = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    rival = await make.user("coordinator", [branch], full_name="Lucía Ferreyra")
    opp = await make.opportunity(branch, due_at=local(0, branch.timezone, 12))
    await sign_in(page, user.username)
    await page.goto("/oportunidades?tab=hoy")
    board = Board(page)
    await board.open_with_keyboard(opp.id, "book", "day")  # the form holds version 1

    other = await as_user(rival.username)
    from app.tables import DiscardReason

    reason = await DiscardReason.select(DiscardReason.id).where(DiscardReason.branch == branch.id).first()
    won = await other.post(f"/oportunidades/{opp.id}/descartar", headers={"HX-Request": "true"},
                           data={"version": "1", "reason_id": str(reason["id"])})
    assert won.status_code == 200

    tomorrow = dt.datetime.now(ZoneInfo(branch.timezone)).date() + dt.timedelta(days=1)
    await board.panel.locator("#f-day").fill(tomorrow.isoformat())
    await board.panel.locator("#f-time").fill("11:00")
    await board.submit()
    await expect(board.panel.locator("[data-test='result']")).to_have_text(
        re.compile(r"Se le adelantaron: Lucía Ferreyra descartó esta oportunidad a las \d\d:\d\d\. Vea cómo quedó\."))
    await expect(board.row(opp.id).locator("[data-test='status']")).to_contain_text("Descartada")
    await expect(board.tab("hoy")).to_have_text("0")
    assert await Appointment.count().where(Appointment.opportunity == opp.id) == 0
