"""One row of a DMS export or one item of an API batch, turned into the
values each table keeps, or refused with the column, value and reason.

A row is a dict of canonical field names (app.dms.fields) to raw values. What
a row does not carry is left out of the record, so an import never blanks a
value another source filled in. A value that cannot be used refuses the row
(a date that does not exist, a VIN of 16 characters); a value that is usable
but doubtful is kept and flagged (a phone that is not a phone, a CUIT whose
check digit is wrong), because the board is better with it than without.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.rules import normalise as n

# Free text the DMS writes in its status columns, folded (lower case, no accents).
REPAIR_ORDER_STATUS = {
    **dict.fromkeys(("abierta", "abierto", "en proceso", "en taller", "pendiente", "open", "en curso",
                     "recepcionada", "recibida", "en reparacion", "terminada", "terminado", "lista"), "open"),
    **dict.fromkeys(("entregada", "entregado", "cerrada", "cerrado", "facturada", "facturado", "delivered",
                     "closed", "finalizada", "finalizado"), "delivered"),
    **dict.fromkeys(("anulada", "anulado", "cancelada", "cancelado", "cancelled", "canceled"), "cancelled"),
}
APPOINTMENT_STATUS = {
    **dict.fromkeys(("programado", "programada", "pendiente", "agendado", "agendada", "reservado", "reservada",
                     "scheduled", "activo", "activa", "vigente", "nuevo", "nueva"), "scheduled"),
    **dict.fromkeys(("confirmado", "confirmada", "confirmed"), "confirmed"),
    **dict.fromkeys(("anulado", "anulada", "cancelado", "cancelada", "cancelled", "canceled",
                     "reprogramado", "reprogramada"), "cancelled"),
}

MIN_MODEL_YEAR = 1950
CENTS = Decimal("0.01")  # amounts are numeric(14, 2): compare what the database keeps
PART_CACHE = 100_000  # distinct customers, and as many vehicles, remembered by one import

# The fields a customer and a vehicle are read from (besides their DMS id field); a part is
# parsed once per import for each distinct combination of their raw values.
CUSTOMER_FIELDS = ("first_name", "last_name", "customer_name", "legal_name", "tax_id", "phone_mobile", "phone_home",
                   "phone_work", "email", "street", "city", "state", "postal_code")
VEHICLE_FIELDS = ("vin", "plate", "make", "model", "trim", "colour", "model_year")


@dataclass(slots=True)
class Rejection:
    line: int
    column: str
    value: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class Record:
    """What one row says, by table: values to write, keys to find rows by."""

    line: int
    key: str  # the row's own DMS id
    main: dict[str, Any]
    customer: dict[str, Any] = field(default_factory=dict)
    vehicle: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    flags: list[Rejection] = field(default_factory=list)


class Refusal(Exception):
    def __init__(self, column: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass(frozen=True)
class Context:
    """What parsing needs to know about the branch, and how columns are named
    for the user (the file's header, or the API's field name)."""

    country: str
    timezone: str
    column_names: dict[str, str] = field(default_factory=dict)
    this_year: int = field(default_factory=lambda: dt.date.today().year)  # per import: a worker lives past New Year
    # Customer and vehicle parts already parsed with this context (see _cached_part): one
    # Context per import, so the cache lives as long as the import.
    parts: dict[Any, _Part] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> str:
        return self.column_names.get(name, name)


def _shown(raw: Any) -> str:
    return "" if raw is None else str(raw)[:200]


class _Reader:
    """Reads one row's fields, turning normalise.Invalid into a Refusal that names the column."""

    __slots__ = ("ctx", "flags", "line", "row")

    def __init__(self, row: dict[str, Any], ctx: Context, line: int) -> None:
        self.row, self.ctx, self.line = row, ctx, line
        self.flags: list[Rejection] = []

    def get(self, name: str, parse: Callable[..., Any], *args: Any) -> Any:
        raw = self.row.get(name)
        if raw is None or raw == "" or n.blank(raw):  # most fields of most rows: absent or empty, cheaply
            return None
        try:
            return parse(raw, *args)
        except n.Invalid as error:
            raise Refusal(self.ctx.column(name), raw, str(error)) from None

    def flag(self, name: str, reason: str) -> None:
        self.flags.append(Rejection(self.line, self.ctx.column(name), _shown(self.row.get(name)), reason))

    def required(self, name: str, label: str, parse: Callable[..., Any], *args: Any) -> Any:
        value = self.get(name, parse, *args)
        if value is None:
            raise Refusal(self.ctx.column(name), "", f"Falta {label}.")
        return value


