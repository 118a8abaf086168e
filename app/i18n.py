"""Locale: es-AR vs es-MX vocabulary (gettext catalogs), dates and numbers.

Source strings are written in Argentine Spanish; `app/locale/es_MX` holds
the Mexican words (cita, placas, …). The active locale and time zone are the
current branch's, set once per request by `activate()`; everything that
formats for a user (templates, messages) reads them from here.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale as BabelLocale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "es-AR"
DEFAULT_TIMEZONE = "America/Argentina/Buenos_Aires"
LOCALES = ("es-AR", "es-MX")


@dataclass(frozen=True)
class Locality:
    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def babel(self) -> BabelLocale:
        return _babel_locale(self.locale)


_DEFAULT = Locality()  # frozen: safe to share as the default
_current: contextvars.ContextVar[Locality] = contextvars.ContextVar("locality", default=_DEFAULT)


def activate(locale: str, timezone: str) -> None:
    _current.set(Locality(locale, timezone))


def current() -> Locality:
    return _current.get()


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@functools.cache
def _babel_locale(code: str) -> BabelLocale:
    return BabelLocale.parse(code, sep="-")


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The catalog is read from the .po file itself: no compile step to forget."""
    po = LOCALE_DIR / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale.replace("-", "_"))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str) -> str:
    return translations(current().locale).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current().locale).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where it is shown."""
    return message


# --- dates and numbers (filters in templates) --------------------------------


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(current().tz)


def today() -> dt.date:
    return dt.datetime.now(current().tz).date()


# The board's dates and times are numeric (dd/mm/aaaa, HH:MM) in both locales, so
# strftime says them: Babel's pattern engine cost ~10 µs each, 1-2 ms a list page.
def fecha(value: dt.date | dt.datetime | None) -> str:
    """dd/mm/aaaa; a timestamp is shown on the branch's local date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def fecha_hora(value: dt.datetime | None) -> str:
    """dd/mm/aaaa HH:MM in the branch's time zone."""
    if value is None:
        return ""
    return local(value).strftime("%d/%m/%Y %H:%M")


def hora(value: dt.datetime | None) -> str:
    """HH:MM in the branch's time zone."""
    if value is None:
        return ""
    return local(value).strftime("%H:%M")


def hace(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long ago, in words: "hace 4 minutos"."""
    from babel.dates import format_timedelta

    delta = moment - (now or dt.datetime.now(dt.UTC))
    return format_timedelta(delta, add_direction=True, locale=current().babel, threshold=1.5)


def numero(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=current().babel)


def moneda(value: int | float | Decimal | None, currency: str) -> str:
    if value is None:
        return ""
    return format_currency(value, currency, locale=current().babel)


@functools.lru_cache(maxsize=16384)
def telefono(e164: str) -> str:
    """+541147771850 → +54 11 4777-1850 (what the form and lists show).

    Cached: parsing costs ~80 µs and a list page shows 50 of them on every refresh."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
