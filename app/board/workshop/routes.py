"""/en-proceso and /realizados: the workshop's two lists and their actions,
"Unidad entregada" (with a confirmation step) and the courtesy call."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import EVERYONE, Access, CurrentAccess, allow
from app.board import registry
from app.board.forms import CallForm, VersionForm
from app.board.instance import Instance, act, form_response, list_response
from app.board.opportunities import queries as opportunity_queries
from app.board.workshop import commands, queries
from app.i18n import N_
from app.web import Form

IN_PROCESS = registry.register(
    Instance(
        key="en-proceso",
        path="/en-proceso",
        title=N_("En proceso"),
        entity="repair_order",
        tabs=queries.IN_PROCESS_TABS,
        list_template="board/workshop/_in_process_list.html",
        row_template="board/workshop/_in_process_row.html",
        page=queries.in_process_page,
        counts=queries.in_process_counts,
        row=queries.row,
    )
)

DONE = registry.register(
    Instance(
        key="realizados",
        path="/realizados",
        title=N_("Servicios realizados"),
        entity="repair_order",
        tabs=queries.DONE_TABS,
        list_template="board/workshop/_done_list.html",
        row_template="board/workshop/_done_row.html",
        page=queries.done_page,
        counts=queries.done_counts,
        row=queries.row,
    )
)

DELIVER = "board/workshop/_deliver.html"
COURTESY = "board/workshop/_courtesy.html"


async def _order(access: Access, ro_id: int) -> dict[str, Any]:
    return {"order": await queries.row(access, ro_id)}


async def _courtesy_context(access: Access, ro_id: int) -> dict[str, Any]:
    order = await queries.row(access, ro_id)
    return {"order": order, "outcomes": await opportunity_queries.call_outcomes(access, order["branch_id"], "courtesy")}


def _version(context: dict[str, Any]) -> dict[str, str]:
    return {"version": str(context["order"]["version"])}


class InProcessRoutes(Controller):
    path = "/en-proceso"

    @get("/", opt=allow(EVERYONE))
    async def list(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        tab: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        return await list_response(request, access, IN_PROCESS, IN_PROCESS.listing(tab, q, page))

    @get("/{ro_id:int}/entregada", opt=allow(EVERYONE))
    async def deliver_form(self, request: HTMXRequest, access: CurrentAccess, ro_id: FromPath[int]) -> Template:
        context = await _order(access, ro_id)
        return await form_response(request, access, IN_PROCESS, DELIVER, form=_version(context), **context)

    @post("/{ro_id:int}/entregada", opt=allow(EVERYONE))
    async def deliver(
        self, request: HTMXRequest, access: CurrentAccess, ro_id: FromPath[int], data: Annotated[VersionForm, Form]
    ) -> Template | Redirect:
        return await act(
            request,
            access,
            IN_PROCESS,
            ro_id,
            lambda: commands.deliver(access, ro_id, data),
            DELIVER,
            lambda: _order(access, ro_id),
            data,
        )


class DoneRoutes(Controller):
    path = "/realizados"

    @get("/", opt=allow(EVERYONE))
    async def list(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        tab: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        return await list_response(request, access, DONE, DONE.listing(tab, q, page))

    @get("/{ro_id:int}/cortesia", opt=allow(EVERYONE))
    async def courtesy_form(self, request: HTMXRequest, access: CurrentAccess, ro_id: FromPath[int]) -> Template:
        context = await _courtesy_context(access, ro_id)
        return await form_response(request, access, DONE, COURTESY, form=_version(context), **context)

    @post("/{ro_id:int}/cortesia", opt=allow(EVERYONE))
    async def courtesy(
        self, request: HTMXRequest, access: CurrentAccess, ro_id: FromPath[int], data: Annotated[CallForm, Form]
    ) -> Template | Redirect:
        return await act(
            request,
            access,
            DONE,
            ro_id,
            lambda: commands.courtesy_call(access, ro_id, data),
            COURTESY,
            lambda: _courtesy_context(access, ro_id),
            data,
        )
