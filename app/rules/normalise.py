"""Raw values from DMS exports (CSV text, Excel cells) and API items, made clean.

Pure functions on the hot path of an import (100k rows): precompiled
patterns, caches for what repeats (phones, tax ids). `Invalid` carries a
Spanish message shown as is; doubtful-but-usable values come back flagged
(Phone.ok, Vin.check_digit_ok, TaxId.valid) instead of refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from stdnum.ar import cuit as ar_cuit
from stdnum.ar import dni as ar_dni
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc

from app.rules.vin import check_digit


class Invalid(ValueError):
    """A value that cannot be used; str(exc) is a Spanish message."""


_SPACES = re.compile(r"\s+")


def blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and math.isnan(raw)


def _str(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


@functools.lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Lower case, no accents, single spaces: for comparing names and free text."""
    decomposed = unicodedata.normalize("NFKD", s)
    return _SPACES.sub(" ", "".join(c for c in decomposed if not unicodedata.combining(c))).strip().lower()


def text(raw: Any, max_len: int) -> str:
    if blank(raw):
        return ""
    value = _SPACES.sub(" ", _str(raw)).strip()
    if len(value) > max_len:
        raise Invalid(f"El texto supera los {max_len} caracteres: «{value[:40]}…».")
    return value


def key(raw: Any) -> str | None:
    return None if blank(raw) else text(raw, 64)


# --- dates --------------------------------------------------------------------------------------

_DMY = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(hs|h))?)?$", re.I)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _excel(serial: float) -> dt.datetime:
    if serial < 1 or serial > 2_958_465:
        raise ValueError(serial)
    if serial < 61:  # Excel's fictitious 29/02/1900 shifts the first two months by one day
        serial += 1
        if serial == 61:
            raise ValueError(serial)
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def _year(text_year: str) -> int:
    year = int(text_year)
    if len(text_year) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _naive(raw: Any) -> dt.datetime | dt.date:
    """A date or a naive/aware datetime from whatever came."""
    if isinstance(raw, dt.datetime | dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _excel(float(raw))
    value = str(raw).strip()
    m = _DMY.match(value)
    if m:
        day, month, year = int(m[1]), int(m[2]), _year(m[3])
        if m[4] is None:
            return dt.date(year, month, day)
        return dt.datetime(year, month, day, int(m[4]), int(m[5]), int(m[6] or 0))
    if _ISO.match(value):
        iso = value.replace("Z", "+00:00").replace("z", "+00:00")
        return dt.date.fromisoformat(iso) if len(iso) == 10 else dt.datetime.fromisoformat(iso)
    if _NUMBER.match(value):
        return _excel(float(value))
    raise ValueError(value)


def date(raw: Any) -> dt.date | None:
    if blank(raw):
        return None
    try:
        value = _naive(raw)
    except (ValueError, OverflowError):
        raise Invalid(f"Fecha inválida: «{raw}».") from None
    return value.date() if isinstance(value, dt.datetime) else value


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def moment(raw: Any, tz: str) -> dt.datetime:
    """An aware UTC datetime; without an offset the value is the branch's local time."""
    if blank(raw):
        raise Invalid("Falta la fecha.")
    try:
        value = _naive(raw)
    except (ValueError, OverflowError):
        raise Invalid(f"Fecha inválida: «{raw}».") from None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(tz))
    return value.astimezone(dt.UTC)


def moment_or_none(raw: Any, tz: str) -> dt.datetime | None:
    return None if blank(raw) else moment(raw, tz)


# --- numbers ------------------------------------------------------------------------------------

_NOT_NUMBER = re.compile(r"[^\d,.\-]")


def decimal(raw: Any) -> Decimal | None:
    """Numbers as Latin American exports write them. With both '.' and ',' the last one is the
    decimal separator; a lone ',' is decimal; several '.' are thousands; a single '.' is decimal."""
    if blank(raw):
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if isinstance(raw, Decimal):
        return raw
    value = _NOT_NUMBER.sub("", str(raw).replace("\u00a0", "").replace(" ", "").replace("$", ""))
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in value:
        value = value.replace(".", "").replace(",", ".") if value.count(",") == 1 else value.replace(",", "")
    elif value.count(".") > 1:
        value = value.replace(".", "")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"Número inválido: «{raw}».") from None
    if not result.is_finite():
        raise Invalid(f"Número inválido: «{raw}».")
    return result


_INT_SEPARATORS = re.compile(r"[.,\s\u00a0]")


