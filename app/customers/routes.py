"""/clientes/{id}: Ver cliente, the customer's history, from any board list."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Controller, get
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from app.auth.access import EVERYONE, CurrentAccess, allow
from app.board import labels
from app.board.registry import INSTANCES
from app.customers import queries
from app.web import render


def _back(request: HTMXRequest) -> tuple[str, str]:
    """Back to the list the user came from (its tab and search), else the board."""
    referer = urlsplit(request.headers.get("referer", ""))
    for instance in INSTANCES.values():
        if referer.path == instance.path and referer.netloc == request.url.netloc:
            return instance.path + (f"?{referer.query}" if referer.query else ""), instance.title
    return "/", "Tablero"


class CustomerRoutes(Controller):
    path = "/clientes"

    @get("/{customer_id:int}", opt=allow(EVERYONE))
    async def history(self, request: HTMXRequest, access: CurrentAccess, customer_id: FromPath[int]) -> Template:
        back_url, back_title = _back(request)
        return render(request, "customers/history.html", history=await queries.history(access, customer_id),
                      labels=labels, back_url=back_url, back_title=back_title)
