"""Oportunidades nuevas through HTTP: the list (tabs on the branch's local
dates, search, 50 rows a page, the badge), its four actions and "Crear
oportunidad", each checked in the database, the audit log and the markup
htmx swaps (the row, the tab counts and the strip, out of band)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.tables import (
    Appointment,
    AuditEvent,
    Branch,
    CallOutcome,
    ContactAttempt,
    DiscardReason,
    Opportunity,
)
from tests.http import text_of

HX = {"HX-Request": "true"}
TZ = {"AR": "America/Argentina/Buenos_Aires", "MX": "America/Mexico_City"}
BOTH = pytest.mark.parametrize("country", ["AR", "MX"])


# --- helpers ------------------------------------------------------------------------------------


def today_in(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def local(days: int, tz: str, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment `days` from the branch's local today, at a local time, in UTC."""
    day = today_in(tz) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


async def board(make, as_user, country: str = "AR", **branch_fields) -> SimpleNamespace:
    """A branch of its own, a coordinator of it signed in."""
    branch = await make.branch(country=country, **branch_fields)
    user = await make.user("coordinator", [branch], full_name="Carla Domínguez")
    client = await as_user(user.username)
    return SimpleNamespace(branch=branch, user=user, client=client, tz=branch.timezone, make=make)


def htmx(tab: str = "hoy", q: str = "") -> dict[str, str]:
    url = f"http://testserver/oportunidades?tab={tab}" + (f"&q={q}" if q else "")
    return HX | {"HX-Current-URL": url}


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="row-opportunity-(\d+)"', html)]


def tab_counts(html: str) -> dict[str, int]:
    return {key: int(re.sub(r"\D", "", text_of(html, f"tab-{key}")[0]))
            for key in ("vencidas", "hoy", "proximas")}


def strip_count(html: str, key: str) -> int:
    return int(re.sub(r"\D", "", text_of(html, f"strip-{key}")[0]))


async def opp(opp_id: int) -> dict:
    return await Opportunity.select().where(Opportunity.id == opp_id).first()


async def audits(opp_id: int) -> list[dict]:
    return await AuditEvent.select().where(
        (AuditEvent.entity == "opportunity") & (AuditEvent.entity_id == opp_id)
    ).order_by(AuditEvent.id).output(load_json=True)


async def reason_id(branch, name: str = "Precio") -> int:
    row = await DiscardReason.select(DiscardReason.id).where(
        (DiscardReason.branch == branch.id) & (DiscardReason.name == name)).first()
    return row["id"]


async def outcome_id(branch, name: str = "No contesta") -> int:
    row = await CallOutcome.select(CallOutcome.id).where(
        (CallOutcome.branch == branch.id) & (CallOutcome.name == name)).first()
    return row["id"]


async def listing(client, tab: str, q: str = "", page: int = 1, hx: bool = True):
    params = {"tab": tab, "q": q, "page": str(page)}
    response = await client.get("/oportunidades", params=params, headers=HX if hx else {})
    assert response.status_code == 200, response.text[:500]
    return response


async def home_count(client) -> int:
    response = await client.get("/")
    return int(re.sub(r"\D", "", text_of(response.text, "count")[1]))  # the second button: Oportunidades


async def unchanged(row_before: dict) -> None:
    """Nothing was applied to the opportunity, no audit event, no attempt, no appointment."""
    assert await opp(row_before["id"]) == row_before
    assert await audits(row_before["id"]) == []
    assert not await ContactAttempt.exists().where(ContactAttempt.opportunity == row_before["id"])
    assert not await Appointment.exists().where(Appointment.opportunity == row_before["id"])


# --- the list -----------------------------------------------------------------------------------


async def test_direct_load_is_the_whole_page_htmx_only_the_list(as_user, make):
    b = await board(make, as_user)
    overdue = await make.opportunity(b.branch, due_at=local(-1, b.tz))
    mine = await make.opportunity(b.branch, due_at=local(0, b.tz))
    page = await b.client.get("/oportunidades")
    assert page.status_code == 200 and "<html" in page.text
    assert 'id="board-strip"' in page.text and 'id="panel"' in page.text and 'data-test="search"' in page.text
    assert row_ids(page.text) == [overdue.id]  # the first tab: Vencidas
    fragment = await listing(b.client, "hoy")
    assert "<html" not in fragment.text and 'id="board-strip"' not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    assert row_ids(fragment.text) == [mine.id]


@BOTH
async def test_tabs_split_the_window_on_the_branch_local_dates(as_user, make, country):
    b = await board(make, as_user, country)
    tz = b.tz
    due = {
        "first second of today-15": local(-15, tz, 0, 0, 0),
        "last second of today-16": local(-16, tz, 23, 59, 59),
        "last second of yesterday": local(-1, tz, 23, 59, 59),
        "local midnight today": local(0, tz, 0, 0, 0),
        "last second of today": local(0, tz, 23, 59, 59),
        "local midnight tomorrow": local(1, tz, 0, 0, 0),
        "last second of today+15": local(15, tz, 23, 59, 59),
        "first second of today+16": local(16, tz, 0, 0, 0),
    }
    made = {name: (await make.opportunity(b.branch, due_at=moment)).id for name, moment in due.items()}
    # Closed ones and another branch's never show.
    await make.opportunity(b.branch, due_at=local(0, tz), status="booked")
    await make.opportunity(b.branch, due_at=local(0, tz), status="discarded")
    await make.opportunity(await make.branch(country=country), due_at=local(0, tz))

    expected = {
        "vencidas": [made["first second of today-15"], made["last second of yesterday"]],
        "hoy": [made["local midnight today"], made["last second of today"]],
        "proximas": [made["local midnight tomorrow"], made["last second of today+15"]],
    }
    for tab, ids in expected.items():
        response = await listing(b.client, tab)
        assert row_ids(response.text) == ids, tab  # oldest first
        assert tab_counts(response.text) == {"vencidas": 2, "hoy": 2, "proximas": 2}
    assert await home_count(b.client) == 6  # the button's count is the list's total


async def test_a_late_evening_is_today_locally_though_tomorrow_in_utc(as_user, make):
    b = await board(make, as_user, "MX")
    # 23:30 in Mexico City is 05:30 UTC of the next day.
    late = await make.opportunity(b.branch, due_at=local(0, b.tz, 23, 30))
    early = await make.opportunity(b.branch, due_at=local(1, b.tz, 0, 30))  # 06:30 UTC tomorrow
    assert row_ids((await listing(b.client, "hoy")).text) == [late.id]
    assert row_ids((await listing(b.client, "proximas")).text) == [early.id]