def _text(limit: int) -> Callable[[Any], str]:
    return lambda raw: n.text(raw, limit)


_T60, _T80, _T100, _T120, _T200, _T300 = (_text(k) for k in (60, 80, 100, 120, 200, 300))


def _put(target: dict[str, Any], column: str, value: Any) -> None:
    if value is not None and value != "":
        target[column] = value


@dataclass(frozen=True, slots=True)
class _Part:
    """A customer or vehicle part as parsed once: its values and the flags it raised, or its refusal
    (each as column, shown value, reason; the line is the row's that uses it)."""

    values: dict[str, Any]
    flags: tuple[tuple[str, str, str], ...] = ()
    refusal: tuple[str, Any, str] | None = None


def _parse_part(r: _Reader, build: Callable[[_Reader, str], dict[str, Any]], key_field: str) -> _Part:
    reader = _Reader(r.row, r.ctx, r.line)
    try:
        values = build(reader, key_field)
    except Refusal as refusal:
        return _Part({}, refusal=(refusal.column, refusal.value, refusal.reason))
    return _Part(values, tuple((f.column, f.value, f.reason) for f in reader.flags))


def _cached_part(r: _Reader, build: Callable[[_Reader, str], dict[str, Any]], key_field: str,
                 fields: tuple[str, ...]) -> dict[str, Any]:
    """`build(r, key_field)`, remembered for the import by the raw values it reads. Most workshop
    rows repeat a customer and a vehicle seen before, and their phone (phonenumbers), tax id
    (python-stdnum) and VIN check are most of the cost of a row."""
    try:
        raw = (build, key_field, *map(r.row.get, (key_field, *fields)))
        part = r.ctx.parts.get(raw)
    except TypeError:  # an unhashable value (an API item with a list where text goes): no cache
        return build(r, key_field)
    if part is None:
        part = _parse_part(r, build, key_field)
        if len(r.ctx.parts) < PART_CACHE:
            r.ctx.parts[raw] = part
    if part.refusal is not None:
        raise Refusal(*part.refusal)
    r.flags.extend(Rejection(r.line, column, value, reason) for column, value, reason in part.flags)
    return dict(part.values)  # the caller's own copy: records add to it


def customer_part(r: _Reader, key_field: str) -> dict[str, Any]:
    return _cached_part(r, _customer, key_field, CUSTOMER_FIELDS)


def _customer(r: _Reader, key_field: str) -> dict[str, Any]:
    c: dict[str, Any] = {}
    _put(c, "dms_id", r.get(key_field, n.key))
    first, last = r.get("first_name", _T100), r.get("last_name", _T100)
    _put(c, "first_name", first)
    _put(c, "last_name", last)
    name = r.get("customer_name", _T200) or " ".join(p for p in (first, last) if p)
    _put(c, "name", name)
    _put(c, "legal_name", r.get("legal_name", _T200))
    tax = r.get("tax_id", n.tax_id, r.ctx.country)
    if tax is not None:
        c["tax_id_type"], c["tax_id"], c["tax_id_valid"] = tax.kind, tax.value, tax.valid
        if not tax.valid:
            r.flag("tax_id", "Identificación fiscal con dígito verificador incorrecto o formato desconocido: "
                             "se guardó igual.")
    for column in ("phone_mobile", "phone_home", "phone_work"):
        phone = r.get(column, n.phone, r.ctx.country)
        if phone is None:
            continue
        if phone.ok:
            c[column] = phone.e164
        else:
            c["phone_unparsed"] = phone.raw[:60]
            r.flag(column, "Teléfono que no se pudo normalizar: se guardó tal cual, sin usarlo para buscar.")
    try:
        _put(c, "email", r.get("email", n.email))
    except Refusal as bad:
        r.flag("email", bad.reason + " No se guardó.")
    for column, reader in (("street", _T200), ("city", _T100), ("state", _T100), ("postal_code", _text(20))):
        _put(c, column, r.get(column, reader))
    return c


