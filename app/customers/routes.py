"""/clientes/{id}: Ver cliente, the customer's history, from any board list; /clientes/duplicados:
merge candidates for a manager."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import EVERYONE, MANAGERS, CurrentAccess, allow
from app.board import labels
from app.board.registry import INSTANCES
from app.customers import duplicates, queries
from app.errors import Invalid
from app.web import page_or_partial, render


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
    async def history(self, request: HTMXRequest, access: CurrentAccess, customer_id: FromPath[int]
                      ) -> Template | Redirect:
        if (kept := await queries.merged_into(access, customer_id)) is not None:
            return Redirect(f"/clientes/{kept}", status_code=303)  # a merged duplicate's page is its keeper's
        back_url, back_title = _back(request)
        return render(request, "customers/history.html", history=await queries.history(access, customer_id),
                      labels=labels, back_url=back_url, back_title=back_title)


def _ids(values: list[Any]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(str(value)))
        except ValueError:
            raise Invalid("Faltan datos del formulario: recargue la página.") from None
    return ids


async def _merge_form(request: HTMXRequest) -> tuple[int | None, list[int], dict[int, int]]:
    """keep, the checked members and each member's `version-<id>`, from the group's form."""
    form = await request.form()
    keep = _ids([form["keep"]])[0] if form.get("keep") else None
    members = _ids(form.getall("members") if "members" in form else [])
    versions = {}
    for name, value in form.items():
        if name.startswith("version-"):
            versions[_ids([name.removeprefix("version-")])[0]] = _ids([value])[0]
    return keep, members, versions


class DuplicateRoutes(Controller):
    """/clientes/duplicados: a manager reviews the customers that look like one person."""

    path = "/clientes/duplicados"

    @get("/", opt=allow(MANAGERS))
    async def index(self, request: HTMXRequest, access: CurrentAccess, page: FromQuery[str] = "1") -> Template:
        found = await duplicates.candidates(access, int(page) if page.isdigit() else 1)
        return page_or_partial(request, "customers/duplicates.html", "customers/_duplicates.html", found=found)

    @post("/fusionar", opt=allow(MANAGERS))
    async def merge(self, request: HTMXRequest, access: CurrentAccess) -> Response[Any]:
        keep, members, versions = await _merge_form(request)
        if keep is None:
            raise Invalid("Elija qué cliente queda.")
        merged = await duplicates.merge(access, keep, members, versions)
        if not request.htmx:
            return Redirect("/clientes/duplicados", status_code=303)
        return render(request, "customers/_duplicate_done.html", merged=merged)

    @post("/distintos", opt=allow(MANAGERS))
    async def distinct(self, request: HTMXRequest, access: CurrentAccess) -> Response[Any]:
        _, members, versions = await _merge_form(request)
        await duplicates.not_duplicates(access, members, versions)
        if not request.htmx:
            return Redirect("/clientes/duplicados", status_code=303)
        return render(request, "customers/_duplicate_done.html", merged=None)
