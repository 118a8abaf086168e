"""/admin/correo: is outgoing mail working? Settings summary, recent
deliveries, and a test message through the same outbox and job as any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import ADMINS, CurrentAccess, allow
from app.config import get_settings
from app.errors import Invalid
from app.messaging import commands, queries
from app.web import page_or_partial


@dataclass
class TestEmailForm:
    recipient: str = ""


def _smtp_summary() -> dict[str, str]:
    settings = get_settings()
    if not settings.smtp_host:
        return {"mode": "archivo", "where": str(settings.var_dir / "mail")}
    return {"mode": "smtp", "where": f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})",
            "sender": settings.mail_from, "user": settings.smtp_user or "sin usuario"}


class MailRoutes(Controller):
    path = "/admin/correo"

    async def _page(self, request: HTMXRequest, access: CurrentAccess, status_code: int = 200,
                    **context: object) -> Template:
        context.setdefault("recipient", "")
        context.setdefault("errors", {})
        return page_or_partial(request, "messaging/mail.html", "messaging/_mail.html", status_code=status_code,
                               smtp=_smtp_summary(), messages=await queries.recent_messages(access), **context)

    @get("/", opt=allow(ADMINS))
    async def show(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return await self._page(request, access)

    @post("/prueba", opt=allow(ADMINS))
    async def send_test(self, request: HTMXRequest, access: CurrentAccess,
                        data: Annotated[TestEmailForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
                        ) -> Template | Redirect:
        try:
            await commands.send_test_email(access, data.recipient)
        except Invalid as invalid:
            return await self._page(request, access, status_code=422, recipient=data.recipient,
                                    errors=invalid.errors)
        if not request.htmx:
            return Redirect("/admin/correo", status_code=303)
        return await self._page(request, access, sent_to=data.recipient.strip())