def integer(raw: Any) -> int | None:
    if blank(raw):
        return None
    if isinstance(raw, float) and not raw.is_integer():
        raise Invalid(f"Número entero inválido: «{raw}».")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = int(raw)
    else:
        cleaned = _INT_SEPARATORS.sub("", str(raw).strip())
        if not re.fullmatch(r"-?\d{1,12}", cleaned):
            raise Invalid(f"Número entero inválido: «{raw}».")
        value = int(cleaned)
    if value < 0:
        raise Invalid(f"El número no puede ser negativo: «{raw}».")
    if value > 2**31 - 1:
        raise Invalid(f"Número demasiado grande: «{raw}».")
    return value


# --- phones, plates, VIN, tax ids, e-mail ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str  # "" when it could not be normalised
    raw: str

    @property
    def ok(self) -> bool:
        return bool(self.e164)


_PHONE_SPLIT = re.compile(r"[/;|]| y | o ")


@functools.lru_cache(maxsize=65536)
def _phone(value: str, country: str) -> str:
    for candidate in _PHONE_SPLIT.split(value):
        digits = "".join(c for c in candidate if c.isdigit())
        if len(digits) < 6:
            continue
        if country == "MX" and digits.startswith("521") and len(digits) == 13:
            candidate = "+52" + digits[3:]  # the mobile "1" Mexico dropped in 2019, still in old records
        try:
            number = phonenumbers.parse(candidate, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def phone(raw: Any, country: str) -> Phone | None:
    if blank(raw):
        return None
    value = _str(raw).strip()
    return Phone(_phone(value, country), value)


@dataclass(frozen=True, slots=True)
class Plate:
    value: str
    recognised: bool


_PLATE_CLEAN = re.compile(r"[\s\-.·]")
_PLATES = {
    "AR": re.compile(r"^(?:[A-Z]{3}\d{3}|[A-Z]{2}\d{3}[A-Z]{2}|[A-Z]\d{3}[A-Z]{3})$"),
    "MX": re.compile(r"^(?=.*[A-Z])(?=.*\d)[A-Z0-9]{5,7}$"),
}


def plate(raw: Any, country: str) -> Plate | None:
    if blank(raw):
        return None
    value = _PLATE_CLEAN.sub("", _str(raw)).upper()
    if len(value) > 12 or not value.isalnum():
        raise Invalid(f"Patente inválida: «{raw}».")
    pattern = _PLATES.get(country)
    return Plate(value, bool(pattern and pattern.match(value)))


@dataclass(frozen=True, slots=True)
class Vin:
    value: str
    check_digit_ok: bool


_VIN_CLEAN = re.compile(r"[\s\-]")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin(raw: Any) -> Vin | None:
    if blank(raw):
        return None
    value = _VIN_CLEAN.sub("", _str(raw)).upper()
    if len(value) != 17:
        raise Invalid(f"El VIN debe tener 17 caracteres: «{raw}».")
    if not _VIN.match(value):
        raise Invalid(f"VIN inválido (no lleva I, O ni Q): «{raw}».")
    return Vin(value, check_digit(value) == value[8])


@dataclass(frozen=True, slots=True)
class TaxId:
    kind: str  # app.tables.TaxIdType: cuit, dni, rfc, curp, other
    value: str
    valid: bool


_TAX_CLEAN = re.compile(r"[\s\-./]")


@functools.lru_cache(maxsize=65536)
def _tax_id(value: str, country: str) -> TaxId:
    if country == "AR" and value.isdigit():
        if len(value) == 11:
            return TaxId("cuit", value, ar_cuit.is_valid(value))
        if 7 <= len(value) <= 8:
            return TaxId("dni", value, ar_dni.is_valid(value))
    if country == "MX":
        if len(value) in (12, 13):
            return TaxId("rfc", value, mx_rfc.is_valid(value))
        if len(value) == 18:
            return TaxId("curp", value, mx_curp.is_valid(value))
    return TaxId("other", value, False)


def tax_id(raw: Any, country: str) -> TaxId | None:
    if blank(raw):
        return None
    value = _TAX_CLEAN.sub("", _str(raw)).upper()
    if len(value) > 20:
        raise Invalid(f"Identificación fiscal demasiado larga: «{raw}».")
    return _tax_id(value, country)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


def email(raw: Any) -> str | None:
    if blank(raw):
        return None
    for candidate in _EMAIL_SPLIT.split(str(raw).strip().lower()):
        if _EMAIL.match(candidate) and len(candidate) <= 200:
            return candidate
    raise Invalid(f"Correo electrónico inválido: «{raw}».")


def choice(raw: Any, synonyms: dict[str, str], label: str) -> str | None:
    if blank(raw):
        return None
    code = synonyms.get(fold(str(raw)))
    if code is None:
        raise Invalid(f"Valor desconocido para {label}: «{raw}».")
    return code
