"""What the board's action forms post, and how their fields are read.

Every field arrives as text, so a mistyped value comes back as a message next
to its field (422), never as a 400. Dates and times are the branch's local
ones; they leave here as UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.db import MAX_ID
from app.errors import Invalid

REQUIRED = "Complete este dato."
_DIGITS = re.compile(r"[0-9]{1,10}")
_ONE_DIGIT_HOUR = re.compile(r"[0-9](:|$)")
COMMENT_LIMIT = 1000


def version(value: str) -> int:
    """The version a form carries; anything unreadable matches no row (→ Stale)."""
    value = (value or "").strip()
    return int(value) if _DIGITS.fullmatch(value) and 0 < int(value) <= MAX_ID else 0


def optional_id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if _DIGITS.fullmatch(value) and 0 < int(value) <= MAX_ID else None


def local_date(value: str, field: str, errors: dict[str, str]) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        errors[field] = REQUIRED
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        # "01/02/26" reads as the year 26, and 31/12/9999 23:00 local is past the last UTC moment (a 500).
        if 1900 <= day.year <= 2999:
            return day
        break
    errors[field] = "Escriba la fecha como dd/mm/aaaa."
    return None


def local_time(value: str, field: str, errors: dict[str, str]) -> dt.time | None:
    value = (value or "").strip()
    if not value:
        errors[field] = REQUIRED
        return None
    if _ONE_DIGIT_HOUR.match(value):  # "9" or "9:30", as typed without the browser's time picker
        value = f"0{value}"
    try:
        return dt.time.fromisoformat(value if len(value) > 2 else f"{value}:00").replace(second=0, microsecond=0)
    except ValueError:
        errors[field] = "Escriba la hora como hh:mm, por ejemplo 09:30."
        return None


def moment(
    day: str, time: str, tz: ZoneInfo, errors: dict[str, str], day_field: str = "day", time_field: str = "time"
) -> dt.datetime | None:
    """A local date and time, as UTC. A time that does not exist or exists twice
    that day (a DST change) takes the first reading."""
    d, t = local_date(day, day_field, errors), local_time(time, time_field, errors)
    if d is None or t is None:
        return None
    return dt.datetime.combine(d, t, tzinfo=tz).astimezone(dt.UTC)


def comment(value: str | None, errors: dict[str, str], field: str = "comment") -> str:
    text = (value or "").strip()
    if len(text) > COMMENT_LIMIT:
        errors[field] = f"Máximo {COMMENT_LIMIT} caracteres."
    return text[:COMMENT_LIMIT]


def check(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid(errors=errors)


# --- the forms -----------------------------------------------------------------------------------


@dataclass
class DiscardForm:
    version: str = ""
    reason_id: str = ""
    comment: str = ""


@dataclass
class RescheduleForm:
    version: str = ""
    day: str = ""
    time: str = ""
    comment: str = ""


@dataclass
class BookForm:
    version: str = ""
    day: str = ""
    time: str = ""
    comment: str = ""
    same_day_ok: str = ""  # "1" once the user saw the warning about another appointment that day
    # What the procedure asks during the call (app/board/opportunities/extras.py).
    tech_session: str = ""
    test_drive: str = ""
    model_of_interest: str = ""
    billing_tax_id: str = ""
    billing_legal_name: str = ""
    billing_address: str = ""
    billing_email: str = ""


@dataclass
class AttemptForm:
    version: str = ""
    outcome_id: str = ""
    time_slot: str = ""
    channel: str = "phone"
    comment: str = ""


@dataclass
class CallForm:
    """A welcome or courtesy call."""

    version: str = ""
    outcome_id: str = ""
    comment: str = ""


@dataclass
class NewOpportunityForm:
    vehicle_id: str = ""
    kind: str = "manual"
    day: str = ""
    time: str = "09:00"
    reason: str = ""
    delivery_id: str = ""
    repair_order_id: str = ""
    from_list: str = ""  # the list it was opened from, whose row and counts the answer refreshes
    from_row: str = ""


@dataclass
class ConfirmForm:
    version: str = ""
    comment: str = ""


@dataclass
class VersionForm:
    version: str = ""


@dataclass
class RecontactForm:
    version: str = ""
    outcome_id: str = ""
    comment: str = ""
    next_step: str = ""  # "appointment", "opportunity" or "none"
    day: str = ""
    time: str = ""