@pytest.mark.parametrize("days", [3, 30])
async def test_the_window_is_the_branch_setting(as_user, make, days):
    b = await board(make, as_user, opportunity_window_days=days)
    inside = [await make.opportunity(b.branch, due_at=local(d, b.tz, 12)) for d in (-days, days)]
    await make.opportunity(b.branch, due_at=local(-days - 1, b.tz, 23, 59, 59))
    await make.opportunity(b.branch, due_at=local(days + 1, b.tz, 0, 0, 0))
    assert row_ids((await listing(b.client, "vencidas")).text) == [inside[0].id]
    assert row_ids((await listing(b.client, "proximas")).text) == [inside[1].id]
    assert await home_count(b.client) == 2


async def test_an_unknown_tab_or_page_falls_back(as_user, make):
    b = await board(make, as_user)
    overdue = await make.opportunity(b.branch, due_at=local(-2, b.tz))
    for params in ({"tab": "nada"}, {"tab": "vencidas", "page": "x"}, {"page": "-3"}, {"page": "99999999999"}):
        response = await b.client.get("/oportunidades", params=params, headers=HX)
        assert response.status_code == 200
    assert row_ids((await b.client.get("/oportunidades", params={"tab": "nada"}, headers=HX)).text) == [overdue.id]


async def test_an_empty_list_says_so(as_user, make):
    b = await board(make, as_user)
    response = await listing(b.client, "hoy")
    assert text_of(response.text, "empty") == ["No hay nada pendiente aquí."]
    response = await listing(b.client, "hoy", q="zzz")
    assert "Nada coincide con «zzz»" in text_of(response.text, "empty")[0]


# --- search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "typed"), [
    ("name", "gonzález"),
    ("name", "ROSA GONZ"),
    ("plate", "ab 987-zz"),
    ("plate", "987ZZ"),
    ("vin", "8vwzzz377vt"),
    ("vin", "VT009876"),
    ("phone", "11 4444-1234"),
    ("phone", "44441234"),
])
async def test_search_by_each_field(as_user, make, field, typed):
    b = await board(make, as_user)
    customer = await make.customer(b.branch, name="Rosa González", phone_mobile="+5491144441234")
    vehicle = await make.vehicle(b.branch, owner=customer, plate="AB987ZZ", vin="8VWZZZ377VT009876")
    wanted = await make.opportunity(b.branch, due_at=local(0, b.tz), vehicle=vehicle)
    await make.opportunity(b.branch, due_at=local(0, b.tz))  # someone else
    later = await make.opportunity(b.branch, due_at=local(3, b.tz), vehicle=vehicle, kind="maintenance")
    response = await listing(b.client, "hoy", q=typed)
    assert row_ids(response.text) == [wanted.id], field
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 1, "proximas": 1}  # the counts follow the search
    assert row_ids((await listing(b.client, "proximas", q=typed)).text) == [later.id]


@pytest.mark.parametrize(("stored", "typed"), [
    ("ÁNGELA GÓMEZ", "gómez"),  # a DMS's upper case: SQLite lowers only ASCII letters
    ("ÁNGELA GÓMEZ", "Ángela Gómez"),
    ("Ángela Gómez", "ÁNGELA"),
    ("Ángela Gómez", "gómez"),
    ("MUÑOZ HNOS. S.A.", "muñoz hnos"),
    ("Ángela Gómez", "angela gomez"),  # typed without accents, as coordinators do
    ("NÚÑEZ Y CÍA", "nunez"),
])
async def test_search_by_a_name_with_accents_in_any_case(as_user, make, stored, typed):
    b = await board(make, as_user)
    customer = await make.customer(b.branch, name=stored)
    wanted = await make.opportunity(b.branch, due_at=local(0, b.tz), customer=customer)
    await make.opportunity(b.branch, due_at=local(0, b.tz))
    assert row_ids((await listing(b.client, "hoy", q=typed)).text) == [wanted.id]


@pytest.mark.parametrize("typed", ["%", "_", "\\", "'; DROP TABLE opportunity; --"])
async def test_search_wildcards_are_plain_text(as_user, make, typed):
    b = await board(make, as_user)
    await make.opportunity(b.branch, due_at=local(0, b.tz))
    response = await listing(b.client, "hoy", q=typed)
    assert row_ids(response.text) == []
    assert await Opportunity.count().where(Opportunity.branch == b.branch.id) == 1


async def test_search_keeps_the_tab_and_the_query_in_the_links(as_user, make):
    b = await board(make, as_user)
    await make.opportunity(b.branch, due_at=local(0, b.tz), customer=await make.customer(b.branch, name="Ana Ruiz"))
    response = await b.client.get("/oportunidades", params={"tab": "hoy", "q": "ana ruiz"})
    assert 'value="hoy" data-test="search-tab"' in response.text
    assert 'value="ana ruiz"' in response.text
    assert 'href="/oportunidades?tab=proximas&amp;q=ana%20ruiz"' in response.text


# --- paging ---------------------------------------------------------------------------------------


async def test_fifty_rows_a_page(as_user, make):
    b = await board(make, as_user)
    start = local(1, b.tz, 8)
    made = [(await make.opportunity(b.branch, due_at=start + dt.timedelta(minutes=i))).id for i in range(51)]
    first = await listing(b.client, "proximas")
    assert row_ids(first.text) == made[:50]
    assert text_of(first.text, "range") == ["1–50 de 51"]
    assert 'data-test="next"' in first.text and 'data-test="previous"' not in first.text
    assert tab_counts(first.text)["proximas"] == 51
    second = await listing(b.client, "proximas", page=2)
    assert row_ids(second.text) == made[50:]
    assert text_of(second.text, "range") == ["51–51 de 51"]
    assert 'data-test="previous"' in second.text and 'data-test="next"' not in second.text
    assert row_ids((await listing(b.client, "proximas", page=3)).text) == []


async def test_same_moment_rows_do_not_repeat_across_pages(as_user, make):
    b = await board(make, as_user)
    moment = local(2, b.tz, 9)
    made = [(await make.opportunity(b.branch, due_at=moment)).id for _ in range(52)]
    seen = row_ids((await listing(b.client, "proximas")).text) + row_ids(
        (await listing(b.client, "proximas", page=2)).text)
    assert seen == sorted(made)


# --- the badge ------------------------------------------------------------------------------------


