"""/entregas: the list and its action, the welcome call; after it, the
first service's "Crear oportunidad" form opens under the confirmation."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import EVERYONE, Access, CurrentAccess, allow
from app.board import registry
from app.board.deliveries import commands, queries
from app.board.forms import CallForm
from app.board.instance import Instance, act, form_response, list_response
from app.board.labels import user_kinds
from app.board.opportunities import queries as opportunity_queries
from app.i18n import N_
from app.web import Form

DELIVERIES = registry.register(
    Instance(
        key="entregas",
        path="/entregas",
        title=N_("Entregas"),
        entity="delivery",
        tabs=queries.TABS,
        list_template="board/deliveries/_list.html",
        row_template="board/deliveries/_row.html",
        page=queries.page,
        counts=queries.counts,
        row=queries.row,
    )
)

WELCOME = "board/deliveries/_welcome.html"


async def _context(access: Access, delivery_id: int) -> dict[str, Any]:
    delivery = await queries.row(access, delivery_id)
    return {
        "delivery": delivery,
        "outcomes": await opportunity_queries.call_outcomes(access, delivery["branch_id"], "welcome"),
    }


async def _first_service(access: Access, delivery_id: int) -> tuple[str, dict[str, Any]]:
    """The next step after the welcome call: the first service's opportunity, prefilled."""
    delivery = await queries.row(access, delivery_id)
    context = await opportunity_queries.new_opportunity(access, delivery["vehicle_id"], delivery_id=delivery_id)
    context["form"] |= {"from_list": DELIVERIES.key, "from_row": str(delivery_id)}
    return "board/_new_opportunity.html", {**context, "kinds": user_kinds()}


class DeliveryRoutes(Controller):
    path = "/entregas"

    @get("/", opt=allow(EVERYONE))
    async def list(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        tab: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        return await list_response(request, access, DELIVERIES, DELIVERIES.listing(tab, q, page))

    @get("/{delivery_id:int}/bienvenida", opt=allow(EVERYONE))
    async def welcome_form(
        self, request: HTMXRequest, access: CurrentAccess, delivery_id: FromPath[int]
    ) -> Template:
        context = await _context(access, delivery_id)
        form = {"version": str(context["delivery"]["version"])}
        return await form_response(request, access, DELIVERIES, WELCOME, form=form, **context)

    @post("/{delivery_id:int}/bienvenida", opt=allow(EVERYONE))
    async def welcome(
        self, request: HTMXRequest, access: CurrentAccess, delivery_id: FromPath[int], data: Annotated[CallForm, Form]
    ) -> Template | Redirect:
        return await act(
            request,
            access,
            DELIVERIES,
            delivery_id,
            lambda: commands.welcome_call(access, delivery_id, data),
            WELCOME,
            lambda: _context(access, delivery_id),
            data,
            follow_up=lambda: _first_service(access, delivery_id),
        )
