"""Próximos turnos through HTTP on the real database: the five tabs at their
local-date boundaries (Buenos Aires and Mexico City), counts equal to the
home button, search, scope, and each action with its audit event, its
refusals and the race it can lose."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app import jobs
from app.board.appointments.no_shows import mark_no_shows
from app.tables import (
    Appointment,
    AuditEvent,
    CallOutcome,
    ContactAttempt,
    Opportunity,
    OutboxMessage,
)
from tests.http import text_of

HX = {"HX-Request": "true"}
TABS = ("no-ingresados", "por-confirmar", "confirmados", "inasistencias", "ingresos")


def at(branch, days: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """Local time `hour:minute` of the branch's today + `days`, in UTC."""
    tz = ZoneInfo(branch.timezone)
    day = dt.datetime.now(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=tz).astimezone(dt.UTC)


async def signed_in(as_user, make, branch, role: str = "coordinator", full_name: str = "Usuaria de Prueba"):
    user = await make.user(role, [branch], full_name=full_name)
    return await as_user(user.username), user


def ids_of(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-test="row" data-id="(\d+)"', html)]


async def tab(client, key: str, q: str = "") -> tuple[list[int], dict[str, int]]:
    response = await client.get("/turnos", params={"tab": key, "q": q}, headers=HX)
    assert response.status_code == 200, response.text
    counts = dict(zip(TABS, (int(c) for c in text_of(response.text, "count")), strict=True))
    return ids_of(response.text), counts


async def home_count(client) -> int:
    response = await client.get("/")
    return int(text_of(response.text, "count")[2])


async def fresh(appointment_id: int) -> dict:
    return await Appointment.select().where(Appointment.id == appointment_id).first()


async def audit(appointment_id: int, action: str) -> list[dict]:
    return await AuditEvent.select().where(
        (AuditEvent.entity == "appointment") & (AuditEvent.entity_id == appointment_id)
        & (AuditEvent.action == action)).output(load_json=True)


def vehicle_of(row) -> SimpleNamespace:
    """The vehicle (and its owner) of an opportunity or appointment, for another row of the same car."""
    return SimpleNamespace(id=row.vehicle, owner=row.customer)


async def outcome(branch, purpose: str = "attempt", reached: bool | None = None) -> int:
    query = CallOutcome.select(CallOutcome.id).where((CallOutcome.branch == branch.id)
                                                     & (CallOutcome.purpose == purpose))
    if reached is not None:
        query = query.where(CallOutcome.reached == reached)
    return (await query.first())["id"]


# --- the tabs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["AR", "MX"])
async def test_tabs_split_at_the_branch_local_midnight(as_user, make, country):
    branch = await make.branch(country=country)
    client, _ = await signed_in(as_user, make, branch)
    a = {}
    a["today_first"] = await make.appointment(branch, starts_at=at(branch, 0, 0, 0))
    a["today_last"] = await make.appointment(branch, starts_at=at(branch, 0, 23, 59, 59), status="confirmed")
    a["yesterday_last"] = await make.appointment(branch, starts_at=at(branch, -1, 23, 59, 59))
    a["tomorrow_first"] = await make.appointment(branch, starts_at=at(branch, 1, 0, 0), status="confirmed")
    a["far"] = await make.appointment(branch, starts_at=at(branch, 40, 9))
    a["seventh_back"] = await make.appointment(branch, starts_at=at(branch, -7, 0, 0), status="no_show")
    a["eighth_back"] = await make.appointment(branch, starts_at=at(branch, -8, 23, 59, 59), status="no_show")
    a["old_pending"] = await make.appointment(branch, starts_at=at(branch, -8, 12), status="confirmed")
    a["cancelled"] = await make.appointment(branch, starts_at=at(branch, 0, 15), status="cancelled")
    a["arrived"] = await make.appointment(branch, starts_at=at(branch, 0, 8), status="arrived",
                                          arrived_at=at(branch, 0, 0, 0, 1))
    a["arrived_yesterday"] = await make.appointment(branch, starts_at=at(branch, -1, 18), status="arrived",
                                                    arrived_at=at(branch, -1, 23, 59, 59))
    other = await make.branch(country=country)  # its rows never show
    await make.appointment(other, starts_at=at(other, 0, 12))

    expected = {
        "no-ingresados": ["today_first", "today_last"],
        "por-confirmar": ["today_first", "far"],
        "confirmados": ["today_last", "tomorrow_first"],
        "inasistencias": ["yesterday_last", "seventh_back"],
        "ingresos": ["arrived"],
    }
    for key, names in expected.items():
        ids, counts = await tab(client, key)
        assert ids == [a[n].id for n in names], key
        assert counts == {k: len(v) for k, v in expected.items()}
    assert await home_count(client) == 4 == len(expected["por-confirmar"]) + len(expected["confirmados"])


async def test_counts_equal_the_home_button_on_the_demo(as_user, demo):
    for username in ("coordinador.ar", "coordinador.mx"):
        client = await as_user(username)
        _, counts = await tab(client, "no-ingresados")
        assert counts["por-confirmar"] + counts["confirmados"] == await home_count(client) > 0
        assert counts["ingresos"] <= 10


async def test_the_last_ten_arrivals_only(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    made = [await make.appointment(branch, starts_at=at(branch, 0, 0, 5), status="arrived",
                                   arrived_at=at(branch, 0, 0, 10 + i)) for i in range(12)]
    ids, counts = await tab(client, "ingresos")
    assert ids == [m.id for m in reversed(made)][:10] and counts["ingresos"] == 10
    response = await client.get("/turnos", params={"tab": "ingresos", "page": "2"}, headers=HX)
    assert ids_of(response.text) == [] and 'data-test="next"' not in response.text


async def test_search_by_name_plate_and_phone(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    customer = await make.customer(branch, name="Rosario Quiroga", phone_mobile="+5493514440001")
    vehicle = await make.vehicle(branch, owner=customer, plate="QZ987XY")
    mine = await make.appointment(branch, starts_at=at(branch, 2), vehicle=vehicle)
    await make.appointment(branch, starts_at=at(branch, 2))
    for q in ("quiroga", "qz 987", "4440001"):
        ids, counts = await tab(client, "por-confirmar", q)
        assert ids == [mine.id] and counts["por-confirmar"] == 1, q
    ids, counts = await tab(client, "por-confirmar", "nadie-se-llama-asi")
    assert ids == [] and counts["por-confirmar"] == 0


async def test_rows_say_source_status_reminder_and_confirmation(as_user, make):
    branch = await make.branch()
    client, user = await signed_in(as_user, make, branch, full_name="Lucía Ferreyra")
    appointment = await make.appointment(branch, starts_at=at(branch, 1, 9, 30), status="confirmed", source="web",
                                         advisor_name="Martín Acosta", reason="Service de 20.000 km",
                                         confirmed_at=at(branch, 0, 8), confirmed_by=user.id,
                                         confirmation_comment="Viene con la esposa")
    await OutboxMessage.insert(OutboxMessage(recipient=f"fallido{appointment.id}@example.com", entity="appointment",
                                             entity_id=appointment.id, status="failed", last_error="550 buzón lleno"))
    ids, _ = await tab(client, "confirmados")
    response = await client.get("/turnos?tab=confirmados")
    assert response.status_code == 200 and ids == [appointment.id]
    html = response.text
    assert text_of(html, "source") == ["web"]
    assert text_of(html, "status") == ["Confirmado"]
    assert text_of(html, "advisor") == ["Asesor: Martín Acosta"]
    assert "Recordatorio falló: 550 buzón lleno" in " ".join(text_of(html, "reminder")[0].split())
    assert "Lucía Ferreyra" in text_of(html, "confirmation")[0]
    assert text_of(html, "confirmation-comment") == ["Viene con la esposa"]
    assert f"/clientes/{appointment.customer}" in html and 'data-test="new-opportunity"' in html


async def test_crear_oportunidad_from_a_row_refreshes_its_badge(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 0, 9), status="arrived",
                                         arrived_at=at(branch, 0, 9, 5))
    html = (await client.get("/turnos?tab=ingresos", headers=HX)).text
    assert 'data-test="badge-scheduled"' not in html
    url = f"/oportunidades/nueva?vehiculo={appointment.vehicle}&desde=turnos&fila={appointment.id}"
    assert url.replace("&", "&amp;") in html
    form = await client.get(url, headers=HX)
    assert form.status_code == 200
    day = (dt.datetime.now(ZoneInfo(branch.timezone)).date() + dt.timedelta(days=30)).isoformat()
    response = await client.post("/oportunidades/nueva", headers=HX, data={
        "vehicle_id": str(appointment.vehicle), "kind": "maintenance", "day": day, "time": "10:00",
        "reason": "Próximo service", "from_list": "turnos", "from_row": str(appointment.id)})
    assert response.status_code == 200, response.text
    row = response.text[response.text.index(f'id="row-appointment-{appointment.id}"'):]
    assert 'hx-swap-oob="true"' in row[:400] and 'data-test="badge-scheduled"' in row.split("</tr>")[0]
    assert 'data-test="tab-ingresos"' in response.text


async def test_mexico_says_cita(as_user, make):
    branch = await make.branch(country="MX")
    client, _ = await signed_in(as_user, make, branch)
    await make.appointment(branch, starts_at=at(branch, 1))
    html = (await client.get("/turnos?tab=por-confirmar")).text
    assert "Próximas citas" in html and "Confirmadas" in html
    assert not re.search(r"\bturnos?\b", re.sub(r"<[^>]+>", " ", html), re.I)


async def test_another_branch_row_is_not_found(as_user, make):
    branch, other = await make.branch(), await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    theirs = await make.appointment(other, starts_at=at(other, 1))
    for action in ("recordatorio", "confirmar", "ingreso", "recontacto"):
        assert (await client.get(f"/turnos/{theirs.id}/{action}", headers=HX)).status_code == 404
        response = await client.post(f"/turnos/{theirs.id}/{action}", data={"version": "1"}, headers=HX)
        assert response.status_code == 404, action
    assert (await fresh(theirs.id))["version"] == 1


# --- Confirmar ----------------------------------------------------------------------------------


async def test_confirm_with_a_comment(as_user, make):
    branch = await make.branch()
    client, user = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 2, 10))
    form = await client.get(f"/turnos/{appointment.id}/confirmar", headers=HX)
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    response = await client.post(f"/turnos/{appointment.id}/confirmar",
                                 data={"version": "1", "comment": "  Confirmó por WhatsApp  "}, headers=HX)
    assert response.status_code == 200
    assert "Turno confirmado para el" in text_of(response.text, "result")[0]
    assert f'id="row-appointment-{appointment.id}"' in response.text and 'id="tabs"' in response.text
    row = await fresh(appointment.id)
    assert (row["status"], row["confirmed_by"], row["confirmation_comment"], row["version"]) == (
        "confirmed", user.id, "Confirmó por WhatsApp", 2)
    assert row["confirmed_at"] is not None
    [event] = await audit(appointment.id, "appointment.confirm")
    assert event["user"] == user.id and event["after"]["comment"] == "Confirmó por WhatsApp"