async def test_the_scheduled_badge(as_user, make):
    b = await board(make, as_user)
    tz = b.tz
    shared = await make.vehicle(b.branch)
    a = await make.opportunity(b.branch, due_at=local(0, tz, 9), vehicle=shared, kind="manual")
    a2 = await make.opportunity(b.branch, due_at=local(0, tz, 10), vehicle=shared, kind="maintenance")
    alone = await make.opportunity(b.branch, due_at=local(0, tz, 11))
    booked_vehicle = await make.vehicle(b.branch)
    with_appointment = await make.opportunity(b.branch, due_at=local(0, tz, 12), vehicle=booked_vehicle)
    await make.appointment(b.branch, starts_at=local(3, tz, 10), vehicle=booked_vehicle)
    old_vehicle = await make.vehicle(b.branch)
    past_only = await make.opportunity(b.branch, due_at=local(0, tz, 13), vehicle=old_vehicle)
    await make.appointment(b.branch, starts_at=local(-3, tz, 10), vehicle=old_vehicle)
    await make.appointment(b.branch, starts_at=local(3, tz, 10), vehicle=old_vehicle, status="cancelled")
    await make.opportunity(b.branch, due_at=local(0, tz), vehicle=old_vehicle, kind="lapsed", status="discarded")

    response = await listing(b.client, "hoy")
    badged = {}
    for row_id in row_ids(response.text):
        markup = re.search(rf'id="row-opportunity-{row_id}".*?</tr>', response.text, re.S).group(0)
        badged[row_id] = 'data-test="badge-scheduled"' in markup
    assert badged == {a.id: True, a2.id: True, alone.id: False, with_appointment.id: True, past_only.id: False}
    assert "Oportunidad agendada" in response.text


# --- the action forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "focus"), [
    ("descartar", "reason_id"), ("replanificar", "day"), ("turno", "day"), ("intento", "outcome_id")])
async def test_each_form_opens_in_the_panel_and_as_a_page(as_user, make, action, focus):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz), version=4)
    panel = await b.client.get(f"/oportunidades/{row.id}/{action}", headers=HX)
    assert panel.status_code == 200 and "<html" not in panel.text
    assert re.search(rf'<(select|input)[^>]*name="{focus}"[^>]*autofocus', panel.text), "the first field has focus"
    assert 'name="version" value="4"' in panel.text
    assert 'name="_csrf_token"' in panel.text
    assert f'hx-post="/oportunidades/{row.id}/{action}" hx-target="#panel"' in panel.text
    page = await b.client.get(f"/oportunidades/{row.id}/{action}")
    assert page.status_code == 200 and "<html" in page.text and 'id="board-strip"' in page.text
    assert f'action="/oportunidades/{row.id}/{action}"' in page.text  # works without JavaScript


async def test_the_reschedule_form_says_when_it_is_due(as_user, make):
    b = await board(make, as_user, "MX")
    row = await make.opportunity(b.branch, due_at=local(-3, b.tz, 16, 45), reschedule_count=2)
    form = (await b.client.get(f"/oportunidades/{row.id}/replanificar", headers=HX)).text
    due = today_in(b.tz) - dt.timedelta(days=3)
    assert text_of(form, "due")[0].startswith(f"Vence el {due:%d/%m/%Y} a las 16:45. Ya se replanificó 2 veces.")
    assert f'min="{today_in(b.tz).isoformat()}"' in form


async def test_the_forms_offer_the_branch_catalogs_only(as_user, make):
    b = await board(make, as_user)
    other = await make.branch()
    await make.discard_reason(other, name="Motivo de otra sucursal")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    await DiscardReason.update({DiscardReason.active: False}).where(
        (DiscardReason.branch == b.branch.id) & (DiscardReason.name == "Otro"))
    discard = (await b.client.get(f"/oportunidades/{row.id}/descartar", headers=HX)).text
    assert "Precio" in discard and "Motivo de otra sucursal" not in discard and ">Otro<" not in discard
    attempt = (await b.client.get(f"/oportunidades/{row.id}/intento", headers=HX)).text
    assert "No contesta" in attempt and "Contactado: sacó turno" in attempt
    assert "Bienvenida realizada" not in attempt and "Satisfecho con el servicio" not in attempt  # other calls'
    assert "Intentos: 0 de 5." in attempt


# --- Descartar --------------------------------------------------------------------------------------


async def test_discard(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    other = await make.opportunity(b.branch, due_at=local(0, b.tz))
    response = await b.client.post(f"/oportunidades/{row.id}/descartar", headers=htmx("hoy"), data={
        "version": "1", "reason_id": str(await reason_id(b.branch)), "comment": "  Va a otro taller  "})
    assert response.status_code == 200, response.text
    assert text_of(response.text, "result") == ["Oportunidad descartada: Precio."]
    after = await opp(row.id)
    assert (after["status"], after["discard_reason"], after["discard_comment"], after["version"]) == (
        "discarded", await reason_id(b.branch), "Va a otro taller", 2)
    assert after["closed_at"] is not None
    [event] = await audits(row.id)
    assert (event["action"], event["user"], event["branch"], event["username"]) == (
        "opportunity.discard", b.user.id, b.branch.id, b.user.username)
    assert event["before"] == {"status": "open"}
    assert event["after"] == {"status": "discarded", "reason": "Precio", "comment": "Va a otro taller"}
    # Out of band: the row (closed now), the tabs and the strip, with the right counts.
    assert re.search(rf'<tr id="row-opportunity-{row.id}"[^>]*hx-swap-oob="true"', response.text)
    assert text_of(response.text, "status") == ["Descartada: Precio"]
    assert re.search(r'<nav id="tabs"[^>]*hx-swap-oob="true"', response.text)
    assert re.search(r'<nav id="board-strip"[^>]*hx-swap-oob="true"', response.text)
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 1, "proximas": 0}
    assert strip_count(response.text, "oportunidades") == 1 == await home_count(b.client)
    assert row_ids((await listing(b.client, "hoy")).text) == [other.id]
    assert f'data-focus="row-opportunity-{row.id}"' in response.text  # focus goes back to the row


async def test_discard_without_a_comment(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(-3, b.tz))
    response = await b.client.post(f"/oportunidades/{row.id}/descartar", headers=htmx("vencidas"), data={
        "version": "1", "reason_id": str(await reason_id(b.branch, "Vendió el vehículo"))})
    assert response.status_code == 200
    assert (await opp(row.id))["discard_comment"] == ""
    assert tab_counts(response.text)["vencidas"] == 0


# --- Replanificar ----------------------------------------------------------------------------------


