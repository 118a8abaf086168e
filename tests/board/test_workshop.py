"""En proceso (open repair orders by days in the shop) and Servicios realizados
(delivered in the last N local days): tabs that add up to the home buttons,
search, scope, "Unidad entregada" and the courtesy call, through HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.tables import ContactAttempt, RepairOrder
from tests.board.test_deliveries import audit_events, home_counts, local_at, row_ids, signed_in, tab_counts
from tests.http import text_of

IN_PROCESS = {"HX-Request": "true", "HX-Current-URL": "http://testserver/en-proceso?tab=hoy"}
DONE = {"HX-Request": "true", "HX-Current-URL": "http://testserver/realizados"}


# --- En proceso ------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["AR", "MX"])
async def test_open_orders_by_local_opening_day(as_user, make, country):
    branch, _, client = await signed_in(as_user, make, country)
    tz = branch.timezone
    opened = {
        "hoy": [await make.repair_order(branch, opened_at=local_at(tz, 0, 18)),
                await make.repair_order(branch, opened_at=local_at(tz, 0, 0, 0, 0))],
        "ayer": [await make.repair_order(branch, opened_at=local_at(tz, -1, 23, 59, 59)),
                 await make.repair_order(branch, opened_at=local_at(tz, -1, 0, 0, 0))],
        "semana": [await make.repair_order(branch, opened_at=local_at(tz, -2, 23, 59, 59)),
                   await make.repair_order(branch, opened_at=local_at(tz, -7, 0, 0, 0))],
        "mas": [await make.repair_order(branch, opened_at=local_at(tz, -8, 23, 59, 59)),
                await make.repair_order(branch, opened_at=local_at(tz, -90))],
    }
    await make.repair_order(branch, opened_at=local_at(tz, 0, 8), status="delivered", delivered_at=local_at(tz, 0))
    await make.repair_order(branch, opened_at=local_at(tz, -3), status="cancelled")
    await make.repair_order(await make.branch(country=country), opened_at=local_at(tz, 0))

    for tab, orders in opened.items():
        response = await client.get(f"/en-proceso?tab={tab}", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert row_ids(response.text) == [o.id for o in orders], tab  # opened_at, newest first
        assert tab_counts(response.text) == {"hoy": 2, "ayer": 2, "semana": 2, "mas": 2}
    home = await client.get("/")
    assert text_of(home.text, "count")[3] == "8" and "2 ingresaron hoy" in home.text


async def test_an_open_row_shows_the_order(as_user, make):
    branch, _, client = await signed_in(as_user, make, "MX")
    customer = await make.customer(branch, name="Ximena Ortega", phone_mobile="+524421234567")
    vehicle = await make.vehicle(branch, owner=customer, plate="UAB123C", make="Nissan", model="Versa",
                                 model_year=2022)
    order = await make.repair_order(branch, vehicle=vehicle, number="OS-7788", stage="quote",
                                    advisor_name="Andrés Villalba", opened_at=local_at(branch.timezone, -3, 9, 30))
    html = (await client.get("/en-proceso?tab=semana")).text
    assert "OS-7788" in html and "09:30" in html and text_of(html, "days") == ["3 días en el taller"]
    assert text_of(html, "stage") == ["Cotización"]  # es-MX
    assert "Andrés Villalba" in html and "Ximena Ortega" in html and "UAB123C" in html and "Nissan Versa 2022" in html
    assert f'href="/clientes/{customer.id}"' in html
    assert f"/en-proceso/{order.id}/entregada" in html
    assert f"/oportunidades/nueva?vehiculo={vehicle.id}&amp;desde=en-proceso&amp;fila={order.id}" in html


async def test_search_in_process(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    customer = await make.customer(branch, name="Tomás Echeverría", phone_mobile="+5492614445566")
    vehicle = await make.vehicle(branch, owner=customer, plate="AC456BD")
    wanted = await make.repair_order(branch, vehicle=vehicle)
    await make.repair_order(branch)
    for q in ("echeverría", "ac456bd", vehicle.vin[-5:], "2614445566"):
        response = await client.get("/en-proceso", params={"q": q}, headers={"HX-Request": "true"})
        assert row_ids(response.text) == [wanted.id], q
        assert tab_counts(response.text) == {"hoy": 1, "ayer": 0, "semana": 0, "mas": 0}


async def test_unit_delivered_moves_to_servicios_realizados(as_user, make):
    branch, user, client = await signed_in(as_user, make)
    vehicle = await make.vehicle(branch)
    order = await make.repair_order(branch, vehicle=vehicle, opened_at=local_at(branch.timezone, 0, 8),
                                    number="OR-5150")
    before = await home_counts(client)

    form = await client.get(f"/en-proceso/{order.id}/entregada", headers=IN_PROCESS)
    assert form.status_code == 200
    question = re.search(r'data-test="confirm-question">(.*?)</p>', form.text, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", question) == (
        f"¿Confirma que el Volkswagen Gol Trend {vehicle.plate} (orden OR-5150) fue entregado al cliente?")
    response = await client.post(f"/en-proceso/{order.id}/entregada", headers=IN_PROCESS, data={"version": "1"})
    assert response.status_code == 200
    assert text_of(response.text, "result")[0].startswith("Unidad entregada: orden OR-5150.")
    row = await RepairOrder.select().where(RepairOrder.id == order.id).first()
    assert (row["status"], row["delivered_by"], row["version"]) == ("delivered", user.id, 2)
    assert dt.datetime.now(dt.UTC) - row["delivered_at"] < dt.timedelta(minutes=1)
    assert len(await audit_events("repair_order", order.id, "repair_order.deliver")) == 1
    # The row now says so, the tabs and the strip moved.
    assert f'id="row-repair_order-{order.id}"' in response.text and text_of(response.text, "status") == ["Entregada"]
    assert tab_counts(response.text)["hoy"] == 0
    after = await home_counts(client)
    assert (int(before["en-proceso"]) - 1, int(before["realizados"]) + 1) == (
        int(after["en-proceso"]), int(after["realizados"]))

    done = await client.get("/realizados")
    assert row_ids(done.text) == [order.id]
    assert text_of(done.text, "delivered-by") == ["marcada por Usuaria de Prueba"]


async def test_without_javascript_delivery_redirects_to_the_list(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    order = await make.repair_order(branch)
    page = await client.get(f"/en-proceso/{order.id}/entregada")
    assert page.status_code == 200 and "<html" in page.text and "¿Confirma que" in page.text
    response = await client.post(f"/en-proceso/{order.id}/entregada", data={"version": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/en-proceso"


@pytest.mark.parametrize(("status", "message"), [
    ("delivered", "Esta unidad ya figura como entregada."),
    ("cancelled", "Esta orden fue anulada: no se puede entregar."),
])
async def test_a_unit_is_delivered_once(as_user, make, status, message):
    branch, _, client = await signed_in(as_user, make)
    order = await make.repair_order(branch, status=status, delivered_at=local_at(branch.timezone, -1)
                                    if status == "delivered" else None)
    response = await client.post(f"/en-proceso/{order.id}/entregada", headers=IN_PROCESS, data={"version": "1"})
    assert response.status_code == 422
    assert text_of(response.text, "result") == [message]
    row = await RepairOrder.select(RepairOrder.status, RepairOrder.version, RepairOrder.delivered_by).where(
        RepairOrder.id == order.id).first()
    assert row == {"status": status, "version": 1, "delivered_by": None}
    assert not await audit_events("repair_order", order.id, "repair_order.deliver")


async def test_the_second_to_deliver_is_told_who_did_it(as_user, make):
    branch, first, client = await signed_in(as_user, make, full_name="Andrés Villalba")
    second = await as_user((await make.user("coordinator", [branch])).username)
    order = await make.repair_order(branch)
    assert (await client.post(f"/en-proceso/{order.id}/entregada", headers=IN_PROCESS,
                              data={"version": "1"})).status_code == 200
    late = await second.post(f"/en-proceso/{order.id}/entregada", headers=IN_PROCESS, data={"version": "1"})
    assert late.status_code == 409
    assert text_of(late.text, "result")[0].startswith(
        "Se le adelantaron: Andrés Villalba marcó la unidad como entregada a las ")
    assert f'id="row-repair_order-{order.id}"' in late.text  # the fresh row
    row = await RepairOrder.select(RepairOrder.delivered_by, RepairOrder.version).where(
        RepairOrder.id == order.id).first()
    assert row == {"delivered_by": first.id, "version": 2}
    assert len(await audit_events("repair_order", order.id, "repair_order.deliver")) == 1


async def test_another_branchs_order_is_not_found(as_user, make):
    _, _, client = await signed_in(as_user, make)
    foreign = await make.repair_order(await make.branch())
    delivered = await make.repair_order(foreign.branch, status="delivered", delivered_at=local_at("UTC", 0))
    outcome = await make.call_outcome(foreign.branch, "courtesy")
    assert (await client.get(f"/en-proceso/{foreign.id}/entregada")).status_code == 404
    assert (await client.post(f"/en-proceso/{foreign.id}/entregada", data={"version": "1"},
                              headers=IN_PROCESS)).status_code == 404
    assert (await client.get(f"/realizados/{delivered.id}/cortesia")).status_code == 404
    assert (await client.post(f"/realizados/{delivered.id}/cortesia", headers=DONE,
                              data={"version": "1", "outcome_id": str(outcome.id)})).status_code == 404
    rows = await RepairOrder.select(RepairOrder.version).where(RepairOrder.id.is_in([foreign.id, delivered.id]))
    assert rows == [{"version": 1}, {"version": 1}]


# --- Servicios realizados --------------------------------------------------------------------------


@pytest.mark.parametrize(("country", "window"), [("AR", 15), ("MX", 5)])
async def test_done_is_the_last_n_local_days(as_user, make, country, window):
    branch, _, client = await signed_in(as_user, make, country, done_window_days=window)
    tz = branch.timezone

    async def delivered(days: int, *time: int, **fields):
        return await make.repair_order(branch, opened_at=local_at(tz, days - 2), status="delivered",
                                       delivered_at=local_at(tz, days, *time), **fields)

    today = await delivered(0, 7)
    first_day = await delivered(-window, 0, 0, 0)  # day N: in
    called = await delivered(-1, 10, courtesy_call_status="done")
    day_before = await delivered(-window - 1, 23, 59, 59)  # day N+1: out
    still_open = await make.repair_order(branch, opened_at=local_at(tz, -1))
    other = await make.repair_order(await make.branch(country=country), status="delivered",
                                    delivered_at=local_at(tz, 0))

    pending = await client.get("/realizados")
    assert row_ids(pending.text) == [today.id, first_day.id]  # delivered_at, newest first
    assert tab_counts(pending.text) == {"sin-llamado": 2, "con-llamado": 1}
    done = await client.get("/realizados?tab=con-llamado", headers={"HX-Request": "true"})
    assert row_ids(done.text) == [called.id]
    assert not {day_before.id, still_open.id, other.id} & set(row_ids(pending.text) + row_ids(done.text))
    assert text_of(pending.text, "delivered-by") == ["informada por el DMS"] * 2
    assert f"/oportunidades/nueva?vehiculo={today.vehicle}&amp;desde=realizados&amp;fila={today.id}" \
           f"&amp;orden={today.id}" in pending.text
    home = await client.get("/")
    assert text_of(home.text, "count")[4] == "3"


async def test_search_done(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    customer = await make.customer(branch, name="Gabriela Suárez")
    vehicle = await make.vehicle(branch, owner=customer, plate="AD321ZZ")
    wanted = await make.repair_order(branch, vehicle=vehicle, status="delivered",
                                     delivered_at=local_at(branch.timezone, -1), courtesy_call_status="done")
    await make.repair_order(branch, status="delivered", delivered_at=local_at(branch.timezone, -1),
                            courtesy_call_status="done")
    response = await client.get("/realizados", params={"q": "suárez", "tab": "con-llamado"})
    assert row_ids(response.text) == [wanted.id]
    assert tab_counts(response.text) == {"sin-llamado": 0, "con-llamado": 1}


async def test_the_courtesy_call_is_recorded(as_user, make):
    branch, user, client = await signed_in(as_user, make)
    order = await make.repair_order(branch, status="delivered", delivered_at=local_at(branch.timezone, -1))
    outcome = await make.call_outcome(branch, "courtesy")
    form = await client.get(f"/realizados/{order.id}/cortesia", headers=DONE)
    assert form.status_code == 200 and outcome.name in form.text
    assert (await make.call_outcome(branch, "welcome")).name not in form.text
    response = await client.post(f"/realizados/{order.id}/cortesia", headers=DONE,
                                 data={"version": "1", "outcome_id": str(outcome.id), "comment": "Conforme"})
    assert response.status_code == 200
    assert text_of(response.text, "result") == [f"Llamado de cortesía registrado: {outcome.name}."]
    row = await RepairOrder.select().where(RepairOrder.id == order.id).first()
    assert (row["courtesy_call_status"], row["courtesy_call_outcome"], row["courtesy_call_comment"],
            row["courtesy_called_by"], row["version"]) == ("done", outcome.id, "Conforme", user.id, 2)
    assert row["courtesy_called_at"] is not None
    attempt = await ContactAttempt.select().where(ContactAttempt.repair_order == order.id).first()
    assert (attempt["purpose"], attempt["outcome"], attempt["reached"], attempt["user"], attempt["customer"]) == (
        "courtesy", outcome.id, True, user.id, order.customer)
    assert len(await audit_events("repair_order", order.id, "repair_order.courtesy_call")) == 1
    assert tab_counts(response.text) == {"sin-llamado": 0, "con-llamado": 1}
    assert f'id="row-repair_order-{order.id}"' in response.text and outcome.name in text_of(response.text, "status")


@pytest.mark.parametrize(("fields", "message"), [
    ({"courtesy_call_status": "done"}, "El llamado de cortesía ya se registró."),
    ({"status": "open", "delivered_at": None},
     "Esta unidad todavía no se entregó: el llamado de cortesía se hace después de la entrega."),
])
async def test_a_courtesy_call_is_made_once_and_after_delivery(as_user, make, fields, message):
    branch, _, client = await signed_in(as_user, make)
    order = await make.repair_order(branch, **({"status": "delivered", "delivered_at": local_at("UTC", 0)} | fields))
    outcome = await make.call_outcome(branch, "courtesy")
    response = await client.post(f"/realizados/{order.id}/cortesia", headers=DONE,
                                 data={"version": "1", "outcome_id": str(outcome.id)})
    assert response.status_code == 422
    assert text_of(response.text, "result") == [message]
    row = await RepairOrder.select(RepairOrder.version, RepairOrder.courtesy_call_outcome).where(
        RepairOrder.id == order.id).first()
    assert row == {"version": 1, "courtesy_call_outcome": None}
    assert not await ContactAttempt.exists().where(ContactAttempt.repair_order == order.id)


async def test_the_second_courtesy_caller_is_told(as_user, make):
    branch, _, client = await signed_in(as_user, make, full_name="Paula Giménez")
    second = await as_user((await make.user("advisor", [branch])).username)
    order = await make.repair_order(branch, status="delivered", delivered_at=local_at("UTC", 0))
    outcome = await make.call_outcome(branch, "courtesy")
    data = {"version": "1", "outcome_id": str(outcome.id)}
    assert (await client.post(f"/realizados/{order.id}/cortesia", headers=DONE, data=data)).status_code == 200
    late = await second.post(f"/realizados/{order.id}/cortesia", headers=DONE, data=data)
    assert late.status_code == 409
    assert text_of(late.text, "result")[0].startswith(
        "Se le adelantaron: Paula Giménez registró el llamado de cortesía a las ")
    assert await ContactAttempt.count().where(ContactAttempt.repair_order == order.id) == 1


@pytest.mark.parametrize("outcome_of", ["none", "welcome", "inactive"])
async def test_the_courtesy_outcome_is_required(as_user, make, outcome_of):
    branch, _, client = await signed_in(as_user, make)
    order = await make.repair_order(branch, status="delivered", delivered_at=local_at("UTC", 0))
    outcome_id = ""
    if outcome_of == "welcome":
        outcome_id = str((await make.call_outcome(branch, "welcome")).id)
    elif outcome_of == "inactive":
        from app.tables import CallOutcome

        inactive = await make.call_outcome(branch, "courtesy")
        await CallOutcome.update({CallOutcome.active: False}).where(CallOutcome.id == inactive.id)
        outcome_id = str(inactive.id)
    response = await client.post(f"/realizados/{order.id}/cortesia", headers=DONE,
                                 data={"version": "1", "outcome_id": outcome_id, "comment": "hola"})
    assert response.status_code == 422
    assert text_of(response.text, "error-outcome_id") == ["Elija el resultado del llamado de la lista."]
    assert 'data-test="action-form"' in response.text and ">hola</textarea>" in response.text
    row = await RepairOrder.select(RepairOrder.courtesy_call_status, RepairOrder.version).where(
        RepairOrder.id == order.id).first()
    assert row == {"courtesy_call_status": "pending", "version": 1}


async def test_crear_oportunidad_from_realizados_proposes_the_next_maintenance(as_user, make):
    branch, _, client = await signed_in(as_user, make)
    order = await make.repair_order(branch, status="delivered", delivered_at=local_at(branch.timezone, -1))
    response = await client.get(f"/oportunidades/nueva?vehiculo={order.vehicle}&desde=realizados&fila={order.id}"
                                f"&orden={order.id}", headers=DONE)
    assert response.status_code == 200
    assert '<option value="maintenance" selected>' in response.text
    assert 'name="from_list" value="realizados"' in response.text
    assert f'name="repair_order_id" value="{order.id}"' in response.text
