"""The issue's story, end to end in real Chromium on the demo dealership.

A coordinator works four opportunities (discard, reschedule to Thursday
10:30, two unanswered attempts, a turno sold for Friday 9:00), sends the
reminder and confirms it; on "Friday" the advisor sees the car in No
ingresados, checks it in, finds the repair order the DMS opened under En
proceso → Hoy, marks the unit delivered, and logs the courtesy call under
Servicios realizados; Ver cliente shows the whole story. The counts on the
strip and the tabs change with every click, without reloading the page.

The `page` fixture fails the test on any console error or CSP violation."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from app.tables import Appointment, Branch, ContactAttempt, Opportunity, OutboxMessage, RepairOrder
from tests.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RETORNO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The next such weekday strictly after today (Thursday = 3, Friday = 4)."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)



async def sign_out(page) -> None:
    await page.click('[data-test="sign-out"]')
    await expect(page.locator("#username")).to_be_visible()


def strip(page, key: str):
    return page.locator(f'[data-test="strip-{key}"] [data-test="count"]')


def tab(page, key: str):
    return page.locator(f'[data-test="tab-{key}"] [data-test="count"]')


async def number(locator) -> int:
    return int((await locator.inner_text()).replace(".", "").replace(",", ""))


async def find(page, path: str, tab_key: str, plate: str, row_id: str):
    """Open a list's tab, search the plate, and return the row."""
    await page.goto(f"{path}?tab={tab_key}")
    async with page.expect_response(lambda response: f"q={plate}" in response.url):
        await page.fill('[data-test="search"]', plate)
    row = page.locator(f"#{row_id}")
    await expect(row).to_be_visible()
    return row


async def act(page, row, action: str) -> None:
    await row.locator(f'[data-test="{action}"]').click()
    await expect(page.locator('#panel [data-test="action-form"]')).to_be_visible()


async def submit(page, expected: str) -> None:
    await page.locator('#panel [data-test="submit"]').click()
    await expect(page.locator('#panel [data-test="result"]')).to_contain_text(expected)


