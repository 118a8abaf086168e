"""/reportes: one report per board instance for a period, with bar and pie charts and the figures as a
grid; one branch, or the whole group for users with several."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Stream, Template

from app.auth.access import EVERYONE, Access, CurrentAccess, allow
from app.board.forms import local_date
from app.campaigns import queries as campaign_queries
from app.errors import Invalid, NotFound
from app.reports import charts, grid, queries
from app.reports import excel as excel_export
from app.rules import Refused
from app.rules.periods import PRESETS, period
from app.rules.windows import start_of_day
from app.web import render

GROUP = "todas"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Scope:
    """The report's branch(es) and period, as asked (or the defaults, with what was wrong)."""

    branch_ids: tuple[int, ...]
    branch: Any
    group: bool
    preset: str
    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime
    today: dt.date
    errors: dict[str, str]
    query: dict[str, str]  # the period and branch as a query string's items, for links

    @property
    def subtitle(self) -> str:
        where = "Todas las sucursales" if self.group else self.branch.name
        return f"{where}, {self.first:%d/%m/%Y} al {self.last:%d/%m/%Y}"


def scope_of(access: Access, periodo: str, desde: str, hasta: str, sucursal: str) -> Scope:
    assert access.branch is not None
    group = sucursal == GROUP and len(access.branches) > 1
    branch = access.branch
    if not group and sucursal.isdigit():
        branch = next((b for b in access.branches if b.id == int(sucursal)), access.branch)
    branch_ids = tuple(sorted(access.branch_ids)) if group else (branch.id,)
    tz = ZoneInfo(branch.timezone)
    today = dt.datetime.now(tz).date()
    errors: dict[str, str] = {}
    preset = periodo if periodo in PRESETS else "mes-anterior"
    first = local_date(desde, "desde", errors) if desde else None
    last = local_date(hasta, "hasta", errors) if hasta else None
    try:
        first, last = period(preset, today, first, last)
    except Refused as refused:
        errors["periodo"] = str(refused)
        first, last = period("mes-anterior", today)
    query = {"periodo": preset, "desde": desde, "hasta": hasta, "sucursal": GROUP if group else str(branch.id)}
    return Scope(branch_ids, branch, group, preset, first, last, start_of_day(first, tz),
                 start_of_day(last + dt.timedelta(days=1), tz), today, errors, query)


class ReportRoutes(Controller):
    path = "/reportes"

    @get("/", opt=allow(EVERYONE))
    async def reports(self, request: Request, access: CurrentAccess, periodo: FromQuery[str] = "mes-anterior",
                      desde: FromQuery[str] = "", hasta: FromQuery[str] = "", sucursal: FromQuery[str] = ""
                      ) -> Template:
        s = scope_of(access, periodo, desde, hasta, sucursal)
        sections = [await queries.deliveries(s.branch_ids, s.start, s.end),
                    await queries.opportunities(s.branch_ids, s.start, s.end),
                    await queries.appointments(s.branch_ids, s.start, s.end),
                    await queries.in_process(s.branch_ids, s.today, s.branch.timezone),
                    await queries.done(s.branch_ids, s.start, s.end)]
        nonce = request.state.get("csp_nonce", "")
        drawn = [_drawn(section, nonce) for section in sections]
        campaigns = [c for b in s.branch_ids for c in await campaign_queries.campaigns(b)]
        return render(request, "reports/reports.html", status_code=422 if s.errors else 200, sections=drawn,
                      campaigns=campaigns, presets=PRESETS, preset=s.preset, first=s.first, last=s.last,
                      errors=s.errors, group=s.group, branch=s.branch, today=s.today, desde=desde, hasta=hasta,
                      query=urlencode(s.query), grids=grid.GRIDS)

    @get("/grilla", opt=allow(EVERYONE))
    async def grid_page(self, request: Request, access: CurrentAccess, reporte: FromQuery[str] = "turnos",
                        periodo: FromQuery[str] = "mes-anterior", desde: FromQuery[str] = "",
                        hasta: FromQuery[str] = "", sucursal: FromQuery[str] = "", filtro: FromQuery[str] = "",
                        valor: FromQuery[str] = "", orden: FromQuery[str] = "", desc: FromQuery[str] = "",
                        torta: FromQuery[str] = "", page: FromQuery[str] = "1") -> Template:
        chosen = grid.GRIDS.get(reporte)
        if chosen is None:
            raise NotFound()
        s = scope_of(access, periodo, desde, hasta, sucursal)
        q = grid.Query(filtro, valor.strip()[:100], orden, desc == "1", torta,
                       int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1)
        found, total = await grid.rows(chosen, s.branch_ids, s.start, s.end, q)
        pairs = await grid.counts_by(chosen, s.branch_ids, s.start, s.end, q)
        pie = charts.pie(f"{chosen.title} por {chosen.column(torta).heading.lower()}", pairs,
                         request.state.get("csp_nonce", "")) if pairs else None
        asked = s.query | {"reporte": chosen.key, "filtro": filtro, "valor": q.filter_value, "orden": orden,
                           "desc": desc, "torta": torta}
        return render(request, "reports/grid.html", status_code=422 if s.errors else 200, grid=chosen, rows=found,
                      total=total, q=q, pie=pie, scope=s, asked=asked, page_size=grid.PAGE,
                      link=lambda **change: "/reportes/grilla?" + urlencode({k: v for k, v in (asked | change).items()
                                                                             if v not in ("", None)}),
                      excel="/reportes/excel?" + urlencode({k: v for k, v in asked.items() if v}))

    @get("/excel", opt=allow(EVERYONE))
    async def excel(self, access: CurrentAccess, reporte: FromQuery[str] = "turnos",
                    periodo: FromQuery[str] = "mes-anterior", desde: FromQuery[str] = "", hasta: FromQuery[str] = "",
                    sucursal: FromQuery[str] = "", filtro: FromQuery[str] = "", valor: FromQuery[str] = "",
                    orden: FromQuery[str] = "", desc: FromQuery[str] = "") -> Stream:
        chosen = grid.GRIDS.get(reporte)
        if chosen is None:
            raise NotFound()
        s = scope_of(access, periodo, desde, hasta, sucursal)
        if s.errors:
            raise Invalid(next(iter(s.errors.values())))
        q = grid.Query(filtro, valor.strip()[:100], orden, desc == "1")
        book = await excel_export.write(chosen, grid.every_row(chosen, s.branch_ids, s.start, s.end, q),
                                        s.branch.timezone, s.subtitle)

        def chunks() -> Iterator[bytes]:
            with book:
                while data := book.read(256 * 1024):
                    yield data

        name = excel_export.filename(chosen, s.first, s.last)
        return Stream(chunks(), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _drawn(section: queries.Section, nonce: str) -> dict[str, Any]:
    return {"section": section,
            "bar": charts.bar(section.bar[0], section.bar[1], nonce) if section.bar else None,
            "pie": charts.pie(section.pie[0], section.pie[1], nonce) if section.pie and section.pie[1] else None}