@BOTH
async def test_reschedule_in_the_branch_time_zone(as_user, make, country):
    b = await board(make, as_user, country)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz, 9), reschedule_count=1)
    day = today_in(b.tz) + dt.timedelta(days=4)
    response = await b.client.post(f"/oportunidades/{row.id}/replanificar", headers=htmx("hoy"), data={
        "version": "1", "day": day.isoformat(), "time": "10:30", "comment": "Pidió que lo llamen el viernes"})
    assert response.status_code == 200, response.text
    expected = dt.datetime.combine(day, dt.time(10, 30), tzinfo=ZoneInfo(b.tz)).astimezone(dt.UTC)
    after = await opp(row.id)
    assert (after["due_at"], after["reschedule_count"], after["status"], after["version"]) == (expected, 2, "open", 2)
    assert text_of(response.text, "result") == [f"Oportunidad replanificada para el {day:%d/%m/%Y} a las 10:30."]
    [event] = await audits(row.id)
    assert event["action"] == "opportunity.reschedule"
    assert event["before"] == {"due_at": row.due_at.isoformat()}
    assert event["after"] == {"due_at": expected.isoformat(), "reschedules": 2,
                              "comment": "Pidió que lo llamen el viernes"}
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 0, "proximas": 1}
    assert strip_count(response.text, "oportunidades") == 1
    assert "replanificada 2 veces" in response.text  # the row says it


async def test_reschedule_out_of_the_window_leaves_the_list(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    day = today_in(b.tz) + dt.timedelta(days=40)
    response = await b.client.post(f"/oportunidades/{row.id}/replanificar", headers=htmx("hoy"),
                                   data={"version": "1", "day": day.strftime("%d/%m/%Y"), "time": "9"})
    assert response.status_code == 200
    assert (await opp(row.id))["due_at"] == dt.datetime.combine(day, dt.time(9), ZoneInfo(b.tz)).astimezone(dt.UTC)
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 0, "proximas": 0}
    assert strip_count(response.text, "oportunidades") == 0


async def test_reschedule_to_the_past_is_said_next_to_the_date(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    before = await opp(row.id)
    yesterday = today_in(b.tz) - dt.timedelta(days=1)
    response = await b.client.post(f"/oportunidades/{row.id}/replanificar", headers=htmx(),
                                   data={"version": "1", "day": yesterday.isoformat(), "time": "10:30"})
    assert response.status_code == 422
    assert text_of(response.text, "error-day") == ["La nueva fecha no puede quedar en el pasado."]
    assert 'name="time" type="time" value="10:30"' in response.text  # the form is kept, as typed
    await unchanged(before)


# --- Turno vendido -----------------------------------------------------------------------------------


@BOTH
async def test_book(as_user, make, country):
    b = await board(make, as_user, country)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz), reason="Service de 10.000 km")
    day = today_in(b.tz) + dt.timedelta(days=2)
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx("hoy"), data={
        "version": "1", "day": day.isoformat(), "time": "08:15", "comment": "Trae el auto temprano"})
    assert response.status_code == 200, response.text
    starts = dt.datetime.combine(day, dt.time(8, 15), tzinfo=ZoneInfo(b.tz)).astimezone(dt.UTC)
    [appointment] = await Appointment.select().where(Appointment.opportunity == row.id)
    assert (appointment["branch"], appointment["customer"], appointment["vehicle"], appointment["starts_at"]) == (
        b.branch.id, row.customer, row.vehicle, starts)
    assert (appointment["status"], appointment["source"], appointment["created_by"], appointment["reason"]) == (
        "scheduled", "board", b.user.id, "Trae el auto temprano")  # what was agreed, else why we called
    after = await opp(row.id)
    assert (after["status"], after["version"]) == ("booked", 2) and after["closed_at"] is not None
    [event] = await audits(row.id)
    assert event["action"] == "opportunity.book" and event["before"] == {"status": "open"}
    assert event["after"] == {"status": "booked", "appointment": appointment["id"], "starts_at": starts.isoformat(),
                              "comment": "Trae el auto temprano"}
    word = {"AR": "Turno vendido", "MX": "Cita agendada"}[country]
    assert text_of(response.text, "result")[0].startswith(f"{word} para el {day:%d/%m/%Y} a las 08:15.")
    assert text_of(response.text, "status") == [word]
    assert 'data-test="badge-scheduled"' not in response.text  # its own appointment is no "already scheduled"
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 0, "proximas": 0}
    assert strip_count(response.text, "oportunidades") == 0
    assert strip_count(response.text, "turnos") == 1  # Próximos turnos gained it


async def test_booking_warns_of_another_appointment_that_local_day(as_user, make):
    b = await board(make, as_user, "AR")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    day = today_in(b.tz) + dt.timedelta(days=3)
    # 22:30 in Buenos Aires is 01:30 UTC of the next day: still the same local day.
    existing = await make.appointment(b.branch, vehicle=row.vehicle, customer=row.customer,
                                      starts_at=local(3, b.tz, 22, 30))
    before = await opp(row.id)
    data = {"version": "1", "day": day.isoformat(), "time": "09:00"}
    warned = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data=data)
    assert warned.status_code == 422
    assert text_of(warned.text, "same-day-warning")[0] == (
        "Este vehículo ya tiene un turno ese día, a las 22:30. Si igual corresponde otro, marque «Agendar igual».")
    assert 'data-test="same-day-ok"' in warned.text and 'value="09:00"' in warned.text
    await unchanged(before)

    confirmed = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data=data | {"same_day_ok": "1"})
    assert confirmed.status_code == 200, confirmed.text
    assert await Appointment.count().where(Appointment.vehicle == row.vehicle) == 2
    assert (await opp(row.id))["status"] == "booked"
    assert existing.id != (await Appointment.select(Appointment.id).where(Appointment.opportunity == row.id))[0]["id"]


@pytest.mark.parametrize("other", ["another day", "cancelled", "another vehicle"])
async def test_no_warning_without_a_pending_appointment_that_day(as_user, make, other):
    b = await board(make, as_user, "MX")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    if other == "another day":
        await make.appointment(b.branch, vehicle=row.vehicle, customer=row.customer, starts_at=local(4, b.tz, 0, 30))
    elif other == "cancelled":
        await make.appointment(b.branch, vehicle=row.vehicle, customer=row.customer, starts_at=local(3, b.tz, 10),
                               status="cancelled")
    else:
        await make.appointment(b.branch, starts_at=local(3, b.tz, 10))
    day = today_in(b.tz) + dt.timedelta(days=3)
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(),
                                   data={"version": "1", "day": day.isoformat(), "time": "23:45"})
    assert response.status_code == 200, response.text


