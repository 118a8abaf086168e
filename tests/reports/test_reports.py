"""Reportes: each figure equals an independent count of the same rows for the same local period, the charts
are inline SVG that obey the CSP, and a bad period is a Spanish 422."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from tests.http import text_of


def local(branch, day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ZoneInfo(branch.timezone)).astimezone(dt.UTC)


def totals(page: str, key: str) -> list[int]:
    block = re.search(rf'data-test="report-{key}">(.*?)</article>', page, re.S).group(1)
    return [int(x.replace(".", "")) for x in text_of(block, "total")]


async def _world(make, as_user):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    client = await as_user(manager.username)
    today = dt.datetime.now(ZoneInfo(branch.timezone)).date()
    return branch, client, today


async def test_the_figures_are_the_rows_of_the_period(as_user, make):
    branch, client, today = await _world(make, as_user)
    first = today.replace(day=1)
    in_period, before = local(branch, first), local(branch, first - dt.timedelta(days=1), 23)
    outcome = await make.call_outcome(branch, "welcome")
    await make.delivery(branch, delivered_at=in_period, welcome_call_status="done", welcome_call_outcome=outcome.id)
    await make.delivery(branch, delivered_at=in_period)
    await make.delivery(branch, delivered_at=before)  # the day before the period (local): not counted
    for status in ("arrived", "arrived", "no_show", "confirmed"):
        await make.appointment(branch, starts_at=in_period, status=status)
    booked = await make.opportunity(branch, created_at=in_period, status="booked")
    await make.appointment(branch, starts_at=in_period, opportunity=booked.id, status="arrived",
                           vehicle=booked.vehicle, customer=booked.customer)
    await make.opportunity(branch, created_at=in_period, attempt_count=2)
    await make.opportunity(branch, created_at=before)

    page = await client.get("/reportes", params={"periodo": "mes"})
    assert page.status_code == 200, page.text[:300]
    assert totals(page.text, "entregas") == [2, 1, 1]
    # turnos: 5 in the period (one is the booked opportunity's); 3 arrived, 1 no-show → 25 %
    assert totals(page.text, "turnos")[:4] == [5, 0, 3, 1] and totals(page.text, "turnos")[4] == 25
    # oportunidades: created 2, contacted 2 (one with attempts, one booked), booked 1, arrived 1
    assert totals(page.text, "oportunidades")[:4] == [2, 2, 1, 1]


async def test_charts_are_inline_svg_without_script(as_user, make):
    branch, client, today = await _world(make, as_user)
    await make.appointment(branch, starts_at=local(branch, today), status="arrived")
    page = await client.get("/reportes", params={"periodo": "hoy"})
    assert page.text.count("<svg") >= 2 and "<script" not in re.sub(r"<head>.*?</head>", "", page.text, flags=re.S)
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    assert f'<style nonce="{nonce}"' in page.text


async def test_a_bad_period_is_told_in_spanish(as_user, make):
    _, client, _ = await _world(make, as_user)
    for params, message in (({"periodo": "elegido", "desde": "2026-03-10", "hasta": "2026-03-01"}, "posterior"),
                            ({"periodo": "elegido"}, "Elija las dos fechas"),
                            ({"periodo": "elegido", "desde": "31/02/2026", "hasta": "2026-03-01"}, "dd/mm/aaaa")):
        response = await client.get("/reportes", params=params)
        assert response.status_code == 422 and message in response.text, params


async def test_the_group_view_adds_the_branches_a_user_reaches(as_user, make):
    dealer = await make.dealer()
    a, b = await make.branch(dealer, "AR"), await make.branch(dealer, "AR")
    both = await as_user((await make.user("manager", [a, b])).username)
    only_a = await as_user((await make.user("manager", [a])).username)
    today = dt.datetime.now(ZoneInfo(a.timezone)).date()
    for branch in (a, b):
        await make.appointment(branch, starts_at=local(branch, today), status="arrived")
    group = await both.get("/reportes", params={"periodo": "hoy", "sucursal": "todas"})
    assert totals(group.text, "turnos")[0] == 2 and "Todas las sucursales" in group.text
    single = await only_a.get("/reportes", params={"periodo": "hoy", "sucursal": "todas"})
    assert totals(single.text, "turnos")[0] == 1  # one branch: no group to see
    other = await only_a.get("/reportes", params={"periodo": "hoy", "sucursal": str(b.id)})
    assert totals(other.text, "turnos")[0] == 1 and a.name in other.text  # another branch's id: its own


async def test_the_grid_filters_sorts_and_pies_by_any_column(as_user, make):
    branch, client, today = await _world(make, as_user)
    for name, status, hour in (("Zoe Paz", "arrived", 9), ("Ana Gil", "no_show", 10), ("Ana Ruiz", "arrived", 11)):
        customer = await make.customer(branch, name=name)
        await make.appointment(branch, customer=customer, vehicle=await make.vehicle(branch, owner=customer),
                               starts_at=local(branch, today, hour), status=status)
    base = {"reporte": "turnos", "periodo": "hoy"}
    page = await client.get("/reportes/grilla", params=base | {"orden": "cliente"})
    names = [re.sub(r"<[^>]+>", "", cells).split("\n") for cells in re.findall(
        r'data-test="grid-row">(.*?)</tr>', page.text, re.S)]
    assert page.status_code == 200 and [n for n in text_of(page.text, "grid-total")] == ["3 filas"]
    assert ["Ana Gil" in page.text.split("Ana Ruiz")[0], len(names)] == [True, 3]
    filtered = await client.get("/reportes/grilla", params=base | {"filtro": "cliente", "valor": "ana"})
    assert text_of(filtered.text, "grid-total") == ["2 filas"] and "Zoe Paz" not in filtered.text
    pie = await client.get("/reportes/grilla", params=base | {"torta": "estado"})
    assert 'data-test="grid-pie"' in pie.text and "Asistió" in pie.text
    bad = await client.get("/reportes/grilla", params={"reporte": "nada"})
    assert bad.status_code == 404


async def test_the_excel_has_real_dates_and_numbers_and_no_formulas(as_user, make):
    from io import BytesIO

    from openpyxl import load_workbook

    branch, client, today = await _world(make, as_user)
    customer = await make.customer(branch, name='=HYPERLINK("http://x","y")')
    vehicle = await make.vehicle(branch, owner=customer)
    await make.repair_order(branch, customer=customer, vehicle=vehicle, status="delivered",
                            opened_at=local(branch, today, 8), delivered_at=local(branch, today, 17),
                            number="+OR-1", total_amount=1234.5)
    response = await client.get("/reportes/excel", params={"reporte": "realizados", "periodo": "hoy"})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headings, first = rows[1], rows[2]
    values = dict(zip(headings, first, strict=True))
    assert values["Entregada"] == dt.datetime.combine(today, dt.time(17))
    assert values["Total"] == 1234.5
    assert values["Cliente"] == '=HYPERLINK("http://x","y")' and values["Orden"] == "+OR-1"
    cell = sheet.cell(row=3, column=[c.value for c in sheet[2]].index("Cliente") + 1)
    assert cell.data_type == "s"


async def test_shop_ageing_equals_the_en_proceso_tabs(as_user, make):
    branch, client, today = await _world(make, as_user)
    for days in (0, 0, 1, 2, 7, 8, 30):
        await make.repair_order(branch, opened_at=local(branch, today - dt.timedelta(days=days), 9), status="open")
    await make.repair_order(branch, opened_at=local(branch, today, 9), status="delivered")
    report = totals((await client.get("/reportes", params={"periodo": "hoy"})).text, "en-proceso")
    board = (await client.get("/en-proceso")).text
    tabs = [int(re.search(rf'data-test="tab-{key}".*?data-test="count"[^>]*>\s*(\d+)', board, re.S).group(1))
            for key in ("hoy", "ayer", "semana", "mas")]
    assert report == [sum(tabs), *tabs] == [7, 2, 1, 2, 2]
