"""The settings forms: what the browser posts and the checks each field
passes, with one Spanish message per field. No database here: uniqueness is
checked by the commands, inside their transaction.

Every field arrives as text (a number a user mistyped must come back as a
message next to the field, not as a 400), and a field a role may not send is
`None` when absent, so its presence can be told apart from an empty value.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from babel.numbers import get_currency_name, list_currencies
from stdnum.ar import cuit
from stdnum.exceptions import ValidationError
from stdnum.mx import rfc

from app.auth.passwords import weakness
from app.db import MAX_ID
from app.errors import Invalid
from app.rules.contact import INVALID_EMAIL, valid_email
from app.tables import Branch, CallPurpose, Country, Locale, Role

REQUIRED = "Complete este dato."
NOT_A_NUMBER = "Escriba un número entero, sin puntos ni letras."

COUNTRY_NAMES = {Country.argentina.value: "Argentina", Country.mexico.value: "México"}
LOCALE_NAMES = {Locale.es_ar.value: "Español de Argentina", Locale.es_mx.value: "Español de México"}
PURPOSE_NAMES = {
    CallPurpose.any.value: "Cualquier llamado",
    CallPurpose.welcome.value: "Bienvenida",
    CallPurpose.courtesy.value: "Cortesía",
    CallPurpose.attempt.value: "Intento de contacto",
    CallPurpose.confirmation.value: "Confirmación",
}
PHONE_EXAMPLES = {"AR": "11 4777-1850 o +54 9 11 5550-1850", "MX": "442 215 4100 o +52 442 215 4100"}

# The zones of the two countries first, in Spanish; every other zone after them.
COUNTRY_ZONES = {
    "Argentina": (
        ("America/Argentina/Buenos_Aires", "Buenos Aires y CABA"),
        ("America/Argentina/Cordoba", "Córdoba, Santa Fe, Entre Ríos y la mayoría de las provincias"),
        ("America/Argentina/Salta", "Salta, La Pampa, Neuquén y Río Negro"),
        ("America/Argentina/Jujuy", "Jujuy"),
        ("America/Argentina/Tucuman", "Tucumán"),
        ("America/Argentina/Catamarca", "Catamarca y Chubut"),
        ("America/Argentina/La_Rioja", "La Rioja"),
        ("America/Argentina/San_Juan", "San Juan"),
        ("America/Argentina/Mendoza", "Mendoza"),
        ("America/Argentina/San_Luis", "San Luis"),
        ("America/Argentina/Rio_Gallegos", "Santa Cruz"),
        ("America/Argentina/Ushuaia", "Tierra del Fuego"),
    ),
    "México": (
        ("America/Mexico_City", "Centro (Ciudad de México, Querétaro, Guadalajara, Puebla)"),
        ("America/Monterrey", "Nuevo León, Coahuila, Tamaulipas y Durango"),
        ("America/Cancun", "Quintana Roo"),
        ("America/Merida", "Campeche y Yucatán"),
        ("America/Matamoros", "Frontera de Coahuila, Nuevo León y Tamaulipas"),
        ("America/Chihuahua", "Chihuahua"),
        ("America/Ciudad_Juarez", "Ciudad Juárez"),
        ("America/Ojinaga", "Ojinaga"),
        ("America/Mazatlan", "Sinaloa, Nayarit y Baja California Sur"),
        ("America/Bahia_Banderas", "Bahía de Banderas"),
        ("America/Hermosillo", "Sonora"),
        ("America/Tijuana", "Baja California"),
    ),
}
COUNTRY_DEFAULTS = {
    "AR": {"locale": "es-AR", "timezone": "America/Argentina/Buenos_Aires", "currency": "ARS"},
    "MX": {"locale": "es-MX", "timezone": "America/Mexico_City", "currency": "MXN"},
}
COMMON_CURRENCIES = ("ARS", "MXN", "USD")

# Branch settings: (column, lowest, highest). Defaults live on the columns.
NUMBERS = {
    "delivery_window_days": (1, 365),
    "opportunity_window_days": (1, 365),
    "no_show_window_days": (1, 365),
    "done_window_days": (1, 365),
    "attempt_limit": (1, 20),
    "first_service_days": (1, 1825),
    "first_service_km": (100, 100_000),
    "service_interval_days": (1, 1825),
    "service_interval_km": (100, 100_000),
}
TEXTS = {"name": 120, "street": 200, "city": 100, "state": 100, "postal_code": 20, "email": 200,
         "promotion_text": 1000}
PHONES = ("phone", "bookings_phone", "whatsapp_number")
# What only an admin changes; a manager edits the rest of his branches.
IDENTITY = ("code", "name", "country", "locale", "timezone", "currency")
CONTACT = ("street", "city", "state", "postal_code", "phone", "bookings_phone", "whatsapp_number", "email",
           "promotion_text", "sales_email", "day_end_time")
HOUR = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
BRANCH_FIELDS = IDENTITY + CONTACT + tuple(NUMBERS)

DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes "²"
CODE = re.compile(r"[a-z0-9]{2,20}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")


# --- what the browser posts ----------------------------------------------------


@dataclass
class DealerForm:
    version: str = ""
    name: str = ""
    legal_name: str = ""
    tax_id: str = ""
    email: str = ""
    website: str = ""


@dataclass
class BranchForm:
    version: str = ""
    code: str | None = None
    name: str | None = None
    country: str | None = None
    locale: str | None = None
    timezone: str | None = None
    currency: str | None = None
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""
    bookings_phone: str = ""
    whatsapp_number: str = ""
    email: str = ""
    promotion_text: str = ""
    sales_email: str = ""
    day_end_time: str = ""
    delivery_window_days: str = ""
    opportunity_window_days: str = ""
    no_show_window_days: str = ""
    done_window_days: str = ""
    attempt_limit: str = ""
    first_service_days: str = ""
    first_service_km: str = ""
    service_interval_days: str = ""
    service_interval_km: str = ""


@dataclass
class NewUserForm:
    username: str = ""
    full_name: str = ""
    email: str = ""
    role: str = ""
    branch_ids: list[str] | str = field(default_factory=list)  # one checkbox arrives as a plain string
    password: str = ""
    password_again: str = ""


@dataclass
class UserForm:
    version: str = ""
    full_name: str = ""
    email: str = ""
    role: str = ""
    branch_ids: list[str] | str = field(default_factory=list)


@dataclass
class PasswordForm:
    version: str = ""
    password: str = ""
    password_again: str = ""


@dataclass
class VersionForm:
    version: str = ""


@dataclass
class CatalogItemForm:
    version: str = ""
    name: str = ""
    purpose: str = ""
    reached: str | None = None  # a checkbox: absent when unticked


def raw(form: Any) -> dict[str, Any]:
    """The posted values as the form shows them again (None → empty)."""
    values = {k: ("" if v is None else v) for k, v in vars(form).items()}
    if "branch_ids" in values:
        values["branch_ids"] = id_list(values["branch_ids"])
    return values


def check(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid(errors=errors)


# --- small parsers ---------------------------------------------------------------


def version(value: str) -> int:
    """The version a form carries; anything unreadable matches no row (→ Stale)."""
    value = value.strip()
    return int(value) if DIGITS.fullmatch(value) and 0 < int(value) <= MAX_ID else 0


def id_list(values: list[str] | str) -> list[int]:
    items = [values] if isinstance(values, str) else values
    return sorted({int(v) for v in items if DIGITS.fullmatch(v.strip()) and 0 < int(v.strip()) <= MAX_ID})


def number(value: str, low: int, high: int) -> tuple[int | None, str | None]:
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,3}([.,][0-9]{3})+", value):  # 10.000 (Argentina) or 10,000 (Mexico)
        value = value.replace(".", "").replace(",", "")
    if not value:
        return None, REQUIRED
    if not DIGITS.fullmatch(value):
        return None, NOT_A_NUMBER
    parsed = int(value)
    if not low <= parsed <= high:
        return None, f"Tiene que estar entre {low:,} y {high:,}.".replace(",", ".")
    return parsed, None


def phone(value: str, country: str) -> tuple[str, str | None]:
    """A phone as E.164, read with the branch's country; empty stays empty."""
    value = value.strip()
    if not value:
        return "", None
    name = COUNTRY_NAMES.get(country, country)
    wrong = (f"No es un teléfono válido de {name}. Escribilo con el código de área, "
             f"por ejemplo {PHONE_EXAMPLES.get(country, '+54 11 4777-1850')}.")
    try:
        parsed = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return "", wrong
    if not phonenumbers.is_valid_number(parsed):
        return "", wrong
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