async def test_booking_in_the_past_is_said_next_to_the_date(as_user, make):
    b = await board(make, as_user, "MX")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data={
        "version": "1", "day": (today_in(b.tz) - dt.timedelta(days=1)).isoformat(), "time": "10:00"})
    assert response.status_code == 422
    assert text_of(response.text, "error-day") == ["La cita no puede quedar en el pasado."]
    await unchanged(before)


async def test_an_opportunity_without_vehicle_is_not_booked(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    await Opportunity.update({Opportunity.vehicle: None}).where(Opportunity.id == row.id)
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/turno", headers=htmx(), data={
        "version": "1", "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(), "time": "10:00"})
    assert response.status_code == 422
    assert "no tiene vehículo" in text_of(response.text, "result")[0]
    await unchanged(before)


# --- Registrar intento ----------------------------------------------------------------------------------


async def test_log_attempts_up_to_the_branch_limit(as_user, make):
    b = await board(make, as_user, attempt_limit=2)
    row = await make.opportunity(b.branch, due_at=local(-1, b.tz))
    no_answer = await outcome_id(b.branch)
    thinking = await outcome_id(b.branch, "Contactado: lo va a pensar")

    first = await b.client.post(f"/oportunidades/{row.id}/intento", headers=htmx("vencidas"), data={
        "version": "1", "outcome_id": str(no_answer), "time_slot": "morning", "channel": "phone"})
    assert first.status_code == 200, first.text
    assert text_of(first.text, "result") == ["Intento 1 de 2 registrado: No contesta."]
    second = await b.client.post(f"/oportunidades/{row.id}/intento", headers=htmx("vencidas"), data={
        "version": "2", "outcome_id": str(thinking), "time_slot": "evening", "channel": "whatsapp",
        "comment": "Lo consulta con la esposa"})
    assert second.status_code == 200, second.text
    assert text_of(second.text, "result") == [
        "Intento 2 de 2 registrado: Contactado: lo va a pensar. "
        "Se llegó al límite de intentos: corresponde dar el turno o descartar la oportunidad."]
    attempts = await ContactAttempt.select().where(ContactAttempt.opportunity == row.id).order_by(ContactAttempt.id)
    assert [(a["channel"], a["outcome"], a["reached"], a["time_slot"], a["comment"], a["user"], a["purpose"],
             a["branch"], a["customer"]) for a in attempts] == [
        ("phone", no_answer, False, "morning", "", b.user.id, "opportunity", b.branch.id, row.customer),
        ("whatsapp", thinking, True, "evening", "Lo consulta con la esposa", b.user.id, "opportunity", b.branch.id,
         row.customer),
    ]
    after = await opp(row.id)
    assert (after["attempt_count"], after["status"], after["version"]) == (2, "open", 3)
    assert after["last_attempt_at"] == attempts[1]["created_at"]
    events = await audits(row.id)
    assert [e["action"] for e in events] == ["opportunity.attempt"] * 2
    assert events[1]["before"] == {"attempts": 1, "status": "open"}
    assert events[1]["after"] == {"attempts": 2, "outcome": "Contactado: lo va a pensar", "time_slot": "evening",
                                  "comment": "Lo consulta con la esposa", "status": "open", "fallback": None}
    assert tab_counts(second.text) == {"vencidas": 1, "hoy": 0, "proximas": 0}  # still open, still listed
    assert re.search(rf'id="row-opportunity-{row.id}".*?<td class="num">2<br>', second.text, re.S)

    before = await opp(row.id)
    third = await b.client.post(f"/oportunidades/{row.id}/intento", headers=htmx("vencidas"), data={
        "version": "3", "outcome_id": str(no_answer), "time_slot": "midday", "channel": "phone"})
    assert third.status_code == 422
    assert "Ya se registraron los 2 intentos que admite la sucursal" in text_of(third.text, "result")[0]
    assert await opp(row.id) == before
    assert await ContactAttempt.count().where(ContactAttempt.opportunity == row.id) == 2
    assert len(await audits(row.id)) == 2


async def test_the_attempt_form_proposes_the_current_time_slot(as_user, make):
    b = await board(make, as_user, "MX")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    from app.rules.calls import time_slot

    slot = time_slot(dt.datetime.now(ZoneInfo(b.tz)).time())
    form = (await b.client.get(f"/oportunidades/{row.id}/intento", headers=HX)).text
    assert re.search(rf'name="time_slot" value="{slot}" checked', form)
    assert re.search(r'<option value="phone" selected>', form)


# --- Crear oportunidad ------------------------------------------------------------------------------------


async def test_create_from_the_opportunities_list_refreshes_that_row(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    listed = (await listing(b.client, "hoy")).text
    link = f"/oportunidades/nueva?vehiculo={row.vehicle}&amp;desde=oportunidades&amp;fila={row.id}"
    assert link in listed and 'data-test="badge-scheduled"' not in listed
    form = await b.client.get(link.replace("&amp;", "&"), headers=HX)
    assert form.status_code == 200
    tomorrow = today_in(b.tz) + dt.timedelta(days=1)
    assert f'value="{tomorrow.isoformat()}"' in form.text and f'name="from_row" value="{row.id}"' in form.text

    day = today_in(b.tz) + dt.timedelta(days=5)
    response = await b.client.post("/oportunidades/nueva", headers=htmx("hoy"), data={
        "vehicle_id": str(row.vehicle), "kind": "maintenance", "day": day.isoformat(), "time": "11:00",
        "reason": "Cambio de pastillas", "from_list": "oportunidades", "from_row": str(row.id)})
    assert response.status_code == 200, response.text
    assert text_of(response.text, "result") == [
        f"Oportunidad creada para el {day:%d/%m/%Y} a las 11:00. Figura en Oportunidades nuevas."]
    [new] = await Opportunity.select().where(
        (Opportunity.vehicle == row.vehicle) & (Opportunity.kind == "maintenance"))
    assert (new["branch"], new["customer"], new["source"], new["reason"], new["status"], new["created_by"],
            new["assigned_to"]) == (b.branch.id, row.customer, "user", "Cambio de pastillas", "open", b.user.id,
                                    b.user.id)
    assert new["due_at"] == dt.datetime.combine(day, dt.time(11), ZoneInfo(b.tz)).astimezone(dt.UTC)
    [event] = await audits(new["id"])
    assert event["action"] == "opportunity.create" and event["before"] is None
    assert event["after"]["kind"] == "maintenance" and event["after"]["vehicle"] == row.vehicle
    # The row it came from now carries the badge; the counts include the new one.
    oob = re.search(rf'<tr id="row-opportunity-{row.id}"[^>]*hx-swap-oob="true".*?</tr>', response.text, re.S)
    assert oob and 'data-test="badge-scheduled"' in oob.group(0)
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 1, "proximas": 1}
    assert strip_count(response.text, "oportunidades") == 2


async def test_create_from_a_delivery_proposes_the_first_service(as_user, make):
    b = await board(make, as_user, first_service_days=180, first_service_km=10_000)
    vehicle = await make.vehicle(b.branch, monthly_km=2_500)
    delivery = await make.delivery(b.branch, vehicle=vehicle, customer=vehicle.owner, delivered_at=local(-2, b.tz))
    form = await b.client.get("/oportunidades/nueva", headers=HX, params={
        "vehiculo": str(vehicle.id), "entrega": str(delivery.id), "desde": "nada"})
    assert form.status_code == 200
    due = today_in(b.tz) - dt.timedelta(days=2) + dt.timedelta(days=122)  # 10 000 km at 2 500 km a month
    assert f'value="{due.isoformat()}"' in form.text and 'data-test="first-service-hint"' in form.text
    assert re.search(r'<option value="welcome_followup" selected>', form.text)
    response = await b.client.post("/oportunidades/nueva", headers=HX, data={
        "vehicle_id": str(vehicle.id), "kind": "welcome_followup", "day": due.isoformat(), "time": "10:00",
        "reason": "Primer servicio", "delivery_id": str(delivery.id)})
    assert response.status_code == 200, response.text
    new = await Opportunity.select().where(Opportunity.vehicle == vehicle.id).first()
    assert (new["source"], new["delivery"], new["kind"]) == ("welcome_call", delivery.id, "welcome_followup")


async def test_one_open_opportunity_per_vehicle_and_kind(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz), kind="maintenance")
    response = await b.client.post("/oportunidades/nueva", headers=HX, data={
        "vehicle_id": str(row.vehicle), "kind": "maintenance",
        "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(), "time": "10:00"})
    assert response.status_code == 422
    assert "ya tiene una oportunidad abierta de este tipo" in text_of(response.text, "error-kind")[0]
    assert await Opportunity.count().where(Opportunity.vehicle == row.vehicle) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kind", "recall", "Elija el tipo de oportunidad de la lista."),
    ("day", "", "Complete este dato."),
    ("day", "ayer", "Escriba la fecha como dd/mm/aaaa."),
    ("day", "past", "La fecha de contacto no puede quedar en el pasado."),
    ("time", "25:00", "Escriba la hora como hh:mm, por ejemplo 09:30."),
    ("reason", "x" * 301, "Máximo 300 caracteres."),
])
async def test_create_refuses_bad_input_next_to_its_field(as_user, make, field, value, message):
    b = await board(make, as_user)
    vehicle = await make.vehicle(b.branch)
    data = {"vehicle_id": str(vehicle.id), "kind": "manual",
            "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(), "time": "10:00", "reason": ""}
    data[field] = (today_in(b.tz) - dt.timedelta(days=1)).isoformat() if value == "past" else value
    response = await b.client.post("/oportunidades/nueva", headers=HX, data=data)
    assert response.status_code == 422
    assert text_of(response.text, f"error-{field}") == [message]
    assert not await Opportunity.exists().where(Opportunity.vehicle == vehicle.id)


async def test_create_for_another_branch_vehicle_is_not_found(as_user, make):
    b = await board(make, as_user)
    foreign = await make.vehicle(await make.branch())
    assert (await b.client.get("/oportunidades/nueva", params={"vehiculo": str(foreign.id)})).status_code == 404
    response = await b.client.post("/oportunidades/nueva", headers=HX, data={
        "vehicle_id": str(foreign.id), "kind": "manual",
        "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(), "time": "10:00"})
    assert response.status_code == 404
    mine = await make.vehicle(b.branch)
    foreign_delivery = await make.delivery(await make.branch())
    response = await b.client.post("/oportunidades/nueva", headers=HX, data={
        "vehicle_id": str(mine.id), "kind": "manual", "delivery_id": str(foreign_delivery.id),
        "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(), "time": "10:00"})
    assert response.status_code == 404
    assert not await Opportunity.exists().where(Opportunity.vehicle.is_in([foreign.id, mine.id]))


# --- refusals: the life cycle, the version, the branch, the token ---------------------------------------------

ACTIONS = ("descartar", "replanificar", "turno", "intento")


async def valid(b, action: str) -> dict[str, str]:
    future = (today_in(b.tz) + dt.timedelta(days=2)).isoformat()
    return {
        "descartar": {"reason_id": str(await reason_id(b.branch))},
        "replanificar": {"day": future, "time": "10:30"},
        "turno": {"day": future, "time": "10:30"},
        "intento": {"outcome_id": str(await outcome_id(b.branch)), "time_slot": "morning", "channel": "phone"},
    }[action]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("status", "message"), [
    ("booked", "Esta oportunidad ya tiene turno vendido: no admite cambios."),
    ("discarded", "Esta oportunidad ya fue descartada: no admite cambios."),
])
async def test_a_closed_opportunity_refuses_every_action(as_user, make, action, status, message):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz), status=status)
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx(),
                                   data={"version": "1"} | await valid(b, action))
    assert response.status_code == 422
    assert text_of(response.text, "result") == [message]
    assert re.search(rf'<tr id="row-opportunity-{row.id}"[^>]*hx-swap-oob', response.text)  # the fresh row
    await unchanged(before)


async def test_a_mexican_branch_is_refused_in_its_words(as_user, make):
    b = await board(make, as_user, "MX")
    row = await make.opportunity(b.branch, due_at=local(0, b.tz), status="booked")
    response = await b.client.post(f"/oportunidades/{row.id}/intento", headers=htmx(),
                                   data={"version": "1"} | await valid(b, "intento"))
    assert text_of(response.text, "result") == ["Esta oportunidad ya tiene cita agendada: no admite cambios."]


@pytest.mark.parametrize("action", ACTIONS)
async def test_the_second_writer_is_told_who_did_what(as_user, make, action):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    first = await make.user("coordinator", [b.branch], full_name="Lucía Ferreyra")
    winner = await as_user(first.username)
    won = await winner.post(f"/oportunidades/{row.id}/descartar", headers=htmx(),
                            data={"version": "1", "reason_id": str(await reason_id(b.branch))})
    assert won.status_code == 200
    before = await opp(row.id)
    late = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx(),
                               data={"version": "1"} | await valid(b, action))
    assert late.status_code == 409
    message = text_of(late.text, "result")[0]
    assert re.fullmatch(r"Se le adelantaron: Lucía Ferreyra descartó esta oportunidad a las \d\d:\d\d\. "
                        r"Vea cómo quedó\.", message), message
    fresh = re.search(rf'<tr id="row-opportunity-{row.id}"[^>]*hx-swap-oob="true".*?</tr>', late.text, re.S)
    assert fresh and "Descartada: Precio" in fresh.group(0)
    assert await opp(row.id) == before
    assert len(await audits(row.id)) == 1
    assert await ContactAttempt.count().where(ContactAttempt.opportunity == row.id) == 0
    assert await Appointment.count().where(Appointment.opportunity == row.id) == 0


