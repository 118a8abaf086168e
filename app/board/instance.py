"""One board list (an "instance" of the board: Entregas, Oportunidades, …) and
the one way its pages and actions answer.

- A list GET answers the whole page on a direct load, and only `#list`
  (tabs, table, pager) for htmx.
- An action's form opens in the side panel (`#panel`); on a direct load it is
  a page of its own.
- An action's POST answers, for htmx, the panel's message plus out-of-band
  swaps of the row, the tab counts and the six-button strip, so every count
  on screen changes with the click. Without JavaScript: post/redirect/get.
- Someone else changed the row first (Stale): 409, the panel says who did
  what and when, and the fresh row replaces the old one. A step the life
  cycle refuses: 422 with the reason, the row refreshed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.auth.access import Access
from app.board import conflicts
from app.board import queries as home
from app.board.lists import Listing, Page, Tab, listing, listing_of_current_url
from app.errors import Invalid, Stale
from app.rules import Refused
from app.web import page_or_partial, render, wants_fragment

RowLoader = Callable[[Access, int], Awaitable[dict[str, Any]]]
Counter = Callable[[Access, Listing], Awaitable[dict[str, int]]]
PageLoader = Callable[[Access, Listing], Awaitable[Page]]
FollowUp = Callable[[], Awaitable[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True)
class Instance:
    key: str  # the strip's and the tests' name: "oportunidades"
    path: str  # "/oportunidades"
    title: str  # a gettext msgid
    entity: str  # the audit entity of its rows: "opportunity"
    tabs: tuple[Tab, ...]
    list_template: str
    row_template: str  # exports the macro row(r, instance, oob=False): one import per list, not per row
    page: PageLoader
    counts: Counter
    row: RowLoader

    def listing(self, tab: str = "", q: str = "", page: str | int = 1) -> Listing:
        return listing(self.tabs, tab, q, page)


async def strip_counts(access: Access) -> home.HomeCounts | None:
    if access.branch is None:
        return None
    return await home.home_counts(
        access.branch.id, access.branch.timezone, access.branch.windows, dt.datetime.now(dt.UTC)
    )


async def list_response(
    request: HTMXRequest, access: Access, instance: Instance, chosen: Listing, notice: str | None = None
) -> Template:
    page = await instance.page(access, chosen)
    strip = None if wants_fragment(request) else await strip_counts(access)
    return page_or_partial(
        request,
        "board/list_page.html",
        instance.list_template,
        instance=instance,
        page=page,
        strip=strip,
        notice=notice,
    )


async def form_response(
    request: HTMXRequest, access: Access, instance: Instance, template: str, status_code: int = 200, **context: Any
) -> Template:
    """An action's form: into the panel for htmx, a page of its own on a direct load."""
    context.setdefault("errors", {})
    if wants_fragment(request):
        return render(request, template, status_code, instance=instance, **context)
    return render(
        request,
        "board/action_page.html",
        status_code,
        instance=instance,
        form_template=template,
        strip=await strip_counts(access),
        **context,
    )


async def act(
    request: HTMXRequest,
    access: Access,
    instance: Instance,
    row_id: int | None,
    command: Callable[[], Awaitable[str]],
    form_template: str,
    form_context: Callable[[], Awaitable[dict[str, Any]]],
    form: Any,
    follow_up: FollowUp | None = None,
) -> Template | Redirect:
    """Run one action's command and answer as the module docstring says.
    `command` returns the sentence that confirms what was done; `row_id` is
    the row of `instance` to refresh (None: no row on screen to refresh);
    `follow_up` gives the next step's form (template, context) to show under
    the confirmation (after a welcome call: the first service's opportunity)."""
    try:
        message = await command()
    except Invalid as invalid:
        context = await form_context()
        return await form_response(
            request,
            access,
            instance,
            form_template,
            422,
            form=vars(form),
            errors=invalid.errors,
            message=invalid.detail if not invalid.errors else None,
            **context,
        )
    except Stale:
        message = await conflicts.who_changed(instance.entity, row_id or 0)
        return await _after(request, access, instance, row_id, message, "conflict", 409)
    except Refused as refused:
        return await _after(request, access, instance, row_id, str(refused), "error", 422)
    follow = await follow_up() if follow_up else None
    return await _after(request, access, instance, row_id, message, "done", 200, follow)


async def _after(
    request: HTMXRequest,
    access: Access,
    instance: Instance,
    row_id: int | None,
    message: str,
    kind: str,
    status_code: int,
    follow: tuple[str, dict[str, Any]] | None = None,
) -> Template | Redirect:
    follow_template, follow_context = follow or (None, {})
    if not wants_fragment(request):
        if follow_template:  # no JavaScript: the next step's form is a page of its own, under the confirmation
            return render(
                request,
                "board/action_page.html",
                status_code,
                instance=instance,
                form_template=follow_template,
                done=message,
                errors={},
                strip=await strip_counts(access),
                **follow_context,
            )
        if status_code == 200:
            return Redirect(instance.path, status_code=303)
        return render(
            request,
            "board/action_page.html",
            status_code,
            instance=instance,
            form_template=None,
            message=message,
            kind=kind,
            strip=await strip_counts(access),
        )
    chosen = listing_of_current_url(instance.tabs, request.htmx.current_url if request.htmx else None)
    row = await instance.row(access, row_id) if row_id else None
    counts = await instance.counts(access, chosen)
    return render(
        request,
        "board/_after_action.html",
        status_code,
        instance=instance,
        message=message,
        kind=kind,
        row=row,
        page=Page([], 0, chosen, counts),
        strip=await strip_counts(access),
        follow_template=follow_template,
        **follow_context,
    )