def email(value: str) -> tuple[str, str | None]:
    value = value.strip()
    if value and not valid_email(value):
        return value, INVALID_EMAIL
    return value, None


def tax_id(value: str, countries: set[str]) -> tuple[str, str | None]:
    """CUIT for Argentina, RFC for Mexico (python-stdnum); stored formatted.
    A dealer with branches in both countries, or none yet, may use either."""
    value = value.strip()
    if not value:
        return "", None
    kinds = [c for c in ("AR", "MX") if c in countries] or ["AR", "MX"]
    for kind in kinds:
        try:
            if kind == "AR":
                return cuit.format(cuit.validate(value)), None
            return rfc.validate(value), None
        except ValidationError:
            continue
    if kinds == ["AR"]:
        return value, "No es un CUIT válido: son 11 dígitos con su dígito verificador, por ejemplo 30-71234567-1."
    if kinds == ["MX"]:
        return value, "No es un RFC válido: por ejemplo ABC010203AB1 (persona moral) o GODE561231GR8 (persona física)."
    return value, "No es un CUIT (Argentina) ni un RFC (México) válido."


def tax_id_help(countries: set[str]) -> tuple[str, str]:
    """The tax id's label and hint for a dealer with branches in these countries."""
    if countries == {"AR"}:
        return "CUIT", "11 dígitos, por ejemplo 30-71234567-1."
    if countries == {"MX"}:
        return "RFC", "Por ejemplo ABC010203AB1 (persona moral)."
    return "CUIT / RFC", "CUIT si es de Argentina (30-71234567-1), RFC si es de México (ABC010203AB1)."


