"""/ingresar, /salir and the branch selector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromQuery
from litestar.plugins.htmx import ClientRefresh, HTMXRequest
from litestar.response import Redirect, Response, Template

from app.audit import Actor
from app.auth import commands, sessions
from app.auth.access import EVERYONE, PUBLIC, CurrentAccess, allow, client_ip
from app.errors import NotFound
from app.web import Form, render


@dataclass
class SignInForm:
    username: str = ""
    password: str = ""
    siguiente: str = "/"


@dataclass
class BranchForm:
    branch_id: int
    siguiente: str = "/"


def safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect. Browsers drop tabs and
    newlines from URLs (so "/<tab>/evil" is "//evil") and read a backslash as
    a slash, so none of those passes, whatever the framework encodes later."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(c.isspace() or not c.isprintable() for c in target)):
        return "/"
    return target


class AuthRoutes(Controller):
    @get("/ingresar", opt=PUBLIC)
    async def sign_in_page(self, request: HTMXRequest, siguiente: FromQuery[str] = "/") -> Template | Redirect:
        if isinstance(request.session, dict) and request.session.get("uid"):
            return Redirect(safe_next(siguiente), status_code=303)
        return render(request, "auth/sign_in.html", siguiente=safe_next(siguiente), error=None, username="")

    @post("/ingresar", opt=PUBLIC)
    async def sign_in(self, request: HTMXRequest, data: Annotated[SignInForm, Form]) -> Any:
        if not data.username.strip() or not data.password:
            return render(request, "auth/sign_in.html", status_code=422, siguiente=safe_next(data.siguiente),
                          error="Escriba su usuario y su contraseña.", username=data.username)
        try:
            signed = await commands.sign_in(data.username, data.password, client_ip(request))
        except commands.SignInRefused as refusal:
            return render(request, "auth/sign_in.html", status_code=429 if refusal.locked else 401,
                          siguiente=safe_next(data.siguiente), error=str(refusal), username=data.username)
        sessions.start(request, signed.user_id, signed.epoch, branch_id=None)
        return Redirect(safe_next(data.siguiente), status_code=303)

    @get("/salir", opt=allow(EVERYONE))
    async def sign_out_page(self, request: HTMXRequest) -> Template:
        return render(request, "auth/sign_out.html")

    @post("/salir", opt=allow(EVERYONE))
    async def sign_out(self, request: HTMXRequest, access: CurrentAccess) -> Redirect:
        await commands.sign_out(Actor.of(access))
        sessions.end(request)
        return Redirect("/ingresar", status_code=303)

    @post("/sucursal", opt=allow(EVERYONE))
    async def switch_branch(self, request: HTMXRequest, access: CurrentAccess,
                            data: Annotated[BranchForm, Form]) -> Response[Any]:
        if data.branch_id not in access.branch_ids:
            raise NotFound()
        request.session["branch"] = data.branch_id
        if request.htmx:
            return ClientRefresh()
        return Redirect(safe_next(data.siguiente), status_code=303)