async def test_confirm_twice_is_refused_and_changes_nothing(as_user, make):
    branch = await make.branch(country="MX")
    client, _ = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 2), status="confirmed",
                                         confirmation_comment="primera")
    response = await client.post(f"/turnos/{appointment.id}/confirmar", data={"version": "1", "comment": "otra"},
                                 headers=HX)
    assert response.status_code == 422
    assert text_of(response.text, "result") == ["Esta cita ya estaba confirmada."]
    row = await fresh(appointment.id)
    assert (row["version"], row["confirmation_comment"]) == (1, "primera")
    assert await audit(appointment.id, "appointment.confirm") == []


async def test_a_stale_confirm_says_who_won(as_user, make):
    branch = await make.branch()
    first, _ = await signed_in(as_user, make, branch, full_name="Carla Domínguez")
    second, _ = await signed_in(as_user, make, branch, full_name="Otra Persona")
    appointment = await make.appointment(branch, starts_at=at(branch, 1))
    assert (await first.post(f"/turnos/{appointment.id}/confirmar", data={"version": "1"}, headers=HX)
            ).status_code == 200
    response = await second.post(f"/turnos/{appointment.id}/confirmar", data={"version": "1", "comment": "tarde"},
                                 headers=HX)
    assert response.status_code == 409
    assert "Carla Domínguez confirmó este turno a las" in text_of(response.text, "result")[0]
    row = await fresh(appointment.id)
    assert (row["version"], row["confirmation_comment"]) == (2, "")