def website(value: str) -> tuple[str, str | None]:
    value = value.strip()
    if not value:
        return "", None
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value or len(value) > 200:
        return value, "Escriba la dirección del sitio, por ejemplo www.concesionario.com.ar."
    return value, None


def text(value: str | None, limit: int, required: bool = False) -> tuple[str, str | None]:
    value = (value or "").strip()
    if required and not value:
        return value, REQUIRED
    if len(value) > limit:
        return value, f"Es demasiado largo: hasta {limit} caracteres."
    return value, None


# --- choices shown in selects -------------------------------------------------------


@cache
def timezone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    available = zoneinfo.available_timezones()
    groups = [(country, tuple((z, f"{label} ({z})") for z, label in zones if z in available))
              for country, zones in COUNTRY_ZONES.items()]
    listed = {z for _, zones in groups for z, _ in zones}
    others = tuple((z, z) for z in sorted(available - listed))  # all of them: a stored zone is always offered
    return (*groups, ("Otras zonas", others))


@cache
def currency_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    def label(code: str) -> str:
        return f"{code} — {get_currency_name(code, locale='es')}"

    common = tuple((c, label(c)) for c in COMMON_CURRENCIES)
    others = tuple((c, label(c)) for c in sorted(set(list_currencies()) - set(COMMON_CURRENCIES)))
    return (("Frecuentes", common), ("Otras monedas", others))


# --- the forms' checks -------------------------------------------------------------------