@pytest.mark.parametrize("version", ["", "abc", "0", "-1", "99999999999", "2"])
async def test_a_missing_or_odd_version_is_stale(as_user, make, version):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/descartar", headers=htmx(),
                                   data={"version": version, "reason_id": str(await reason_id(b.branch))})
    assert response.status_code == 409
    await unchanged(before)


@pytest.mark.parametrize("action", ACTIONS)
async def test_another_branch_row_is_not_found(as_user, make, action):
    b = await board(make, as_user)
    sister = await make.branch(dealer=b.branch.dealer)
    foreign = await make.opportunity(sister, due_at=local(0, sister.timezone))
    before = await opp(foreign.id)
    assert (await b.client.get(f"/oportunidades/{foreign.id}/{action}", headers=HX)).status_code == 404
    assert (await b.client.get(f"/oportunidades/{foreign.id}/{action}")).status_code == 404
    response = await b.client.post(f"/oportunidades/{foreign.id}/{action}", headers=htmx(),
                                   data={"version": "1"} | await valid(b, action))
    assert response.status_code == 404
    assert "No encontramos lo que busca." in response.text and "row-opportunity" not in response.text
    for missing in (2_147_483_000, 2**31, 0):
        assert (await b.client.post(f"/oportunidades/{missing}/{action}", headers=htmx(),
                                    data={"version": "1"})).status_code == 404
    await unchanged(before)


