"""The bare-stack reference: plain Litestar + Jinja + Piccolo routes that run
the board's own query functions for the bench user and render the same
templates, so the app's bytes can be compared with them:

- `/`: app.board.queries.home_counts → board/_buttons.html (the home partial);
- every list registered in app.board.registry.INSTANCES, at its own path
  (`?tab=&q=&page=`): the instance's page loader → its list template (the
  htmx partial: tabs, table, pager);
- `/clientes/{id}`: app.customers.queries.history → customers/history.html,
  when that page exists (a full page: its CSRF token is empty here).

No sessions, CSRF, guard, access loading or security headers: the bench
user's Access is loaded once at start-up (app.auth.access.load_access, the
same object the guard builds per request), and only the Jinja environment
the templates need (app.web.configure) and the Piccolo engine of
piccolo_conf (the same pool settings). A pure-ASGI wrapper adds the
`Server-Timing: app;dur=<ms>` header the app's middleware adds, so both are
timed the same way, plus `query;dur=<ms>`: the time of the query function
alone (the rest is rendering and framework).

Run: BENCH_USER=bench.s01 DATABASE_URL=… uvicorn bench.bare:create_app --factory
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from litestar import Litestar, Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

import app.asgi  # noqa: F401 - imports every route module: each registers its list
from app import db, i18n
from app.auth.access import Access, load_access
from app.board import queries
from app.board.instance import Instance
from app.board.registry import INSTANCES
from app.tables import User
from app.web import TEMPLATES, configure

T = TypeVar("T")
QUERY_MS = "bench.query_ms"  # scope key: the query function's time, for the Server-Timing header
_access: list[Access] = []


async def _start() -> None:
    await db.start()
    username = os.environ.get("BENCH_USER", "bench.s01")
    user = await User.select(User.id, User.session_epoch).where(User.username == username).first()
    access = await load_access({"uid": user["id"], "epoch": user["session_epoch"]}, "") if user else None
    if access is None or access.branch is None:
        raise RuntimeError(f"BENCH_USER: {username} no existe o no tiene sucursal")
    _access.append(access)


def _me() -> Access:
    access = _access[0]
    assert access.branch is not None
    i18n.activate(access.branch.locale, access.branch.timezone)  # what the app's guard does per request
    return access


async def _timed(request: Request[Any, Any, Any], call: Awaitable[T]) -> T:
    started = time.perf_counter()
    result = await call
    request.scope[QUERY_MS] = (time.perf_counter() - started) * 1000  # type: ignore[literal-required]
    return result


@get("/")
async def home(request: Request[Any, Any, Any]) -> Template:
    access = _me()
    assert access.branch is not None
    counts = await _timed(request, queries.home_counts(access.branch.id, access.branch.timezone,
                                                       access.branch.windows, dt.datetime.now(dt.UTC)))
    return Template("board/_buttons.html", context={"counts": counts})


def list_route(instance: Instance) -> HTTPRouteHandler:
    """The list's htmx partial, as app.board.instance.list_response renders it for htmx."""

    @get(instance.path, name=f"bare:{instance.key}")
    async def partial(request: Request[Any, Any, Any], tab: str = "", q: str = "", page: str = "1") -> Template:
        access = _me()
        rows = await _timed(request, instance.page(access, instance.listing(tab, q, page)))
        return Template(instance.list_template, context={
            "instance": instance, "page": rows, "strip": None, "notice": None, "access": access})

    return partial


def customer_route() -> HTTPRouteHandler | None:
    try:
        from app.board import labels
        from app.customers import queries as customers
    except ImportError:
        return None

    @get("/clientes/{customer_id:int}", name="bare:cliente")
    async def history(request: Request[Any, Any, Any], customer_id: int) -> Template:
        access = _me()
        found = await _timed(request, customers.history(access, customer_id))
        return Template("customers/history.html", context={
            "history": found, "labels": labels, "back_url": "/", "back_title": "Tablero", "access": access})

    return history


def timed(inner: ASGIApp) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
                if QUERY_MS in scope:
                    timing += f", query;dur={scope[QUERY_MS]:.2f}"  # type: ignore[literal-required]
                message["headers"] = [*message.get("headers", []), (b"server-timing", timing.encode())]
            await send(message)

        await inner(scope, receive, send_timed)

    return app


def create_app() -> ASGIApp:
    handlers: list[HTTPRouteHandler] = [home, *(list_route(i) for i in INSTANCES.values())]
    customer = customer_route()
    if customer is not None:
        handlers.append(customer)
    return timed(Litestar(
        route_handlers=handlers,
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=configure),
        on_startup=[_start],
        on_shutdown=[db.stop],
        debug=False,
    ))
