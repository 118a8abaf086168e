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