async def test_a_reminder_makes_an_open_confirm_form_stale(as_user, make):
    branch = await make.branch()
    first, _ = await signed_in(as_user, make, branch, full_name="Lucía Ferreyra")
    second, _ = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 2))
    assert (await first.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "1"}, headers=HX)
            ).status_code == 200
    response = await second.post(f"/turnos/{appointment.id}/confirmar", data={"version": "1"}, headers=HX)
    assert response.status_code == 409
    assert "Lucía Ferreyra envió el recordatorio a las" in text_of(response.text, "result")[0]
    assert (await fresh(appointment.id))["status"] == "scheduled"


async def test_two_reminders_at_once_send_one_email(as_user, make):
    branch = await make.branch()
    clients = [(await signed_in(as_user, make, branch, full_name=f"Coordinadora {n}"))[0] for n in range(2)]
    appointment = await make.appointment(branch, starts_at=at(branch, 2))
    responses = await asyncio.gather(*(
        c.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "1"}, headers=HX) for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert re.search(r"Coordinadora \d envió el recordatorio a las \d\d:\d\d", text_of(loser.text, "result")[0])
    assert await OutboxMessage.count().where(
        (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == appointment.id)) == 1
    assert len(await audit(appointment.id, "appointment.reminder")) == 1


async def test_fifty_rows_a_page(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    made = [await make.appointment(branch, starts_at=at(branch, 1, 8) + dt.timedelta(minutes=i)) for i in range(51)]
    response = await client.get("/turnos", params={"tab": "por-confirmar"}, headers=HX)
    assert ids_of(response.text) == [m.id for m in made[:50]]
    assert text_of(response.text, "range") == ["1–50 de 51"] and 'data-test="next"' in response.text
    response = await client.get("/turnos", params={"tab": "por-confirmar", "page": "2"}, headers=HX)
    assert ids_of(response.text) == [made[50].id]


async def test_without_javascript_the_action_redirects(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 1))
    page = await client.get(f"/turnos/{appointment.id}/confirmar")
    assert page.status_code == 200 and "<html" in page.text and 'data-test="action-form"' in page.text
    response = await client.post(f"/turnos/{appointment.id}/confirmar", data={"version": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/turnos"
    assert (await fresh(appointment.id))["status"] == "confirmed"


# --- Registrar ingreso --------------------------------------------------------------------------


async def test_check_in_today_moves_it_to_the_last_arrivals(as_user, make):
    branch = await make.branch()
    client, user = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 0, 0, 1), status="confirmed")
    response = await client.post(f"/turnos/{appointment.id}/ingreso", data={"version": "1"}, headers=HX)
    assert response.status_code == 200 and "Ingreso registrado" in response.text
    row = await fresh(appointment.id)
    assert (row["status"], row["check_in_source"], row["version"]) == ("arrived", "manual", 2)
    assert row["arrived_at"] is not None
    [event] = await audit(appointment.id, "appointment.check_in")
    assert event["user"] == user.id
    ids, counts = await tab(client, "ingresos")
    assert ids == [appointment.id] and counts["ingresos"] == 1 and counts["no-ingresados"] == 0


