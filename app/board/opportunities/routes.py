"""/oportunidades: the list, its four actions, and "Crear oportunidad" (from any list)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import EVERYONE, Access, CurrentAccess, allow
from app.board import common, forms, registry
from app.board.forms import AttemptForm, BookForm, DiscardForm, NewOpportunityForm, RescheduleForm
from app.board.instance import Instance, act, form_response, list_response
from app.board.labels import CHANNEL_NAMES, SLOT_NAMES, choices, user_kinds
from app.board.opportunities import commands, queries
from app.i18n import N_
from app.rules import calls as call_rules
from app.rules import opportunities as rules
from app.web import Form

OPPORTUNITIES = registry.register(
    Instance(
        key="oportunidades",
        path="/oportunidades",
        title=N_("Oportunidades nuevas"),
        entity="opportunity",
        tabs=queries.TABS,
        list_template="board/opportunities/_list.html",
        row_template="board/opportunities/_row.html",
        page=queries.page,
        counts=queries.counts,
        row=queries.row,
    )
)

ACTIONS = {
    "descartar": "board/opportunities/_discard.html",
    "replanificar": "board/opportunities/_reschedule.html",
    "turno": "board/opportunities/_book.html",
    "intento": "board/opportunities/_attempt.html",
}


async def _action_context(access: Access, opp_id: int) -> dict[str, Any]:
    opp = await queries.row(access, opp_id)
    branch = await common.branch_rules(opp["branch_id"])
    tried = await queries.tried_slots(opp_id)
    return {
        "opp": opp,
        "slot_options": choices(SLOT_NAMES),
        "channel_options": choices(CHANNEL_NAMES),
        "attempt_limit": branch.attempt_limit,
        "reasons": await queries.discard_reasons(access, branch.id),
        "outcomes": await queries.call_outcomes(access, branch.id, "attempt"),
        "today": branch.today(common.now()).isoformat(),
        "slot": rules.next_slot(tried, call_rules.time_slot(common.now().astimezone(branch.tz).time())),
        "tried": tried,
        "slot_names": SLOT_NAMES,
    }


def _defaults(action: str, context: dict[str, Any]) -> dict[str, str]:
    values = {"version": str(context["opp"]["version"])}
    if action == "intento":
        values |= {"time_slot": context["slot"], "channel": "phone"}
    return values


class OpportunityRoutes(Controller):
    path = "/oportunidades"

    @get("/", opt=allow(EVERYONE))
    async def list(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        tab: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        return await list_response(request, access, OPPORTUNITIES, OPPORTUNITIES.listing(tab, q, page))

    async def _form(self, request: HTMXRequest, access: Access, opp_id: int, action: str) -> Template:
        context = await _action_context(access, opp_id)
        return await form_response(request, access, OPPORTUNITIES, ACTIONS[action],
                                   form=_defaults(action, context), **context)

    @get("/{opp_id:int}/descartar", opt=allow(EVERYONE))
    async def discard_form(self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int]) -> Template:
        return await self._form(request, access, opp_id, "descartar")

    @get("/{opp_id:int}/replanificar", opt=allow(EVERYONE))
    async def reschedule_form(self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int]) -> Template:
        return await self._form(request, access, opp_id, "replanificar")

    @get("/{opp_id:int}/turno", opt=allow(EVERYONE))
    async def book_form(self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int]) -> Template:
        return await self._form(request, access, opp_id, "turno")

    @get("/{opp_id:int}/intento", opt=allow(EVERYONE))
    async def attempt_form(self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int]) -> Template:
        return await self._form(request, access, opp_id, "intento")

    async def _act(
        self, request: HTMXRequest, access: Access, opp_id: int, action: str, command: Any, form: Any
    ) -> Template | Redirect:
        return await act(
            request,
            access,
            OPPORTUNITIES,
            opp_id,
            command,
            ACTIONS[action],
            lambda: _action_context(access, opp_id),
            form,
        )

    @post("/{opp_id:int}/descartar", opt=allow(EVERYONE))
    async def discard(
        self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int], data: Annotated[DiscardForm, Form]
    ) -> Template | Redirect:
        return await self._act(
            request, access, opp_id, "descartar", lambda: commands.discard(access, opp_id, data), data
        )

    @post("/{opp_id:int}/replanificar", opt=allow(EVERYONE))
    async def reschedule(
        self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int], data: Annotated[RescheduleForm, Form]
    ) -> Template | Redirect:
        return await self._act(
            request, access, opp_id, "replanificar", lambda: commands.reschedule(access, opp_id, data), data
        )

    @post("/{opp_id:int}/turno", opt=allow(EVERYONE))
    async def book(
        self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int], data: Annotated[BookForm, Form]
    ) -> Template | Redirect:
        return await self._act(request, access, opp_id, "turno", lambda: commands.book(access, opp_id, data), data)

    @post("/{opp_id:int}/intento", opt=allow(EVERYONE))
    async def attempt(
        self, request: HTMXRequest, access: CurrentAccess, opp_id: FromPath[int], data: Annotated[AttemptForm, Form]
    ) -> Template | Redirect:
        return await self._act(
            request, access, opp_id, "intento", lambda: commands.log_attempt(access, opp_id, data), data
        )

    # --- Crear oportunidad, from any list ------------------------------------------------------
    # `desde` names the list it was opened from and `fila` its row there, so the
    # answer refreshes that row (its badge) and that list's counts.

    @get("/nueva", opt=allow(EVERYONE))
    async def new_form(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        vehiculo: FromQuery[int],
        entrega: FromQuery[int | None] = None,
        orden: FromQuery[int | None] = None,
        desde: FromQuery[str] = "",
        fila: FromQuery[str] = "",
    ) -> Template:
        context = await queries.new_opportunity(access, vehiculo, entrega, orden)
        context["form"] |= {"from_list": desde, "from_row": fila}
        return await form_response(
            request,
            access,
            registry.find(desde, OPPORTUNITIES),
            "board/_new_opportunity.html",
            kinds=user_kinds(),
            **context,
        )

    @post("/nueva", opt=allow(EVERYONE))
    async def create(
        self, request: HTMXRequest, access: CurrentAccess, data: Annotated[NewOpportunityForm, Form]
    ) -> Template | Redirect:
        instance = registry.find(data.from_list, OPPORTUNITIES)

        async def command() -> str:
            return (await commands.create(access, data))[1]

        async def context() -> dict[str, Any]:
            vehicle = await queries.vehicle_summary(access, forms.optional_id(data.vehicle_id) or 0)
            return {"vehicle": vehicle, "kinds": user_kinds()}

        # A row id only means something in the list it came from: of an unknown list (not registered,
        # or typed), it would refresh the opportunity that happens to have that id.
        from_row = forms.optional_id(data.from_row) if data.from_list in registry.INSTANCES else None
        return await act(
            request,
            access,
            instance,
            from_row,
            command,
            "board/_new_opportunity.html",
            context,
            data,
        )
