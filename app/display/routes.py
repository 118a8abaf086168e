"""/pantalla/{token}: the reception TV (no login, no cookies), and its live
stream; /admin/pantallas: the links, made and revoked by managers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage, Template

from app.audit import Actor
from app.auth.access import MANAGERS, PUBLIC, Access, CurrentAccess, allow
from app.display import live, queries, tokens
from app.errors import Invalid, NotFound
from app.scope import known_id
from app.web import Form, page_or_partial

PING_SECONDS = 5  # the TV says "sin conexión" when it hears nothing for 12 s; each ping re-checks the link


def _render(request: Request, template: str, **context: Any) -> str:
    return request.app.template_engine.get_template(template).render(request=request, **context)


class ScreenRoutes(Controller):
    path = "/pantalla"

    @get("/{token:str}", opt=PUBLIC)
    async def screen(self, request: Request, token: FromPath[str]) -> Template:
        screen = await tokens.screen(token)
        if screen is None:
            return Template("display/dark.html", status_code=404)
        return Template("display/tv.html", context={
            "screen": screen, "token": token, "arrivals": await queries.arrivals(screen.branch_id, screen.timezone),
            "states": queries.STATES, "ping_seconds": PING_SECONDS})

    @get("/{token:str}/eventos", opt=PUBLIC)
    async def events(self, request: Request, token: FromPath[str]) -> ServerSentEvent:
        channels = request.app.plugins.get(ChannelsPlugin)
        screen = await tokens.screen(token)
        if screen is None:
            raise NotFound()

        async def stream() -> AsyncGenerator[ServerSentEventMessage, None]:
            news: asyncio.Queue[str] = asyncio.Queue()
            async with channels.start_subscription([live.channel(screen.branch_id)]) as subscriber:

                async def listen() -> None:
                    async for message in subscriber.iter_events():
                        news.put_nowait(message.decode() if isinstance(message, bytes) else str(message))

                listener = asyncio.create_task(listen())
                try:
                    yield await self._arrivals(request, screen)
                    while True:
                        try:
                            what = await asyncio.wait_for(news.get(), PING_SECONDS)
                        except TimeoutError:
                            what = "ping"
                        if await tokens.screen(token) is None:  # revoked, here or on another process
                            yield ServerSentEventMessage(data=_render(request, "display/_dark.html"), event="dark")
                            return
                        yield (ServerSentEventMessage(data="", event="ping") if what == "ping"
                               else await self._arrivals(request, screen))
                finally:
                    listener.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await listener

        return ServerSentEvent(stream(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def _arrivals(self, request: Request, screen: tokens.Screen) -> ServerSentEventMessage:
        rows = await queries.arrivals(screen.branch_id, screen.timezone)
        return ServerSentEventMessage(event="arrivals", data=_render(
            request, "display/_arrivals.html", arrivals=rows, states=queries.STATES))


@dataclass
class DisplayForm:
    branch_id: int | None = None
    name: str = ""


class DisplayAdminRoutes(Controller):
    path = "/admin/pantallas"

    async def _context(self, access: Access, **extra: Any) -> dict[str, Any]:
        return {"links": await tokens.listed(access.branch_ids), "section": "pantallas", "errors": {},
                "new_link": None, "revoked": None} | extra

    @get("/", opt=allow(MANAGERS))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return page_or_partial(request, "display/admin.html", "display/_admin.html", **await self._context(access))

    @post("/", opt=allow(MANAGERS))
    async def create(self, request: HTMXRequest, access: CurrentAccess,
                     data: Annotated[DisplayForm, Form]) -> Template:
        branch_id = data.branch_id if data.branch_id is not None else (access.branch.id if access.branch else None)
        if branch_id not in access.branch_ids:
            raise Invalid(errors={"branch_id": "Elija una de sus sucursales."})
        new = await tokens.create(branch_id, data.name, Actor.of(access))
        url = f"{request.base_url}".rstrip("/") + f"/pantalla/{new.token}"
        return page_or_partial(request, "display/admin.html", "display/_admin.html",
                               **await self._context(access, new_link=url))

    @post("/{link_id:int}/revocar", opt=allow(MANAGERS))
    async def revoke(self, request: HTMXRequest, access: CurrentAccess, link_id: FromPath[int]) -> Template | Redirect:
        known_id(link_id)
        if await tokens.revoke(link_id, access.branch_ids, Actor.of(access)) is None:
            raise NotFound()
        if not request.htmx:
            return Redirect("/admin/pantallas", status_code=303)
        return page_or_partial(request, "display/admin.html", "display/_admin.html",
                               **await self._context(access, revoked=link_id))
