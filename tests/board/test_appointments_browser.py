"""Próximos turnos in real Chromium: send a reminder and confirm with a
comment; check in today's appointment and find it in Últimos ingresos. The
row, the tab counts and the strip change in place (htmx, out of band).

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

from app.tables import Appointment, OutboxMessage
from tests.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RETORNO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def local(branch, days: int, hour: int, minute: int = 0) -> dt.datetime:
    tz = ZoneInfo(branch.timezone)
    day = dt.datetime.now(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)



def count(page, tab: str):
    return page.locator(f'[data-test="tab-{tab}"] [data-test="count"]')


async def test_remind_confirm_and_check_in(page, make, shots):
    branch = await make.branch()
    user = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    tomorrow = await make.appointment(branch, starts_at=local(branch, 1, 10), reason="Service de 10.000 km")
    today = await make.appointment(branch, starts_at=local(branch, 0, 23, 55), status="confirmed")
    await sign_in(page, user.username)

    await page.goto("/turnos?tab=por-confirmar")
    await expect(count(page, "por-confirmar")).to_have_text("1")
    await expect(page.locator('[data-test="strip-turnos"] [data-test="count"]')).to_have_text("2")
    row = page.locator(f"#row-appointment-{tomorrow.id}")
    panel = page.locator("#panel")

    await row.locator('[data-test="remind"]').click()
    await expect(panel.locator('[data-test="recipient"]')).to_have_text(re.compile(r"cliente\d+@example\.com"))
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_contain_text("Recordatorio en camino")
    await expect(row.locator('[data-test="reminder"]')).to_contain_text(re.compile(r"Recordatorio\s+(en cola|enviado)"))
    assert await OutboxMessage.count().where(
        (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == tomorrow.id)) == 1

    await row.locator('[data-test="confirm"]').click()
    await panel.locator('[data-test="field-comment"]').fill("Confirmó por teléfono; viene a las 10")
    await page.screenshot(path=shots / "turnos-confirmar.png", full_page=True)
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_contain_text("Turno confirmado para el")
    await expect(row.locator('[data-test="status"]')).to_have_text("Confirmado")
    await expect(row.locator('[data-test="confirmation-comment"]')).to_have_text(
        "Confirmó por teléfono; viene a las 10")
    await expect(count(page, "por-confirmar")).to_have_text("0")
    await expect(count(page, "confirmados")).to_have_text("2")
    stored = await Appointment.select(Appointment.status, Appointment.confirmed_by).where(
        Appointment.id == tomorrow.id).first()
    assert stored == {"status": "confirmed", "confirmed_by": user.id}
    await page.screenshot(path=shots / "turnos-confirmado.png", full_page=True)

    await page.locator('[data-test="tab-no-ingresados"]').click()
    await expect(page).to_have_url(re.compile(r"tab=no-ingresados"))
    arriving = page.locator(f"#row-appointment-{today.id}")
    await arriving.locator('[data-test="check-in"]').click()
    await panel.locator('[data-test="submit"]').click()
    await expect(panel.locator('[data-test="result"]')).to_contain_text("Ingreso registrado")
    await expect(arriving.locator('[data-test="status"]')).to_contain_text("Ingresó")
    await expect(count(page, "no-ingresados")).to_have_text("0")
    await expect(count(page, "ingresos")).to_have_text("1")
    await expect(page.locator('[data-test="strip-turnos"] [data-test="count"]')).to_have_text("1")

    await page.locator('[data-test="tab-ingresos"]').click()
    await expect(page.locator('[data-test="row"]')).to_have_count(1)
    await expect(page.locator(f"#row-appointment-{today.id} [data-test='status']")).to_contain_text("Ingresó")
    await page.screenshot(path=shots / "turnos-ingresos.png", full_page=True)