@pytest.mark.parametrize("days", [1, -1])
async def test_check_in_on_another_day_is_refused(as_user, make, days):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, days))
    response = await client.post(f"/turnos/{appointment.id}/ingreso", data={"version": "1"}, headers=HX)
    assert response.status_code == 422
    assert text_of(response.text, "result") == ["Solo se puede registrar el ingreso el día del turno."]
    row = await fresh(appointment.id)
    assert (row["status"], row["version"], row["arrived_at"]) == ("scheduled", 1, None)


# --- Enviar recordatorio (the e-mail itself: test_reminders.py) -------------------------------------


async def test_reminder_queues_an_email_and_says_when_the_last_went(as_user, make):
    branch = await make.branch()
    client, user = await signed_in(as_user, make, branch)
    appointment = await make.appointment(branch, starts_at=at(branch, 3, 9))
    response = await client.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "1"}, headers=HX)
    assert response.status_code == 200
    assert text_of(response.text, "result")[0].startswith("Recordatorio en camino a cliente")
    row = await fresh(appointment.id)
    assert row["reminder_sent_at"] is not None and row["version"] == 2
    [message] = await OutboxMessage.select().where(
        (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == appointment.id))
    assert message["customer"] == appointment.customer and message["branch"] == branch.id
    [event] = await audit(appointment.id, "appointment.reminder")
    assert event["after"]["message"] == message["id"] and event["user"] == user.id

    form = await client.get(f"/turnos/{appointment.id}/recordatorio", headers=HX)
    assert "Ya se envió un recordatorio" in text_of(form.text, "previous-reminder")[0]
    again = await client.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "2"}, headers=HX)
    assert again.status_code == 200 and "El anterior se había enviado el" in again.text
    assert await OutboxMessage.count().where(
        (OutboxMessage.entity == "appointment") & (OutboxMessage.entity_id == appointment.id)) == 2


