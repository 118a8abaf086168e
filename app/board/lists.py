"""What every board list shares: a tab, a search, 50 rows a page, and the
"oportunidad agendada" badge.

The lists are raw SQL (app.db.fetch) because each is one statement joining
the row to its customer and vehicle, with the badge computed only for the
page's 50 rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 50
MAX_QUERY = 60


@dataclass(frozen=True)
class Tab:
    key: str
    label: str  # a gettext msgid: the template translates it (turnos → citas)


@dataclass(frozen=True)
class Listing:
    """Which slice of a list the user is looking at."""

    tab: str
    q: str = ""
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def query(self, **changes: Any) -> str:
        """The list's query string with some parameters changed (for links)."""
        values = {"tab": self.tab, "q": self.q, "page": self.page} | changes
        parts = [f"tab={values['tab']}"]
        if values["q"]:
            from urllib.parse import quote

            parts.append(f"q={quote(values['q'])}")
        if values["page"] > 1:
            parts.append(f"page={values['page']}")
        return "&".join(parts)


def listing(tabs: tuple[Tab, ...], tab: str = "", q: str = "", page: str | int = 1) -> Listing:
    """A Listing from what the browser sent; anything odd falls back to the first tab, page 1."""
    keys = [t.key for t in tabs]
    chosen = tab if tab in keys else keys[0]
    number = int(page) if str(page).isascii() and str(page).isdigit() else 1
    return Listing(chosen, " ".join(q.split())[:MAX_QUERY], max(1, min(number, 10_000)))


def listing_of_current_url(tabs: tuple[Tab, ...], url: str | None) -> Listing:
    """The Listing behind the page an htmx action came from (HX-Current-URL),
    so the tab counts it sends back match what the user is looking at."""
    if not url:
        return listing(tabs)
    params = parse_qs(urlsplit(url).query)
    return listing(tabs, params.get("tab", [""])[0], params.get("q", [""])[0], params.get("page", ["1"])[0])


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    listing: Listing
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return self.listing.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.listing.offset + len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.listing.page > 1

    @property
    def has_next(self) -> bool:
        return self.last < self.total


# --- search --------------------------------------------------------------------------------------

_PLATE = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Search:
    """One SQL condition over the customer (alias c) and the vehicle (alias v):
    name, plate, VIN or phone."""

    sql: str
    args: tuple[Any, ...]


NO_SEARCH = Search("TRUE", ())


# Names are compared without case or accents ("gomez" finds "GÓMEZ", "nunez" finds "Núñez") on both
# engines: SQLite's LOWER() changes only ASCII letters and PostgreSQL has no unaccent() by default,
# so the column is folded with REPLACE over the letters Spanish writes with marks.
_MARKS = {"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ü": "u", "ñ": "n"}


def _folded(column: str) -> str:
    expression = f"LOWER({column})"
    for marked, plain in _MARKS.items():
        for letter in (marked, marked.upper()):
            expression = f"REPLACE({expression}, '{letter}', '{plain}')"
    return expression


def fold(text: str) -> str:
    """What `_folded` makes of a column, in Python: lower case, no accents."""
    folded = text.lower()
    for marked, plain in _MARKS.items():
        folded = folded.replace(marked, plain)
    return folded


_NAME = _folded("c.name")


def search(q: str) -> Search:
    if not q:
        return NO_SEARCH
    plate = _PLATE.sub("", q).upper()
    clauses = [f"{_NAME} LIKE {{}}", "v.plate LIKE {}", "v.vin LIKE {}"]
    args: list[Any] = [f"%{_escape(fold(q))}%", f"%{_escape(plate)}%", f"%{_escape(plate)}%"]
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4:
        # Phones are stored E.164: the digits the user typed match any of the three.
        clauses += ["c.phone_mobile LIKE {}", "c.phone_home LIKE {}", "c.phone_work LIKE {}"]
        args += [f"%{digits}%"] * 3
    return Search("(" + " OR ".join(f"{c} ESCAPE '\\'" for c in clauses) + ")", tuple(args))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- the badge ----------------------------------------------------------------------------------

# "Oportunidad agendada": the vehicle already has an open opportunity (other
# than the row's own) or a pending appointment from now on. Computed on the
# page's rows only (the list's SELECT wraps its LIMIT in a subquery).
BADGE_SQL = """(EXISTS (SELECT 1 FROM opportunity ob
                  WHERE ob.vehicle = page.vehicle_id AND ob.status = 'open'
                    AND ob.id <> COALESCE(page.own_opportunity, 0))
          OR EXISTS (SELECT 1 FROM appointment ab
                  WHERE ab.vehicle = page.vehicle_id AND ab.status IN ('scheduled', 'confirmed')
                    AND ab.starts_at >= {} AND ab.id <> COALESCE(page.own_appointment, 0))) AS scheduled"""


def paged(inner_sql: str, order: str) -> str:
    """Wrap a list's SELECT (which must return vehicle_id, own_opportunity and
    own_appointment) so the badge is computed for the page's rows only. `order`
    is in the inner SELECT's terms ("o.due_at, o.id"), each column also output
    under its own name. Arguments, in order: the badge's "now", the inner
    SELECT's own, the page's offset."""
    outer = re.sub(r"\b\w+\.", "page.", order)
    return (
        f"SELECT page.*, {BADGE_SQL} FROM ({inner_sql} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {{}}) page "
        f"ORDER BY {outer}"
    )


def utc(value: Any) -> dt.datetime | None:
    """SQLite hands raw SQL timestamps back as text: one shape for templates."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
