"""The board: home with the six buttons, and the lists behind them."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from app.auth.access import EVERYONE, CurrentAccess, allow
from app.board import queries
from app.web import page_or_partial


class BoardRoutes(Controller):
    @get("/", opt=allow(EVERYONE))
    async def home(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        counts = None
        if access.branch:
            counts = await queries.home_counts(access.branch.id, access.branch.timezone, access.branch.windows,
                                               dt.datetime.now(dt.UTC))
        return page_or_partial(request, "board/home.html", "board/_buttons.html", counts=counts)