@pytest.mark.parametrize(("customer", "refusal"), [
    ({"email": ""}, "El cliente no tiene e-mail cargado."),
    ({"email_opt_out": True}, "El cliente pidió no recibir e-mails."),
])
async def test_reminder_refusals_change_nothing(as_user, make, customer, refusal):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    owner = await make.customer(branch, **customer)
    appointment = await make.appointment(branch, starts_at=at(branch, 1), vehicle=await make.vehicle(branch, owner))
    response = await client.post(f"/turnos/{appointment.id}/recordatorio", data={"version": "1"}, headers=HX)
    assert response.status_code == 422 and text_of(response.text, "result") == [refusal]
    row = await fresh(appointment.id)
    assert (row["version"], row["reminder_sent_at"]) == (1, None)
    assert await OutboxMessage.count().where(OutboxMessage.entity_id == appointment.id) == 0
    assert await audit(appointment.id, "appointment.reminder") == []


# --- Recontactar ---------------------------------------------------------------------------------


async def test_recontact_with_a_new_appointment(as_user, make):
    branch = await make.branch()
    client, user = await signed_in(as_user, make, branch)
    opp = await make.opportunity(branch, status="booked")
    missed = await make.appointment(branch, starts_at=at(branch, -2, 9), vehicle=vehicle_of(opp),
                                    opportunity=opp.id, reason="Service de 10.000 km")
    day = (dt.datetime.now(ZoneInfo(branch.timezone)).date() + dt.timedelta(days=5)).isoformat()
    reached = await outcome(branch, "attempt", reached=True)
    response = await client.post(f"/turnos/{missed.id}/recontacto", headers=HX, data={
        "version": "1", "outcome_id": str(reached), "comment": "Se olvidó", "next_step": "appointment",
        "day": day, "time": "09:30"})
    assert response.status_code == 200, response.text
    assert "Nuevo turno para el" in response.text
    assert (await fresh(missed.id))["status"] == "no_show"
    new = await Appointment.select().where((Appointment.vehicle == missed.vehicle) & (Appointment.id != missed.id)
                                           ).first()
    assert (new["source"], new["status"], new["opportunity"], new["reason"], new["created_by"]) == (
        "board", "scheduled", opp.id, "Service de 10.000 km", user.id)
    assert new["starts_at"] == at(branch, 5, 9, 30)
    [attempt] = await ContactAttempt.select().where(ContactAttempt.appointment == missed.id)
    assert (attempt["purpose"], attempt["outcome"], attempt["comment"], attempt["reached"]) == (
        "recontact", reached, "Se olvidó", True)
    [event] = await audit(missed.id, "appointment.recontact")
    assert event["after"]["appointment"] == new["id"] and event["after"]["next_step"] == "appointment"
    ids, _ = await tab(client, "por-confirmar")
    assert ids == [new["id"]]
    html = (await client.get("/turnos?tab=inasistencias")).text
    assert "Se olvidó" in text_of(html, "recontact")[0] or "Se olvidó" in html