async def test_a_day_on_the_board(page, demo, make, shots):
    branch = await Branch.select().where(Branch.code == "ba").first()
    tz = ZoneInfo(branch["timezone"])
    today = dt.datetime.now(tz).date()
    due = dt.datetime.combine(today, dt.time(9), tzinfo=tz).astimezone(dt.UTC)
    opps = []
    for n in range(4):
        customer = await make.customer(branch["id"], name=f"Cliente Historia {n}", email=f"historia{n}@example.com")
        vehicle = await make.vehicle(branch["id"], owner=customer, plate=f"HS{n}00AA", make="Toyota",
                                     model="Corolla Cross")
        opps.append(await make.opportunity(branch["id"], vehicle=vehicle, due_at=due, kind="maintenance",
                                           reason="Service de 20.000 km"))
    plates = [f"HS{n}00AA" for n in range(4)]

    await sign_in(page, "coordinador.ar")
    await page.goto("/oportunidades?tab=hoy")
    before = await number(strip(page, "oportunidades"))
    today_tab = await number(tab(page, "hoy"))

    # 1. Discard with a reason.
    row = await find(page, "/oportunidades", "hoy", plates[0], f"row-opportunity-{opps[0].id}")
    await act(page, row, "discard")
    await page.select_option("#f-reason_id", label="Precio")
    await submit(page, "Oportunidad descartada: Precio.")
    await expect(row.locator('[data-test="status"]')).to_contain_text("Descartada")
    await expect(strip(page, "oportunidades")).to_have_text(str(before - 1))
    await expect(page.locator(f"#row-opportunity-{opps[0].id}")).to_be_focused()
    await page.screenshot(path=shots / "story-1-discard.png")

    # 2. Reschedule to Thursday 10:30.
    thursday = next_weekday(today, 3)
    row = await find(page, "/oportunidades", "hoy", plates[1], f"row-opportunity-{opps[1].id}")
    await act(page, row, "reschedule")
    await page.fill("#f-day", thursday.isoformat())
    await page.fill("#f-time", "10:30")
    await submit(page, "replanificada")
    stored = await Opportunity.select(Opportunity.due_at, Opportunity.reschedule_count).where(
        Opportunity.id == opps[1].id).first()
    assert stored["due_at"].astimezone(tz) == dt.datetime.combine(thursday, dt.time(10, 30), tzinfo=tz)
    assert stored["reschedule_count"] == 1

    # 3. Two unanswered attempts.
    for attempt in (1, 2):
        row = await find(page, "/oportunidades", "hoy", plates[2], f"row-opportunity-{opps[2].id}")
        await act(page, row, "attempt")
        await page.select_option("#f-outcome_id", label="No contesta")
        await submit(page, f"Intento {attempt} de 5")
    assert await ContactAttempt.count().where(ContactAttempt.opportunity == opps[2].id) == 2

    # 4. A turno sold for Friday 9:00.
    friday = next_weekday(today, 4)
    await page.goto("/oportunidades?tab=hoy")
    turnos_before = await number(strip(page, "turnos"))
    row = await find(page, "/oportunidades", "hoy", plates[3], f"row-opportunity-{opps[3].id}")
    open_before = await number(strip(page, "oportunidades"))
    await act(page, row, "book")
    await page.fill("#f-day", friday.isoformat())
    await page.fill("#f-time", "09:00")
    await submit(page, "Turno vendido")
    await expect(strip(page, "turnos")).to_have_text(str(turnos_before + 1))
    await expect(strip(page, "oportunidades")).to_have_text(str(open_before - 1))
    appointment = await Appointment.select().where(Appointment.opportunity == opps[3].id).first()
    assert appointment["starts_at"].astimezone(tz) == dt.datetime.combine(friday, dt.time(9), tzinfo=tz)
    await page.goto("/oportunidades?tab=hoy")
    # Discarded and booked leave today's tab; the rescheduled one moved to Thursday; the attempted one stays.
    await expect(tab(page, "hoy")).to_have_text(str(today_tab - 3))
    await page.screenshot(path=shots / "story-2-opportunities.png")

    # 5. Próximos turnos → Por confirmar: the reminder e-mail, then confirm with a comment.
    row = await find(page, "/turnos", "por-confirmar", plates[3], f"row-appointment-{appointment['id']}")
    await act(page, row, "remind")
    await submit(page, "")
    for _ in range(100):  # the job worker sends it (in-process here)
        sent = await OutboxMessage.select().where(
            (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == appointment["id"])).first()
        if sent and sent["status"] == "sent":
            break
        await asyncio.sleep(0.05)
    assert sent["status"] == "sent" and sent["recipient"] == "historia3@example.com"
    assert friday.strftime("%d/%m/%Y") in sent["body_text"] and "09:00" in sent["body_text"]
    assert "Corolla Cross" in sent["body_text"] and plates[3] in sent["body_text"]
    row = await find(page, "/turnos", "por-confirmar", plates[3], f"row-appointment-{appointment['id']}")
    await expect(row).to_contain_text("enviado")
    await act(page, row, "confirm")
    await page.fill("#f-comment", "Confirmó por WhatsApp; trae el auto a las 9.")
    await submit(page, "")
    await find(page, "/turnos", "confirmados", plates[3], f"row-appointment-{appointment['id']}")
    await page.screenshot(path=shots / "story-3-confirmed.png")
    await sign_out(page)

    # 6. Friday comes (the appointment is moved to today, an hour from now).
    soon = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=1)
    if soon.astimezone(tz).date() != today:
        soon = dt.datetime.combine(today, dt.time(23, 30), tzinfo=tz).astimezone(dt.UTC)
    await Appointment.update({Appointment.starts_at: soon}).where(Appointment.id == appointment["id"])
    await sign_in(page, "asesor.ar")
    row = await find(page, "/turnos", "no-ingresados", plates[3], f"row-appointment-{appointment['id']}")
    await act(page, row, "check-in")
    await submit(page, "")
    await find(page, "/turnos", "ingresos", plates[3], f"row-appointment-{appointment['id']}")

    # 7. The DMS opens the repair order: En proceso → Hoy; the advisor marks the unit delivered.
    order = (await RepairOrder.insert(RepairOrder(
        branch=branch["id"], customer=appointment["customer"], vehicle=appointment["vehicle"], number="OR-HISTORIA",
        opened_at=dt.datetime.now(dt.UTC), advisor_name="Asesor de Prueba",
    )).returning(RepairOrder.id))[0]["id"]
    await Appointment.update({Appointment.repair_order: order}).where(Appointment.id == appointment["id"])
    await page.goto("/en-proceso?tab=hoy")
    in_process = await number(strip(page, "en-proceso"))
    row = await find(page, "/en-proceso", "hoy", plates[3], f"row-repair_order-{order}")
    await act(page, row, "deliver")
    await submit(page, "")
    await expect(strip(page, "en-proceso")).to_have_text(str(in_process - 1))

    # 8. Servicios realizados: the courtesy call.
    row = await find(page, "/realizados", "sin-llamado", plates[3], f"row-repair_order-{order}")
    await act(page, row, "courtesy-call")
    await page.select_option("#f-outcome_id", label="Satisfecho con el servicio")
    await page.fill("#f-comment", "Muy conforme con la atención.")
    await submit(page, "")
    await page.screenshot(path=shots / "story-4-done.png")

    # 9. Ver cliente: the whole story of that customer.
    row = await find(page, "/realizados", "con-llamado", plates[3], f"row-repair_order-{order}")
    await row.locator('[data-test="customer-link"]').click()
    await expect(page.locator("h1")).to_contain_text("Cliente Historia 3")
    history = page.locator("main")
    for text in (plates[3], "OR-HISTORIA", "Muy conforme con la atención.", "Confirmó por WhatsApp",
                 "Service de 20.000 km"):
        await expect(history).to_contain_text(text)
    await page.screenshot(path=shots / "story-5-customer.png", full_page=True)