async def test_a_user_of_two_branches_lists_the_current_one_and_acts_on_both(as_user, make):
    branch = await make.branch()
    sister = await make.branch(dealer=branch.dealer, country="MX")
    user = await make.user("coordinator", [branch, sister])
    client = await as_user(user.username)
    here = await make.opportunity(branch, due_at=local(0, branch.timezone))
    there = await make.opportunity(sister, due_at=local(0, sister.timezone))
    await client.post("/sucursal", data={"branch_id": str(branch.id)}, headers=HX)
    listed = row_ids((await listing(client, "hoy")).text)
    assert here.id in listed and there.id not in listed
    # Its own catalog: the sister branch's reason, not the current one's.
    theirs = await reason_id(sister)
    response = await client.post(f"/oportunidades/{there.id}/descartar", headers=htmx(),
                                 data={"version": "1", "reason_id": str(await reason_id(branch))})
    assert response.status_code == 422 and text_of(response.text, "error-reason_id")
    response = await client.post(f"/oportunidades/{there.id}/descartar", headers=htmx(),
                                 data={"version": "1", "reason_id": str(theirs)})
    assert response.status_code == 200
    assert (await opp(there.id))["discard_reason"] == theirs


@pytest.mark.parametrize("action", ACTIONS)
async def test_without_the_csrf_token_nothing_is_written(as_user, make, action):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx() | {"x-csrftoken": "forjado"},
                                   data={"version": "1"} | await valid(b, action))
    assert response.status_code == 403
    await unchanged(before)


@pytest.mark.parametrize("action", ACTIONS)
async def test_without_javascript_post_redirect_get(as_user, make, action):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    response = await b.client.post(f"/oportunidades/{row.id}/{action}",
                                   data={"version": "1"} | await valid(b, action))
    assert response.status_code == 303 and response.headers["location"] == "/oportunidades"
    assert (await opp(row.id))["version"] == 2
    assert len(await audits(row.id)) == 1


async def test_without_javascript_errors_are_a_page(as_user, make):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    invalid = await b.client.post(f"/oportunidades/{row.id}/descartar", data={"version": "1"})
    assert invalid.status_code == 422 and "<html" in invalid.text
    assert text_of(invalid.text, "error-reason_id") == ["Elija el motivo del descarte."]
    stale = await b.client.post(f"/oportunidades/{row.id}/descartar",
                                data={"version": "7", "reason_id": str(await reason_id(b.branch))})
    assert stale.status_code == 409 and "<html" in stale.text and "Volver a Oportunidades nuevas" in stale.text


# --- invalid input: 422 next to the field, nothing written ------------------------------------------------

INVALID = [
    ("descartar", {}, "reason_id", "Elija el motivo del descarte."),
    ("descartar", {"reason_id": "abc"}, "reason_id", "Elija el motivo del descarte."),
    ("descartar", {"reason_id": "2147483000"}, "reason_id", "Elija el motivo del descarte."),
    ("descartar", {"reason_id": "OTHER_BRANCH"}, "reason_id", "Elija el motivo del descarte."),
    ("descartar", {"reason_id": "INACTIVE"}, "reason_id", "Elija el motivo del descarte."),
    ("descartar", {"reason_id": "OK", "comment": "x" * 1001}, "comment", "Máximo 1000 caracteres."),
    ("replanificar", {"time": "10:30"}, "day", "Complete este dato."),
    ("replanificar", {"day": "31/02/2030", "time": "10:30"}, "day", "Escriba la fecha como dd/mm/aaaa."),
    ("replanificar", {"day": "01/02/26", "time": "10:30"}, "day", "Escriba la fecha como dd/mm/aaaa."),
    ("replanificar", {"day": "9999-12-31", "time": "23:00"}, "day", "Escriba la fecha como dd/mm/aaaa."),
    ("replanificar", {"day": "FUTURE"}, "time", "Complete este dato."),
    ("replanificar", {"day": "FUTURE", "time": "10h30"}, "time", "Escriba la hora como hh:mm, por ejemplo 09:30."),
    ("turno", {"day": "FUTURE", "time": "24:00"}, "time", "Escriba la hora como hh:mm, por ejemplo 09:30."),
    ("turno", {"day": "mañana", "time": "10:00"}, "day", "Escriba la fecha como dd/mm/aaaa."),
    ("turno", {"day": "FUTURE", "time": "10:00", "comment": "x" * 1001}, "comment", "Máximo 1000 caracteres."),
    ("intento", {"time_slot": "morning", "channel": "phone"}, "outcome_id",
     "Elija el resultado del llamado de la lista."),
    ("intento", {"outcome_id": "WELCOME", "time_slot": "morning", "channel": "phone"}, "outcome_id",
     "Elija el resultado del llamado de la lista."),
    ("intento", {"outcome_id": "OK", "time_slot": "siesta", "channel": "phone"}, "time_slot",
     "Elija la franja horaria del llamado."),
    ("intento", {"outcome_id": "OK", "time_slot": "morning", "channel": "letter"}, "channel",
     "Elija por dónde fue el contacto."),
    ("intento", {"outcome_id": "OK", "time_slot": "morning", "channel": ""}, "channel",
     "Elija por dónde fue el contacto."),
]


