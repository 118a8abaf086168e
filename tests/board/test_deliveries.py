"""Entregas: the window of the last N local days, its two tabs (their sum is the
home button's count), search, scope, and the welcome call with its follow-up
"Crear oportunidad" (first service), through HTTP on the real database."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app.tables import AuditEvent, ContactAttempt, Delivery, Opportunity
from tests.http import text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/entregas"}
BUTTONS = ("entregas", "oportunidades", "turnos", "en-proceso", "realizados", "reportes")


# --- helpers the workshop's tests share -----------------------------------------------------------


def local_at(tz: str, days: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment of the branch's local day today+days, in UTC."""
    zone = ZoneInfo(tz)
    day = dt.datetime.now(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=zone).astimezone(dt.UTC)


def tab_counts(html: str) -> dict[str, int]:
    return {key: int(count) for key, count in
            re.findall(r'data-test="tab-([\w-]+)">.*?data-test="count">([\d.,]+)<', html, re.S)}


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-test="row" data-id="(\d+)"', html)]


async def home_counts(client) -> dict[str, str]:
    response = await client.get("/")
    return dict(zip(BUTTONS, text_of(response.text, "count"), strict=True))


async def audit_events(entity: str, entity_id: int, action: str) -> list[dict]:
    return await AuditEvent.select().where(
        (AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id) & (AuditEvent.action == action))


async def signed_in(as_user, make, country: str = "AR", full_name: str = "Usuaria de Prueba", **branch_fields):
    branch = await make.branch(country=country, **branch_fields)
    user = await make.user("coordinator", [branch], full_name=full_name)
    return branch, user, await as_user(user.username)


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("country", "window"), [("AR", 30), ("MX", 10)])
async def test_the_window_is_the_last_n_local_days_and_the_tabs_add_up_to_the_button(as_user, make, country,
                                                                                    window):
    branch, _, client = await signed_in(as_user, make, country, delivery_window_days=window)
    tz = branch.timezone
    today = await make.delivery(branch, delivered_at=local_at(tz, 0, 9))
    first_day = await make.delivery(branch, delivered_at=local_at(tz, -window, 0, 0, 0))  # day N: in
    called = await make.delivery(branch, delivered_at=local_at(tz, -window, 10), welcome_call_status="done")
    day_before = await make.delivery(branch, delivered_at=local_at(tz, -window - 1, 23, 59, 59))  # day N+1: out
    tomorrow = await make.delivery(branch, delivered_at=local_at(tz, 1, 0, 0, 1))  # not delivered yet: out
    other = await make.delivery(await make.branch(country=country), delivered_at=local_at(tz, 0))

    pending = await client.get("/entregas")
    assert pending.status_code == 200
    assert row_ids(pending.text) == [today.id, first_day.id]  # delivered_at, newest first
    assert tab_counts(pending.text) == {"sin-llamado": 2, "con-llamado": 1}
    done = await client.get("/entregas?tab=con-llamado", headers={"HX-Request": "true"})
    assert row_ids(done.text) == [called.id] and "<html" not in done.text
    assert not {day_before.id, tomorrow.id, other.id} & set(row_ids(pending.text) + row_ids(done.text))

    home = await client.get("/")
    assert text_of(home.text, "count")[0] == "3"
    assert "2 sin llamado de bienvenida" in home.text or "2 sin llamada de bienvenida" in home.text