def _model_year(raw: Any, this_year: int) -> int | None:
    year = n.integer(raw)
    if year is not None and not MIN_MODEL_YEAR <= year <= this_year + 1:
        raise n.Invalid(f"Año de modelo fuera de rango: «{raw}».")
    return year


def vehicle_part(r: _Reader, key_field: str) -> dict[str, Any]:
    """The vehicle as the row describes it; the odometer changes from visit to visit, so it is read
    apart from the cached rest."""
    v = _cached_part(r, _vehicle, key_field, VEHICLE_FIELDS)
    _put(v, "odometer_km", r.get("odometer_km", n.integer))
    return v


def _vehicle(r: _Reader, key_field: str) -> dict[str, Any]:
    v: dict[str, Any] = {}
    _put(v, "dms_id", r.get(key_field, n.key))
    vin = r.get("vin", n.vin)
    if vin is not None:
        v["vin"] = vin.value
        if not vin.check_digit_ok:
            r.flag("vin", "El dígito verificador del VIN (posición 9) no coincide: se guardó igual.")
    plate = r.get("plate", n.plate, r.ctx.country)
    if plate is not None:
        v["plate"] = plate.value
    for column, reader in (("make", _T60), ("model", _T80), ("trim", _T120), ("colour", _T60)):
        _put(v, column, r.get(column, reader))
    _put(v, "model_year", r.get("model_year", _model_year, r.ctx.this_year))
    return v


def _needs_vehicle(r: _Reader, v: dict[str, Any]) -> None:
    if not (v.get("dms_id") or v.get("vin") or v.get("plate")):
        raise Refusal(r.ctx.column("vin"), "",
                      "Falta el chasis (VIN) o la patente: no se sabe de qué vehículo se trata.")


def _status(codes: dict[str, str], label: str) -> Callable[[Any], str | None]:
    return lambda raw: n.choice(raw, codes, label)


_RO_STATUS = _status(REPAIR_ORDER_STATUS, "estado de la orden")
_APPOINTMENT_STATUS = _status(APPOINTMENT_STATUS, "estado del turno")


def _customers(r: _Reader) -> Record:
    c = customer_part(r, "dms_id")
    key = c.get("dms_id")
    if key is None:
        raise Refusal(r.ctx.column("dms_id"), "", "Falta el código de cliente del DMS.")
    if not c.get("name"):
        raise Refusal(r.ctx.column("customer_name"), "", "Falta el nombre del cliente.")
    return Record(r.line, key, main=c)


def _vehicles(r: _Reader) -> Record:
    v = vehicle_part(r, "dms_id")
    key = v.get("dms_id")
    if key is None:
        raise Refusal(r.ctx.column("dms_id"), "", "Falta el código de vehículo del DMS.")
    _needs_vehicle(r, v)
    _put(v, "sold_on", r.get("sold_on", n.date))
    return Record(r.line, key, main=v, customer=customer_part(r, "customer_dms_id"))


def _deliveries(r: _Reader) -> Record:
    key = r.required("dms_id", "el número de venta o entrega", n.key)
    main: dict[str, Any] = {"delivered_at": r.required("delivered_at", "la fecha de entrega", n.moment, r.ctx.timezone)}
    _put(main, "salesperson", r.get("salesperson", _T120))
    return _with_parties(r, Record(r.line, key, main=main))


def _appointments(r: _Reader) -> Record:
    key = r.required("dms_id", "el número de turno", n.key)
    main: dict[str, Any] = {"starts_at": r.required("starts_at", "la fecha y hora del turno", n.moment, r.ctx.timezone)}
    _put(main, "status", r.get("status", _APPOINTMENT_STATUS))
    _put(main, "advisor_name", r.get("advisor_name", _T120))
    _put(main, "reason", r.get("reason", _T300))
    return _with_parties(r, Record(r.line, key, main=main))


