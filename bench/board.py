"""What the bench measures, found in the app itself: the lists registered in
app.board.registry.INSTANCES (every tab, as the htmx partial), the customer
page when its route exists, and the actions of bench.actions whose POST
route exists.

Imports the app: call only after bench.common.app_environment() has been
applied to os.environ (piccolo_conf reads DATABASE_URL on first import).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bench import actions

SEARCH = "gonz"  # one search per list (first tab): "González", 1 customer in 30


@dataclass(frozen=True)
class ListTarget:
    key: str  # the list's registry key: "oportunidades"
    title: str
    tab: str
    q: str
    path: str  # "/oportunidades?tab=hoy"
    current: str  # the page the click happens on (HX-Current-URL, without the origin)

    @property
    def label(self) -> str:
        return f"{self.key} · {self.tab}" + (f" · q={self.q}" if self.q else "")


@dataclass(frozen=True)
class Board:
    lists: list[ListTarget]
    instances: dict[str, Any]  # key → app.board.instance.Instance
    actions: list[actions.Action]
    skipped_actions: list[str]
    customer_page: bool


def discover() -> Board:
    import app.asgi  # imports every route module: each registers its list
    from app.board.registry import INSTANCES

    application = app.asgi.create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's logging config makes it chatty
    posts = [route.path for route in application.routes if "POST" in getattr(route, "methods", ())]
    gets = [route.path for route in application.routes if "GET" in getattr(route, "methods", ())]
    present, skipped = actions.available(posts)
    targets = []
    for instance in INSTANCES.values():
        first = instance.listing()
        for tab in instance.tabs:
            chosen = instance.listing(tab.key)
            targets.append(ListTarget(instance.key, instance.title, tab.key, "", f"{instance.path}?{chosen.query()}",
                                      f"{instance.path}?{first.query()}"))
        searched = instance.listing(first.tab, SEARCH)
        targets.append(ListTarget(instance.key, instance.title, first.tab, SEARCH,
                                  f"{instance.path}?{searched.query()}", f"{instance.path}?{first.query()}"))
    customer = any(path.startswith("/clientes/{") for path in gets)
    return Board(targets, dict(INSTANCES), present, skipped, customer)
