"""The board's windows in the branch's local dates, in both branch time zones:
"today" is the local date, a span of dates is a half-open UTC interval."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.rules import windows

BA = ZoneInfo("America/Argentina/Buenos_Aires")  # UTC-3, no DST
MX = ZoneInfo("America/Mexico_City")  # UTC-6, no DST since 2022
ZONES = pytest.mark.parametrize("tz", [BA, MX], ids=["ba", "mx"])
OFFSET = {BA: 3, MX: 6}  # hours behind UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@ZONES
def test_today_is_the_local_date_around_midnight(tz):
    hours = OFFSET[tz]
    midnight = utc(2026, 3, 11, hours)  # local 11/03 00:00
    assert windows.local_today(midnight - dt.timedelta(seconds=1), tz) == dt.date(2026, 3, 10)
    assert windows.local_today(midnight, tz) == dt.date(2026, 3, 11)
    # UTC's date is already the 11th for the last hours of the local 10th.
    assert windows.local_today(utc(2026, 3, 11, 0, 30), tz) == dt.date(2026, 3, 10)


@ZONES
def test_a_day_starts_at_local_midnight(tz):
    assert windows.start_of_day(dt.date(2026, 3, 10), tz) == utc(2026, 3, 10, OFFSET[tz])


def test_mexico_city_kept_summer_time_until_2022():
    assert windows.start_of_day(dt.date(2021, 7, 1), MX) == utc(2021, 7, 1, 5)
    assert windows.start_of_day(dt.date(2023, 7, 1), MX) == utc(2023, 7, 1, 6)


@ZONES
def test_a_span_is_half_open_in_utc(tz):
    first, end = windows.Span(dt.date(2026, 3, 10), dt.date(2026, 3, 10)).utc(tz)
    assert (first, end) == (utc(2026, 3, 10, OFFSET[tz]), utc(2026, 3, 11, OFFSET[tz]))
    assert end - first == dt.timedelta(days=1)


@pytest.mark.parametrize("days", [0, 1, 7, 15, 30])
def test_last_days_are_today_minus_n_through_today(days):
    today = dt.date(2026, 3, 10)
    span = windows.last_days(today, days)
    assert (span.first, span.last) == (today - dt.timedelta(days=days), today)
    assert (span.last - span.first).days + 1 == days + 1  # inclusive


@pytest.mark.parametrize("days", [0, 1, 15, 30])
def test_around_is_today_minus_n_through_today_plus_n(days):
    today = dt.date(2026, 3, 10)
    span = windows.around(today, days)
    assert (span.first, span.last) == (today - dt.timedelta(days=days), today + dt.timedelta(days=days))


@ZONES
def test_the_fifteenth_day_is_in_and_the_sixteenth_is_out(tz):
    today = dt.date(2026, 3, 10)
    start, end = windows.around(today, 15).utc(tz)

    def inside(moment: dt.datetime) -> bool:
        return start <= moment < end

    def local(day: dt.date, *hms: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(*hms), tzinfo=tz)

    assert inside(local(dt.date(2026, 2, 23), 0, 0, 0))  # today − 15, first second
    assert not inside(local(dt.date(2026, 2, 22), 23, 59, 59))  # today − 16, last second
    assert inside(local(dt.date(2026, 3, 25), 23, 59, 59))  # today + 15, last second
    assert not inside(local(dt.date(2026, 3, 26), 0, 0, 0))  # today + 16


@pytest.mark.parametrize(("today", "first", "last"), [
    (dt.date(2026, 3, 10), dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    (dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # leap year
    (dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    (dt.date(2026, 12, 31), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    (dt.date(2026, 1, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
])
def test_month_of(today, first, last):
    span = windows.month_of(today)
    assert (span.first, span.last) == (first, last)


@ZONES
def test_every_moment_falls_in_its_local_day(tz):
    # Every 37 minutes over two years (DST-era Mexico included): the moment's
    # local date, turned back into a UTC day, contains the moment.
    moment, stop = utc(2021, 1, 1), utc(2023, 1, 1)
    step = dt.timedelta(minutes=37)
    while moment < stop:
        day = windows.local_today(moment, tz)
        first, end = windows.Span(day, day).utc(tz)
        assert first <= moment < end, moment
        moment += step


@ZONES
def test_the_three_tabs_split_the_window(tz):
    # What Oportunidades does with the window: overdue [first, today), today, upcoming [tomorrow, end).
    today = dt.date(2026, 3, 10)
    first, end = windows.around(today, 15).utc(tz)
    today_start, tomorrow = windows.Span(today, today).utc(tz)
    assert first < today_start < tomorrow < end
    assert (today_start - first) == dt.timedelta(days=15) and (end - tomorrow) == dt.timedelta(days=15)
