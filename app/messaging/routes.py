"""/admin/correo: is outgoing mail working? Settings summary, recent
deliveries, and a test message through the same outbox and job as any other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import ADMINS, EVERYONE, Access, CurrentAccess, allow
from app.config import get_settings
from app.db import MAX_ID
from app.errors import Invalid
from app.messaging import commands, daily_pack, queries
from app.web import Form, page_or_partial, render


@dataclass
class TestEmailForm:
    recipient: str = ""


def _smtp_summary() -> dict[str, str]:
    settings = get_settings()
    if not settings.smtp_host:
        return {"mode": "archivo", "where": str(settings.var_dir / "mail")}
    return {"mode": "smtp", "where": f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})",
            "sender": settings.mail_from, "user": settings.smtp_user or "sin usuario"}


async def _context(access: Access, **extra: object) -> dict[str, object]:
    return {"smtp": _smtp_summary(), "messages": await queries.recent_messages(access), "recipient": "",
            "errors": {}} | extra


class MailRoutes(Controller):
    path = "/admin/correo"

    @get("/", opt=allow(ADMINS))
    async def show(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return page_or_partial(request, "messaging/mail.html", "messaging/_mail.html", section="correo",
                               **await _context(access))

    @post("/prueba", opt=allow(ADMINS))
    async def send_test(self, request: HTMXRequest, access: CurrentAccess,
                        data: Annotated[TestEmailForm, Form],
                        ) -> Template | Redirect:
        try:
            await commands.send_test_email(access, data.recipient)
        except Invalid as invalid:
            context = await _context(access, recipient=data.recipient, errors=invalid.errors)
            if request.htmx:
                return render(request, "messaging/_mail_section.html", status_code=422, **context)
            return render(request, "messaging/mail.html", status_code=422, section="correo", **context)
        if not request.htmx:
            return Redirect("/admin/correo", status_code=303)
        return render(request, "messaging/_mail_section.html", **await _context(access, sent_to=data.recipient.strip()))


class LetterRoutes(Controller):
    """/cartas: the fallback letters of customers nobody could reach, to print and post."""

    path = "/cartas"

    @get("/", opt=allow(EVERYONE))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return render(request, "messaging/letters.html", waiting=await queries.letters(access, "pending"),
                      printed=await queries.letters(access, "sent", limit=30))

    @post("/impresas", opt=allow(EVERYONE))
    async def printed(self, request: HTMXRequest, access: CurrentAccess) -> Redirect:
        form = await request.form()
        ids = [int(v) for v in form.getall("letter_id") if isinstance(v, str) and v.isdigit()] \
            if "letter_id" in form else []
        await commands.mark_letters_printed(access, [i for i in ids if i <= MAX_ID])
        return Redirect("/cartas", status_code=303)


class TomorrowRoutes(Controller):
    """/turnos/manana: tomorrow's appointments per advisor, to print (one advisor per A4 sheet)."""

    path = "/turnos/manana"

    @get("/", opt=allow(EVERYONE))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        assert access.branch is not None
        tz = ZoneInfo(access.branch.timezone)
        day, lists = await daily_pack.tomorrow(access.branch.id, tz, dt.datetime.now(tz).date())
        return render(request, "messaging/tomorrow.html", day=day, lists=lists)
