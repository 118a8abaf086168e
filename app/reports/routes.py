"""/reportes: one report per board instance for a period, with bar and pie charts and the figures as a
grid; one branch, or the whole group for users with several."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from app.auth.access import EVERYONE, CurrentAccess, allow
from app.board.forms import local_date
from app.campaigns import queries as campaign_queries
from app.reports import charts, queries
from app.rules import Refused
from app.rules.periods import PRESETS, period
from app.rules.windows import start_of_day
from app.web import render

GROUP = "todas"


class ReportRoutes(Controller):
    path = "/reportes"

    @get("/", opt=allow(EVERYONE))
    async def reports(self, request: Request, access: CurrentAccess, periodo: FromQuery[str] = "mes-anterior",
                      desde: FromQuery[str] = "", hasta: FromQuery[str] = "", sucursal: FromQuery[str] = ""
                      ) -> Template:
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
        start, end = start_of_day(first, tz), start_of_day(last + dt.timedelta(days=1), tz)
        sections = [await queries.deliveries(branch_ids, start, end),
                    await queries.opportunities(branch_ids, start, end),
                    await queries.appointments(branch_ids, start, end),
                    await queries.in_process(branch_ids, start_of_day(today, tz)),
                    await queries.done(branch_ids, start, end)]
        nonce = request.state.get("csp_nonce", "")
        drawn = [_drawn(section, nonce) for section in sections]
        campaigns = [c for b in branch_ids for c in await campaign_queries.campaigns(b)]
        return render(request, "reports/reports.html", status_code=422 if errors else 200, sections=drawn,
                      campaigns=campaigns, presets=PRESETS, preset=preset, first=first, last=last, errors=errors,
                      group=group, branch=branch, today=today, desde=desde, hasta=hasta)


def _drawn(section: queries.Section, nonce: str) -> dict[str, Any]:
    return {"section": section,
            "bar": charts.bar(section.bar[0], section.bar[1], nonce) if section.bar else None,
            "pie": charts.pie(section.pie[0], section.pie[1], nonce) if section.pie and section.pie[1] else None}
