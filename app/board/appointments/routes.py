"""/turnos: the list and its four actions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import EVERYONE, Access, CurrentAccess, allow
from app.board import common, registry
from app.board.appointments import commands, queries
from app.board.forms import ConfirmForm, RecontactForm, VersionForm
from app.board.instance import Instance, act, form_response, list_response
from app.board.labels import RECONTACT_STEPS, choices
from app.board.opportunities.queries import call_outcomes
from app.i18n import N_
from app.web import Form

APPOINTMENTS = registry.register(
    Instance(
        key="turnos",
        path="/turnos",
        title=N_("Próximos turnos"),
        entity="appointment",
        tabs=queries.TABS,
        list_template="board/appointments/_list.html",
        row_template="board/appointments/_row.html",
        page=queries.page,
        counts=queries.counts,
        row=queries.row,
    )
)

ACTIONS = {
    "recordatorio": "board/appointments/_reminder.html",
    "confirmar": "board/appointments/_confirm.html",
    "ingreso": "board/appointments/_check_in.html",
    "recontacto": "board/appointments/_recontact.html",
}


async def _action_context(access: Access, appointment_id: int, action: str) -> dict[str, Any]:
    appointment = await queries.row(access, appointment_id)
    context: dict[str, Any] = {"appointment": appointment}
    if action == "recontacto":
        branch = await common.branch_rules(appointment["branch_id"])
        context |= {
            "outcomes": await call_outcomes(access, branch.id, "attempt"),
            "steps": choices(RECONTACT_STEPS),
            "today": branch.today(common.now()).isoformat(),
            "tomorrow": (branch.today(common.now()) + dt.timedelta(days=1)).isoformat(),
            "open_recontact": await queries.open_recontact(branch.id, appointment["vehicle_id"]),
        }
    return context


def _defaults(action: str, context: dict[str, Any]) -> dict[str, str]:
    values = {"version": str(context["appointment"]["version"])}
    if action == "recontacto":
        values |= {"next_step": "none" if context["open_recontact"] else "opportunity", "day": context["tomorrow"],
                   "time": "10:00"}
    return values


class AppointmentRoutes(Controller):
    path = "/turnos"

    @get("/", opt=allow(EVERYONE))
    async def list(
        self,
        request: HTMXRequest,
        access: CurrentAccess,
        tab: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        return await list_response(request, access, APPOINTMENTS, APPOINTMENTS.listing(tab, q, page))

    async def _form(self, request: HTMXRequest, access: Access, appointment_id: int, action: str) -> Template:
        context = await _action_context(access, appointment_id, action)
        return await form_response(request, access, APPOINTMENTS, ACTIONS[action],
                                   form=_defaults(action, context), **context)

    @get("/{appointment_id:int}/recordatorio", opt=allow(EVERYONE))
    async def reminder_form(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int]
    ) -> Template:
        return await self._form(request, access, appointment_id, "recordatorio")

    @get("/{appointment_id:int}/confirmar", opt=allow(EVERYONE))
    async def confirm_form(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int]
    ) -> Template:
        return await self._form(request, access, appointment_id, "confirmar")

    @get("/{appointment_id:int}/ingreso", opt=allow(EVERYONE))
    async def check_in_form(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int]
    ) -> Template:
        return await self._form(request, access, appointment_id, "ingreso")

    @get("/{appointment_id:int}/recontacto", opt=allow(EVERYONE))
    async def recontact_form(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int]
    ) -> Template:
        return await self._form(request, access, appointment_id, "recontacto")

    async def _act(
        self, request: HTMXRequest, access: Access, appointment_id: int, action: str, command: Any, form: Any
    ) -> Template | Redirect:
        return await act(
            request,
            access,
            APPOINTMENTS,
            appointment_id,
            command,
            ACTIONS[action],
            lambda: _action_context(access, appointment_id, action),
            form,
        )

    @post("/{appointment_id:int}/recordatorio", opt=allow(EVERYONE))
    async def reminder(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int],
        data: Annotated[VersionForm, Form],
    ) -> Template | Redirect:
        return await self._act(request, access, appointment_id, "recordatorio",
                               lambda: commands.remind(access, appointment_id, data), data)

    @post("/{appointment_id:int}/confirmar", opt=allow(EVERYONE))
    async def confirm(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int],
        data: Annotated[ConfirmForm, Form],
    ) -> Template | Redirect:
        return await self._act(request, access, appointment_id, "confirmar",
                               lambda: commands.confirm(access, appointment_id, data), data)

    @post("/{appointment_id:int}/ingreso", opt=allow(EVERYONE))
    async def check_in(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int],
        data: Annotated[VersionForm, Form],
    ) -> Template | Redirect:
        return await self._act(request, access, appointment_id, "ingreso",
                               lambda: commands.check_in(access, appointment_id, data), data)

    @post("/{appointment_id:int}/recontacto", opt=allow(EVERYONE))
    async def recontact(
        self, request: HTMXRequest, access: CurrentAccess, appointment_id: FromPath[int],
        data: Annotated[RecontactForm, Form],
    ) -> Template | Redirect:
        return await self._act(request, access, appointment_id, "recontacto",
                               lambda: commands.recontact(access, appointment_id, data), data)
