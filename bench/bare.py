"""The bare-stack reference: plain Litestar + Jinja + Piccolo, one route that
runs the board's query (app.board.queries.home_counts, the same SQL) for the
bench branch and renders the same templates/board/_buttons.html bytes.

No sessions, CSRF, guard, access loading or security headers: only the
Jinja environment the template needs (gettext and the number filter, from
app.web.configure) and the Piccolo engine of piccolo_conf (the same pool
settings). A pure-ASGI wrapper adds the `Server-Timing: app;dur=<ms>` header
the app's middleware adds, so both are timed the same way.

Run: BENCH_BRANCH=s01 DATABASE_URL=… uvicorn bench.bare:create_app --factory
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import db, i18n
from app.board import queries
from app.rules.windows import Windows
from app.tables import Branch
from app.web import TEMPLATES, configure

_branch: dict[str, Any] = {}


async def _start() -> None:
    await db.start()
    row = await Branch.select(
        Branch.id, Branch.locale, Branch.timezone, Branch.delivery_window_days, Branch.opportunity_window_days,
        Branch.no_show_window_days, Branch.done_window_days,
    ).where(Branch.code == os.environ.get("BENCH_BRANCH", "s01")).first()
    if row is None:
        raise RuntimeError("BENCH_BRANCH: no such branch")
    _branch.update(id=row["id"], locale=row["locale"], timezone=row["timezone"],
                   windows=Windows(row["delivery_window_days"], row["opportunity_window_days"],
                                   row["no_show_window_days"], row["done_window_days"]))


@get("/")
async def home() -> Template:
    i18n.activate(_branch["locale"], _branch["timezone"])
    counts = await queries.home_counts(_branch["id"], _branch["timezone"], _branch["windows"], dt.datetime.now(dt.UTC))
    return Template("board/_buttons.html", context={"counts": counts})


def timed(inner: ASGIApp) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                duration = f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), (b"server-timing", duration)]
            await send(message)

        await inner(scope, receive, send_timed)

    return app


def create_app() -> ASGIApp:
    return timed(Litestar(
        route_handlers=[home],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=configure),
        on_startup=[_start],
        on_shutdown=[db.stop],
        debug=False,
    ))
