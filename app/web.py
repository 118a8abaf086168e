"""Rendering: the Jinja environment and the one way a handler renders a page
or its partial."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from typing import Any

from jinja2 import Environment
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.htmx import HTMXRequest as Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from app import i18n
from app.board import labels
from app.config import ROOT

# How a handler declares a browser form body: `data: Annotated[SomeForm, Form]`.
Form = Body(media_type=RequestEncodingType.URL_ENCODED)

TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
HTMX_FILE = next(p.name for p in (STATIC / "js").glob("htmx-2.*.min.js"))


@cache
def static_url(path: str) -> str:
    """A static file's URL with a content hash, so it can be cached for long."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def configure(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(fecha=i18n.fecha, fecha_hora=i18n.fecha_hora, hora=i18n.hora, numero=i18n.numero,
                       moneda=i18n.moneda, telefono=i18n.telefono, hace=i18n.hace)
    env.globals.update(static_url=static_url, htmx_js=f"js/{HTMX_FILE}", options=options, board_labels=labels,
                       now_utc=now_utc)
    env.trim_blocks = True
    env.lstrip_blocks = True


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def options(rows: list[dict[str, Any]], empty: str | None = None, value: str = "id",
            text: str = "name") -> list[tuple[str, str]]:
    """Catalog rows as a select's (value, text) pairs, optionally after an empty choice."""
    pairs = [(str(row[value]), str(row[text])) for row in rows]
    return [("", empty), *pairs] if empty is not None else pairs


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=configure)


def wants_fragment(request: Request) -> bool:
    htmx = request.htmx
    return bool(htmx) and not (htmx.boosted or htmx.history_restore_request)


def page_or_partial(request: Request, page_template: str, partial_template: str, status_code: int = 200,
                    **context: Any) -> Template:
    """The full page on a direct load, only the partial for an htmx swap."""
    context.setdefault("access", request.state.get("access"))
    template = partial_template if wants_fragment(request) else page_template
    return Template(template, context=context, status_code=status_code, headers={"Vary": "HX-Request"})


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("access", request.state.get("access"))
    return Template(template, context=context, status_code=status_code, headers={"Vary": "HX-Request"})
