"""The board's time windows, in the branch's local dates.

"Last N days" is the local dates today-N … today, inclusive; "±N" is
today-N … today+N. A span of local dates becomes a half-open UTC interval
[start of first day, start of the day after the last) for the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Windows:
    """A branch's window lengths in days (its settings; defaults live on the Branch table)."""

    deliveries: int
    opportunities: int
    no_shows: int
    done: int


@dataclass(frozen=True)
class Span:
    first: dt.date
    last: dt.date

    def utc(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        return start_of_day(self.first, tz), start_of_day(self.last + dt.timedelta(days=1), tz)


def local_today(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    return now.astimezone(tz).date()


def start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def last_days(today: dt.date, days: int) -> Span:
    return Span(today - dt.timedelta(days=days), today)


def around(today: dt.date, days: int) -> Span:
    return Span(today - dt.timedelta(days=days), today + dt.timedelta(days=days))


def month_of(today: dt.date) -> Span:
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Span(first, following - dt.timedelta(days=1))