@pytest.mark.parametrize(("action", "data", "field", "message"), INVALID)
async def test_invalid_input_is_said_next_to_its_field(as_user, make, action, data, field, message):
    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    reasons = {"OK": str(await reason_id(b.branch)),
               "OTHER_BRANCH": str(await reason_id(await make.branch())),
               "INACTIVE": str(await reason_id(b.branch, "Otro")),
               "WELCOME": str(await outcome_id(b.branch, "Bienvenida realizada: conforme con la entrega")),
               "FUTURE": (today_in(b.tz) + dt.timedelta(days=1)).isoformat()}
    await DiscardReason.update({DiscardReason.active: False}).where(
        (DiscardReason.branch == b.branch.id) & (DiscardReason.name == "Otro"))
    if data.get("outcome_id") == "OK":
        reasons["OK"] = str(await outcome_id(b.branch))
    data = {key: reasons.get(value, value) for key, value in data.items()}
    before = await opp(row.id)
    response = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx(), data={"version": "1"} | data)
    assert response.status_code == 422, response.text
    assert text_of(response.text, f"error-{field}") == [message]
    assert text_of(response.text, "form-error") == ["Revise los datos marcados: no se guardó nada."]
    assert 'aria-invalid="true"' in response.text and 'name="version" value="1"' in response.text
    assert "hx-swap-oob" not in response.text  # the form again; nothing on the list changed
    await unchanged(before)


# --- one transaction --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
async def test_a_failure_after_the_write_leaves_nothing_behind(as_user, make, monkeypatch, action):
    from app.board.opportunities import commands

    b = await board(make, as_user)
    row = await make.opportunity(b.branch, due_at=local(0, b.tz))
    before = await opp(row.id)

    async def broken(*args, **kwargs):
        raise RuntimeError("el disco se llenó")

    monkeypatch.setattr(commands, "record", broken)  # the audit event is written last, after the change
    response = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx(),
                                   data={"version": "1"} | await valid(b, action))
    assert response.status_code == 500
    await unchanged(before)


# --- counts after an action equal the lists and the home page ----------------------------------------------


async def test_counts_after_an_action_follow_the_current_search(as_user, make):
    b = await board(make, as_user)
    ana = await make.customer(b.branch, name="Ana Ruiz")
    rows = [await make.opportunity(b.branch, due_at=local(d, b.tz), customer=ana, vehicle=await make.vehicle(
        b.branch, owner=ana)) for d in (-1, 0, 0, 2)]
    await make.opportunity(b.branch, due_at=local(0, b.tz))  # not Ana's
    response = await b.client.post(f"/oportunidades/{rows[1].id}/descartar", headers=htmx("hoy", q="ruiz"),
                                   data={"version": "1", "reason_id": str(await reason_id(b.branch))})
    assert response.status_code == 200
    assert tab_counts(response.text) == {"vencidas": 1, "hoy": 1, "proximas": 1}  # Ana's only
    assert strip_count(response.text, "oportunidades") == 4  # the strip is the whole list
    assert 'href="/oportunidades?tab=hoy&amp;q=ruiz"' in response.text
    fresh = await listing(b.client, "hoy")
    assert tab_counts(fresh.text) == {"vencidas": 1, "hoy": 2, "proximas": 1}
    assert await home_count(b.client) == 4


async def test_a_branch_row_count_in_the_home_matches_after_each_action(as_user, make):
    b = await board(make, as_user)
    branch = await Branch.select(Branch.attempt_limit).where(Branch.id == b.branch.id).first()
    assert branch["attempt_limit"] == 5
    rows = [await make.opportunity(b.branch, due_at=local(0, b.tz, h)) for h in (9, 10, 11, 12)]
    expected = 4
    for row, action in zip(rows, ACTIONS, strict=True):
        response = await b.client.post(f"/oportunidades/{row.id}/{action}", headers=htmx(),
                                       data={"version": "1"} | await valid(b, action))
        assert response.status_code == 200, (action, response.text)
        expected -= action in ("descartar", "turno")
        assert strip_count(response.text, "oportunidades") == expected == await home_count(b.client)
        listed = sum(tab_counts((await listing(b.client, "hoy")).text).values())
        assert listed == expected


async def test_create_from_an_unknown_list_refreshes_no_row(as_user, make):
    b = await board(make, as_user)
    bystander = await make.opportunity(b.branch, due_at=local(0, b.tz))
    vehicle = await make.vehicle(b.branch)
    response = await b.client.post("/oportunidades/nueva", headers=htmx(), data={
        "vehicle_id": str(vehicle.id), "kind": "manual", "day": (today_in(b.tz) + dt.timedelta(days=1)).isoformat(),
        "time": "10:00", "from_list": "turnos-viejos", "from_row": str(bystander.id)})
    assert response.status_code == 200
    assert "row-opportunity" not in response.text  # not the opportunity that happens to share the row's id
    assert tab_counts(response.text) == {"vencidas": 0, "hoy": 1, "proximas": 1}


async def test_a_first_service_already_due_is_proposed_for_tomorrow(as_user, make):
    b = await board(make, as_user)
    vehicle = await make.vehicle(b.branch)
    old_sale = await make.delivery(b.branch, vehicle=vehicle, customer=vehicle.owner, delivered_at=local(-400, b.tz))
    form = await b.client.get("/oportunidades/nueva", headers=HX,
                              params={"vehiculo": str(vehicle.id), "entrega": str(old_sale.id)})
    tomorrow = today_in(b.tz) + dt.timedelta(days=1)
    assert f'name="day" type="date" value="{tomorrow.isoformat()}"' in form.text