def _repair_orders(r: _Reader) -> Record:
    key = r.required("dms_id", "el número de orden", n.key)
    main: dict[str, Any] = {"opened_at": r.required("opened_at", "la fecha de apertura", n.moment, r.ctx.timezone)}
    _put(main, "number", r.get("number", _text(40)) or key[:40])
    delivered_at = r.get("delivered_at", n.moment_or_none, r.ctx.timezone)
    status = r.get("status", _RO_STATUS) or ("delivered" if delivered_at else None)
    _put(main, "status", status)
    _put(main, "delivered_at", delivered_at)
    if delivered_at is not None and delivered_at < main["opened_at"]:
        raise Refusal(r.ctx.column("delivered_at"), r.row.get("delivered_at"),
                      "La fecha de entrega es anterior a la de apertura.")
    _put(main, "advisor_name", r.get("advisor_name", _T120))
    _put(main, "odometer_km", r.get("odometer_km", n.integer))
    total = r.get("total_amount", n.decimal)
    _put(main, "total_amount", None if total is None else total.quantize(CENTS))
    record = _with_parties(r, Record(r.line, key, main=main))
    if "odometer_km" in main:
        record.vehicle.setdefault("odometer_km", main["odometer_km"])
    record.lines = [_line(r, key, i, raw) for i, raw in enumerate(r.row.get("lines") or ())]
    return record


LINE_KIND = {**dict.fromkeys(("mano de obra", "mo", "labour", "labor", "servicio", "trabajo"), "labour"),
             **dict.fromkeys(("repuesto", "repuestos", "refaccion", "refacciones", "parte", "part"), "part"),
             **dict.fromkeys(("otro", "otros", "other", "varios", "tercero", "terceros"), "other")}
LINE_APPROVAL = {**dict.fromkeys(("autorizado", "autorizada", "aprobado", "aprobada", "authorised", "authorized"),
                                 "authorised"),
                 **dict.fromkeys(("rechazado", "rechazada", "no autorizado", "declined", "diferido"), "declined"),
                 **dict.fromkeys(("pendiente", "a presupuestar", "pending"), "pending")}


def _line(r: _Reader, order_key: str, index: int, raw: dict[str, Any]) -> dict[str, Any]:
    """One repair-order line (API only). Keyed by its DMS id, else by the order's and the line number."""
    line = _Reader(raw, Context(r.ctx.country, r.ctx.timezone,
                                {name: f"lines[{index}].{name}" for name in raw}), r.line)
    number = line.get("line_no", n.integer) or index + 1
    values: dict[str, Any] = {"line_no": number, "dms_id": line.get("dms_id", n.key) or f"{order_key}#{number}"}
    _put(values, "description", line.get("description", _T300))
    _put(values, "kind", line.get("kind", _status(LINE_KIND, "tipo de línea")))
    quantity = line.get("quantity", n.decimal)
    _put(values, "quantity", None if quantity is None else quantity.quantize(CENTS))
    amount = line.get("amount", n.decimal)
    _put(values, "amount", None if amount is None else amount.quantize(CENTS))
    _put(values, "approval", line.get("approval", _status(LINE_APPROVAL, "aprobación")))
    _put(values, "follow_up_on", line.get("follow_up_on", n.date))
    _put(values, "incident", line.get("incident", _text(2000)))
    return values


def _with_parties(r: _Reader, record: Record) -> Record:
    record.vehicle = vehicle_part(r, "vehicle_dms_id")
    _needs_vehicle(r, record.vehicle)
    record.customer = customer_part(r, "customer_dms_id")
    return record


PARSERS: dict[str, Callable[[_Reader], Record]] = {
    "customers": _customers,
    "vehicles": _vehicles,
    "deliveries": _deliveries,
    "appointments": _appointments,
    "repair_orders": _repair_orders,
}


def parse(kind: str, row: dict[str, Any], ctx: Context, line: int) -> Record | Rejection:
    """The row as a Record, or why it cannot be used. Only the customer and vehicle parts raise
    flags: `flags` below must stay in step."""
    reader = _Reader(row, ctx, line)
    try:
        record = PARSERS[kind](reader)
    except Refusal as refusal:
        return Rejection(line, refusal.column, _shown(refusal.value), refusal.reason)
    record.flags = reader.flags
    return record


def flags(kind: str, row: dict[str, Any], ctx: Context, line: int) -> list[Rejection] | None:
    """The flags `parse` raises for the row, reading only what raises them (the customer and vehicle
    parts, in parse's order), for a row known to be unchanged since it was last written; None
    if the row is refused after all."""
    reader = _Reader(row, ctx, line)
    try:
        if kind == "customers":
            customer_part(reader, "dms_id")
        else:
            vehicle_part(reader, "dms_id" if kind == "vehicles" else "vehicle_dms_id")
            customer_part(reader, "customer_dms_id")
    except Refusal:
        return None
    return reader.flags