async def test_a_row_shows_the_delivery_the_customer_and_the_call(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    customer = await make.customer(branch, name="Rocío Benítez", phone_mobile="+5491144443333")
    vehicle = await make.vehicle(branch, owner=customer, plate="AF123GH", make="Toyota", model="Hilux",
                                 model_year=2025)
    outcome = await make.call_outcome(branch, "welcome")
    delivery = await make.delivery(branch, vehicle=vehicle, salesperson="Diego Ferrari", welcome_call_status="done",
                                   welcome_call_outcome=outcome.id, welcome_call_comment="Muy conforme")
    await make.opportunity(branch, vehicle=vehicle)  # already has one open: the badge

    html = (await client.get("/entregas?tab=con-llamado")).text
    assert f'href="/clientes/{customer.id}"' in html and "Rocío Benítez" in html and "+54 9 11 4444-3333" in html
    assert "AF123GH" in html and "Toyota Hilux 2025" in html and vehicle.vin[-8:] in html
    assert "Diego Ferrari" in html and outcome.name in html and "Muy conforme" in html
    assert text_of(html, "badge-scheduled") == ["Oportunidad agendada"]
    assert f"/oportunidades/nueva?vehiculo={vehicle.id}&amp;desde=entregas&amp;fila={delivery.id}" \
           f"&amp;entrega={delivery.id}" in html
    assert f"/entregas/{delivery.id}/bienvenida" not in html  # already called: no button


async def test_search_by_name_plate_vin_and_phone(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    customer = await make.customer(branch, name="Hernán Quiroga", phone_mobile="+5493514567890")
    vehicle = await make.vehicle(branch, owner=customer, plate="AE987XY")
    wanted = await make.delivery(branch, vehicle=vehicle)
    await make.delivery(branch)
    for q in ("quiroga", "ae 987-xy", vehicle.vin[-6:].lower(), "351 456-7890"):
        response = await client.get("/entregas", params={"q": q}, headers={"HX-Request": "true"})
        assert row_ids(response.text) == [wanted.id], q
        assert tab_counts(response.text) == {"sin-llamado": 1, "con-llamado": 0}
    nothing = await client.get("/entregas", params={"q": "zzzz"})
    assert row_ids(nothing.text) == [] and "Nada coincide con «zzzz»" in nothing.text


async def test_another_branchs_delivery_is_not_found(as_user, make):
    _, _, client = await signed_in(as_user, make)
    foreign = await make.delivery(await make.branch())
    outcome = await make.call_outcome(foreign.branch, "welcome")
    assert (await client.get(f"/entregas/{foreign.id}/bienvenida")).status_code == 404
    response = await client.post(f"/entregas/{foreign.id}/bienvenida",
                                 data={"version": "1", "outcome_id": str(outcome.id)}, headers=HTMX)
    assert response.status_code == 404
    assert (await Delivery.select(Delivery.welcome_call_status).where(Delivery.id == foreign.id).first()) == {
        "welcome_call_status": "pending"}


# --- the welcome call ----------------------------------------------------------------------------


async def test_the_welcome_call_is_recorded_and_the_first_service_follows(as_user, make):
    branch, user, client = await signed_in(as_user, make)
    vehicle = await make.vehicle(branch, monthly_km=1000)
    delivery = await make.delivery(branch, vehicle=vehicle, delivered_at=local_at(branch.timezone, -2))
    outcome = await make.call_outcome(branch, "welcome")
    before = await home_counts(client)

    form = await client.get(f"/entregas/{delivery.id}/bienvenida", headers=HTMX)
    assert form.status_code == 200 and 'name="version" value="1"' in form.text and outcome.name in form.text
    assert "<html" not in form.text
    response = await client.post(f"/entregas/{delivery.id}/bienvenida", headers=HTMX,
                                 data={"version": "1", "outcome_id": str(outcome.id), "comment": " Todo bien "})
    assert response.status_code == 200
    assert text_of(response.text, "result") == [f"Llamado de bienvenida registrado: {outcome.name}."]

    row = await Delivery.select().where(Delivery.id == delivery.id).first()
    assert (row["welcome_call_status"], row["welcome_call_outcome"], row["welcome_call_comment"]) == (
        "done", outcome.id, "Todo bien")
    assert row["welcome_called_by"] == user.id and row["version"] == 2
    assert dt.datetime.now(dt.UTC) - row["welcome_called_at"] < dt.timedelta(minutes=1)
    attempts = await ContactAttempt.select().where(ContactAttempt.delivery == delivery.id)
    assert len(attempts) == 1
    attempt = attempts[0]
    assert (attempt["purpose"], attempt["outcome"], attempt["reached"], attempt["user"], attempt["customer"]) == (
        "welcome", outcome.id, True, user.id, delivery.customer)
    assert attempt["time_slot"] in ("morning", "midday", "afternoon", "evening") and attempt["comment"] == "Todo bien"
    events = await audit_events("delivery", delivery.id, "delivery.welcome_call")
    assert len(events) == 1 and events[0]["user"] == user.id

    # Out of band: the row (now called), the tabs, the strip.
    assert f'id="row-delivery-{delivery.id}"' in response.text and 'hx-swap-oob="true"' in response.text
    assert tab_counts(response.text) == {"sin-llamado": 0, "con-llamado": 1}
    after = await home_counts(client)
    assert after["entregas"] == before["entregas"] == "1"

    # Under the confirmation: Crear oportunidad, prefilled for the first service.
    assert 'action="/oportunidades/nueva"' in response.text
    assert 'name="from_list" value="entregas"' in response.text
    assert f'name="from_row" value="{delivery.id}"' in response.text
    assert f'name="delivery_id" value="{delivery.id}"' in response.text
    assert '<option value="welcome_followup" selected>' in response.text
    assert 'data-test="form-error"' not in response.text  # the confirmation is not a problem of the form
    day = re.search(r'name="day" type="date" value="([\d-]+)"', response.text).group(1)
    created = await client.post("/oportunidades/nueva", headers=HTMX, data={
        "vehicle_id": str(vehicle.id), "kind": "welcome_followup", "day": day, "time": "10:00",
        "reason": "Primer servicio", "delivery_id": str(delivery.id), "repair_order_id": "",
        "from_list": "entregas", "from_row": str(delivery.id)})
    assert created.status_code == 200, created.text
    opportunity = await Opportunity.select().where(Opportunity.delivery == delivery.id).first()
    assert (opportunity["kind"], opportunity["source"], opportunity["vehicle"]) == (
        "welcome_followup", "welcome_call", vehicle.id)
    assert f'id="row-delivery-{delivery.id}"' in created.text  # this list's row, now with the badge
    assert "Oportunidad agendada" in created.text


async def test_without_javascript_the_follow_up_is_a_page(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    delivery = await make.delivery(branch)
    outcome = await make.call_outcome(branch, "any", reached=False)
    page = await client.get(f"/entregas/{delivery.id}/bienvenida")
    assert page.status_code == 200 and "<html" in page.text and "Llamado de bienvenida" in page.text
    response = await client.post(f"/entregas/{delivery.id}/bienvenida",
                                 data={"version": "1", "outcome_id": str(outcome.id)})
    assert response.status_code == 200 and "<html" in response.text
    assert text_of(response.text, "result") == [f"Llamado de bienvenida registrado: {outcome.name}."]
    assert 'action="/oportunidades/nueva"' in response.text
    attempt = await ContactAttempt.select(ContactAttempt.reached).where(ContactAttempt.delivery == delivery.id).first()
    assert attempt == {"reached": False}


async def test_a_call_already_made_is_refused_and_nothing_changes(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    delivery = await make.delivery(branch, welcome_call_status="done")  # e.g. the DMS said so
    outcome = await make.call_outcome(branch, "welcome")
    response = await client.post(f"/entregas/{delivery.id}/bienvenida", headers=HTMX,
                                 data={"version": "1", "outcome_id": str(outcome.id)})
    assert response.status_code == 422
    assert text_of(response.text, "result") == ["El llamado de bienvenida ya se registró."]
    assert f'id="row-delivery-{delivery.id}"' in response.text
    row = await Delivery.select(Delivery.version, Delivery.welcome_call_outcome).where(
        Delivery.id == delivery.id).first()
    assert row == {"version": 1, "welcome_call_outcome": None}
    assert not await ContactAttempt.exists().where(ContactAttempt.delivery == delivery.id)
    assert not await audit_events("delivery", delivery.id, "delivery.welcome_call")


async def test_the_second_caller_is_told_who_called_first(as_user, make):
    branch, first, client = await signed_in(as_user, make, full_name="Lorena Gómez")
    second = await as_user((await make.user("advisor", [branch])).username)
    delivery = await make.delivery(branch)
    outcome = await make.call_outcome(branch, "welcome")
    data = {"version": "1", "outcome_id": str(outcome.id), "comment": "primera"}
    assert (await client.post(f"/entregas/{delivery.id}/bienvenida", headers=HTMX, data=data)).status_code == 200
    late = await second.post(f"/entregas/{delivery.id}/bienvenida", headers=HTMX, data=data | {"comment": "segunda"})
    assert late.status_code == 409
    message = text_of(late.text, "result")[0]
    assert message.startswith("Se le adelantaron: Lorena Gómez registró el llamado de bienvenida a las ")
    row = await Delivery.select(Delivery.welcome_call_comment, Delivery.welcome_called_by, Delivery.version).where(
        Delivery.id == delivery.id).first()
    assert row == {"welcome_call_comment": "primera", "welcome_called_by": first.id, "version": 2}
    assert await ContactAttempt.count().where(ContactAttempt.delivery == delivery.id) == 1


@pytest.mark.parametrize("outcome_of", ["none", "courtesy", "other_branch", "garbage"])
async def test_the_outcome_is_required_and_must_be_a_welcome_one(as_user, make, outcome_of):
    branch, _, client = await signed_in(as_user, make)
    delivery = await make.delivery(branch)
    outcome_id = {
        "none": "",
        "courtesy": str((await make.call_outcome(branch, "courtesy")).id),
        "other_branch": str((await make.call_outcome(await make.branch(), "welcome")).id),
        "garbage": "abc",
    }[outcome_of]
    response = await client.post(f"/entregas/{delivery.id}/bienvenida", headers=HTMX,
                                 data={"version": "1", "outcome_id": outcome_id, "comment": "x" * 1001})
    assert response.status_code == 422
    assert text_of(response.text, "error-outcome_id") == ["Elija el resultado del llamado de la lista."]
    assert text_of(response.text, "error-comment") == ["Máximo 1000 caracteres."]
    assert 'data-test="action-form"' in response.text  # the form again, as typed
    row = await Delivery.select(Delivery.welcome_call_status, Delivery.version).where(
        Delivery.id == delivery.id).first()
    assert row == {"welcome_call_status": "pending", "version": 1}
    assert not await ContactAttempt.exists().where(ContactAttempt.delivery == delivery.id)


async def test_mexico_says_llamada(as_user, make):
    branch, _, client = await signed_in(as_user, make, "MX")
    await make.delivery(branch)
    html = (await client.get("/entregas")).text
    assert "Llamada de bienvenida" in html and "Sin llamada" in html
    assert "Llamado de bienvenida" not in html