def clean_dealer(form: DealerForm, countries: set[str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, checked in (
        ("name", text(form.name, 120, required=True)),
        ("legal_name", text(form.legal_name, 200)),
        ("tax_id", tax_id(form.tax_id, countries)),
        ("email", email(form.email)),
        ("website", website(form.website)),
    ):
        values[name], error = checked
        if error:
            errors[name] = error
    check(errors)
    return values


def clean_branch(form: BranchForm, *, identity: bool, country: str) -> dict[str, Any]:
    """The columns to write. Without `identity` (a manager) only contact data,
    windows and service rules; `country` reads the phones when the form does
    not say it."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if identity:
        code = (form.code or "").strip().lower()
        if not code:
            errors["code"] = REQUIRED
        elif not CODE.fullmatch(code):
            errors["code"] = ("Entre 2 y 20 letras minúsculas o números, sin espacios ni acentos "
                              "(por ejemplo ba o qro2).")
        values["code"] = code
        values["name"], error = text(form.name, 120, required=True)
        if error:
            errors["name"] = error
        values["country"] = (form.country or "").strip().upper()
        if values["country"] not in COUNTRY_NAMES:
            errors["country"] = "Elija Argentina o México."
        else:
            country = values["country"]
        values["locale"] = (form.locale or "").strip()
        if values["locale"] not in LOCALE_NAMES:
            errors["locale"] = "Elija el español de Argentina o el de México."
        values["timezone"] = (form.timezone or "").strip()
        if values["timezone"] not in zoneinfo.available_timezones():
            errors["timezone"] = "Elija una zona horaria de la lista."
        values["currency"] = (form.currency or "").strip().upper()
        if values["currency"] not in list_currencies():
            errors["currency"] = "Elija una moneda de la lista (código ISO, por ejemplo ARS o MXN)."
    for name in ("street", "city", "state", "postal_code", "promotion_text"):
        values[name], error = text(getattr(form, name), TEXTS[name])
        if error:
            errors[name] = error
    for name in PHONES:
        values[name], error = phone(getattr(form, name), country)
        if error:
            errors[name] = error
    values["email"], error = email(form.email)
    if error:
        errors["email"] = error
    values["sales_email"], error = email(form.sales_email)
    if error:
        errors["sales_email"] = error
    values["day_end_time"] = (form.day_end_time or "").strip() or "18:00"
    if not HOUR.fullmatch(values["day_end_time"]):
        errors["day_end_time"] = "Escriba la hora como HH:MM, por ejemplo 18:00."
    for name, (low, high) in NUMBERS.items():
        values[name], error = number(getattr(form, name), low, high)
        if error:
            errors[name] = error
    check(errors)
    return values


def new_branch_values() -> dict[str, str]:
    """What the form of a new branch starts with: Argentina and the columns' defaults."""
    values = {name: "" for name in BRANCH_FIELDS} | {"country": "AR"} | COUNTRY_DEFAULTS["AR"]
    return values | {name: str(getattr(Branch, name).default) for name in NUMBERS}


def identity_fields_sent(form: BranchForm) -> list[str]:
    return [name for name in IDENTITY if getattr(form, name) is not None]


def clean_user(*, full_name: str, email_address: str, role: str, branch_ids: list[int],
               known_branches: set[int]) -> tuple[dict[str, Any], dict[str, str]]:
    """What both the web form and the command line check about a user."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    values["full_name"], error = text(full_name, 120, required=True)
    if error:
        errors["full_name"] = error
    values["email"], error = email(email_address)
    if error:
        errors["email"] = error
    values["role"] = role.strip()
    if values["role"] not in {r.value for r in Role}:
        errors["role"] = "Elija un rol de la lista."
    unknown = set(branch_ids) - known_branches
    if unknown:
        errors["branch_ids"] = "Alguna de las sucursales elegidas no existe."
    elif values["role"] != Role.admin.value and not branch_ids:
        errors["branch_ids"] = "Elija al menos una sucursal: sólo un administrador trabaja sin sucursales asignadas."
    values["branch_ids"] = [] if values["role"] == Role.admin.value else sorted(branch_ids)
    return values, errors


def clean_username(username: str) -> tuple[str, str | None]:
    username = username.strip().lower()
    if not username:
        return username, REQUIRED
    if not USERNAME.fullmatch(username):
        return username, ("Entre 2 y 60 letras minúsculas, números, puntos, guiones o guiones bajos, "
                          "sin espacios ni acentos (por ejemplo maria.gomez).")
    return username, None


def password_error(password: str, again: str | None, username: str) -> str | None:
    if reason := weakness(password, username):
        return reason
    if again is not None and again != password:
        return "Las dos contraseñas no coinciden."
    return None


def clean_catalog_item(form: CatalogItemForm, outcomes: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    values["name"], error = text(form.name, 120, required=True)
    if error:
        errors["name"] = error
    if outcomes:
        values["purpose"] = form.purpose.strip() or CallPurpose.any.value
        if values["purpose"] not in PURPOSE_NAMES:
            errors["purpose"] = "Elija a qué llamados se aplica."
        values["reached"] = form.reached is not None
    check(errors)
    return values