async def test_recontact_with_a_new_opportunity_once_per_vehicle(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    missed = await make.appointment(branch, starts_at=at(branch, -1, 9), status="confirmed")
    day = (dt.datetime.now(ZoneInfo(branch.timezone)).date() + dt.timedelta(days=1)).isoformat()
    not_reached = await outcome(branch, "any", reached=False)
    data = {"version": "1", "outcome_id": str(not_reached), "next_step": "opportunity", "day": day, "time": "11:00"}
    response = await client.post(f"/turnos/{missed.id}/recontacto", data=data, headers=HX)
    assert response.status_code == 200 and "Oportunidad para volver a llamar" in response.text
    [opp] = await Opportunity.select().where(Opportunity.vehicle == missed.vehicle)
    assert (opp["kind"], opp["source"], opp["status"], opp["due_at"]) == (
        "no_show", "appointment", "open", at(branch, 1, 11))
    assert (await fresh(missed.id))["status"] == "no_show"
    [attempt] = await ContactAttempt.select().where(ContactAttempt.appointment == missed.id)
    assert attempt["opportunity"] == opp["id"] and attempt["reached"] is False

    # The second no-show of the same vehicle: its open recontact opportunity is enough.
    again = await make.appointment(branch, starts_at=at(branch, -3, 9), vehicle=vehicle_of(missed))
    form = await client.get(f"/turnos/{again.id}/recontacto", headers=HX)
    assert text_of(form.text, "open-recontact") and 'value="none" checked' in form.text
    response = await client.post(f"/turnos/{again.id}/recontacto", data=data | {"version": "1"}, headers=HX)
    assert response.status_code == 422
    assert "ya tiene una oportunidad de recontacto abierta" in text_of(response.text, "error-next_step")[0]
    assert (await fresh(again.id))["version"] == 1
    assert await Opportunity.count().where(Opportunity.vehicle == missed.vehicle) == 1
    assert await ContactAttempt.count().where(ContactAttempt.appointment == again.id) == 0


async def test_recontact_with_nothing_next(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    missed = await make.appointment(branch, starts_at=at(branch, -4), status="no_show")
    response = await client.post(f"/turnos/{missed.id}/recontacto", headers=HX, data={
        "version": "1", "outcome_id": str(await outcome(branch, "any")), "next_step": "none"})
    assert response.status_code == 200 and text_of(response.text, "result")[0].startswith("Recontacto registrado")
    row = await fresh(missed.id)
    assert (row["status"], row["version"]) == ("no_show", 2)
    assert await Opportunity.count().where(Opportunity.vehicle == missed.vehicle) == 0


async def test_recontact_checks_its_input_and_the_life_cycle(as_user, make):
    branch = await make.branch()
    client, _ = await signed_in(as_user, make, branch)
    missed = await make.appointment(branch, starts_at=at(branch, -1))
    welcome = await outcome(branch, "welcome")
    response = await client.post(f"/turnos/{missed.id}/recontacto", headers=HX, data={
        "version": "1", "outcome_id": str(welcome), "next_step": "appointment", "day": "", "time": "10:00"})
    assert response.status_code == 422
    assert text_of(response.text, "error-outcome_id") and text_of(response.text, "error-day")
    yesterday = (dt.datetime.now(ZoneInfo(branch.timezone)).date() - dt.timedelta(days=1)).isoformat()
    response = await client.post(f"/turnos/{missed.id}/recontacto", headers=HX, data={
        "version": "1", "outcome_id": str(await outcome(branch)), "next_step": "appointment", "day": yesterday,
        "time": "10:00"})
    assert response.status_code == 422
    assert text_of(response.text, "result") == ["El nuevo turno no puede quedar en el pasado."]
    future = await make.appointment(branch, starts_at=at(branch, 1))
    response = await client.post(f"/turnos/{future.id}/recontacto", headers=HX, data={
        "version": "1", "outcome_id": str(await outcome(branch)), "next_step": "none"})
    assert response.status_code == 422
    assert text_of(response.text, "result") == ["El turno todavía no pasó: no es una inasistencia."]
    for row in (missed, future):
        assert (await fresh(row.id))["version"] == 1
    assert await Appointment.count().where(Appointment.vehicle == missed.vehicle) == 1


# --- the no-show job ----------------------------------------------------------------------------


async def test_mark_no_shows_is_idempotent_and_uses_each_branch_midnight(make):
    # 04:30 UTC on 16/03/2020: 01:30 in Buenos Aires (the 16th), 22:30 in Mexico City (the 15th).
    now = dt.datetime(2020, 3, 16, 4, 30, tzinfo=dt.UTC)
    ar, mx = await make.branch(country="AR"), await make.branch(country="MX")

    def local(branch, day: int, hour: int) -> dt.datetime:
        return dt.datetime(2020, 3, day, hour, tzinfo=ZoneInfo(branch.timezone)).astimezone(dt.UTC)

    ar_yesterday = await make.appointment(ar, starts_at=local(ar, 15, 22), status="confirmed")
    ar_today = await make.appointment(ar, starts_at=local(ar, 16, 0))
    mx_today = await make.appointment(mx, starts_at=local(mx, 15, 18))
    mx_yesterday = await make.appointment(mx, starts_at=local(mx, 14, 23))
    arrived = await make.appointment(mx, starts_at=local(mx, 14, 9), status="arrived")

    assert await mark_no_shows({}, now=now) >= 2
    statuses = {a.id: (await fresh(a.id)) for a in (ar_yesterday, ar_today, mx_today, mx_yesterday, arrived)}
    assert [(statuses[a.id]["status"], statuses[a.id]["version"]) for a in
            (ar_yesterday, ar_today, mx_today, mx_yesterday, arrived)] == [
        ("no_show", 2), ("scheduled", 1), ("scheduled", 1), ("no_show", 2), ("arrived", 1)]
    events = await AuditEvent.select().where((AuditEvent.action == "appointment.no_show")
                                             & (AuditEvent.branch == mx.id)).output(load_json=True)
    assert [(e["entity_id"], e["username"], e["after"]) for e in events] == [
        (mx_yesterday.id, "sistema", {"status": "no_show"})]

    assert await mark_no_shows({}, now=now) == 0  # again: nothing left to do
    assert (await fresh(ar_yesterday.id))["version"] == 2


def test_mark_no_shows_is_a_cron_job_of_both_backends():
    assert jobs.FUNCTIONS["mark_no_shows"] is mark_no_shows
    [cron] = [c for c in jobs.CRONS if c.name == "mark_no_shows"]
    assert len(cron.minutes) == 1  # hourly: every branch's midnight within the hour
    assert "mark_no_shows" in {c.name for c in jobs.WorkerSettings.cron_jobs}
