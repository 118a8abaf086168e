"""The columns each kind of import understands, and which header of a file
most likely holds each one (Spanish synonyms seen in AR and MX exports)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.rules import normalise


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()  # folded


KIND_LABELS = {
    "repair_orders": "Órdenes de reparación",
    "appointments": "Turnos / citas",
    "deliveries": "Entregas de 0 km",
    "customers": "Clientes",
    "vehicles": "Vehículos",
}

_PUNCT = re.compile(r"[.º°#_\-/:()]+")
_SPACES = re.compile(r"\s+")


def fold(s: str) -> str:
    """normalise.fold without punctuation: 'Nro. OR' → 'nro or', 'N° Serie' → 'n serie',
    'Fecha_Apertura' → 'fecha apertura'."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", normalise.fold(s))).strip()


def _f(name: str, label: str, *synonyms: str, required: bool = False) -> Field:
    return Field(name, label, required, tuple(synonyms))


CUSTOMER = (
    _f("customer_dms_id", "Código de cliente (DMS)", "codigo cliente", "cod cliente", "id cliente", "nro cliente",
       "cliente id", "numero cliente"),
    _f("customer_name", "Cliente (nombre y apellido o razón social)", "cliente", "nombre cliente", "razon social",
       "nombre", "nombre y apellido", "apellido y nombre", "nombre del cliente"),
    _f("first_name", "Nombre", "nombres", "primer nombre"),
    _f("last_name", "Apellido", "apellido", "apellidos"),
    _f("legal_name", "Razón social (facturación)", "razon social facturacion", "facturar a"),
    _f("tax_id", "CUIT / CUIL / DNI / RFC", "cuit", "cuil", "dni", "rfc", "curp", "documento", "nro documento",
       "cuit cuil", "id fiscal", "nro doc"),
    _f("phone_mobile", "Teléfono celular", "celular", "telefono celular", "movil", "cel", "whatsapp", "telefono",
       "tel", "telefono movil"),
    _f("phone_home", "Teléfono particular", "telefono particular", "tel particular", "telefono casa"),
    _f("phone_work", "Teléfono laboral", "telefono laboral", "tel trabajo", "telefono oficina"),
    _f("email", "E-mail", "email", "e mail", "correo", "correo electronico", "mail"),
    _f("street", "Dirección", "direccion", "domicilio", "calle"),
    _f("city", "Ciudad / localidad", "ciudad", "localidad", "municipio"),
    _f("state", "Provincia / estado", "provincia", "entidad federativa"),
    _f("postal_code", "Código postal", "cp", "codigo postal"),
)
VEHICLE = (
    _f("vehicle_dms_id", "Código de vehículo (DMS)", "codigo vehiculo", "id vehiculo", "cod unidad", "id unidad"),
    _f("vin", "Chasis (VIN)", "chasis", "vin", "no serie", "n serie", "numero de serie", "nro chasis", "serie",
       "nro serie", "num serie"),
    _f("plate", "Patente / placas", "patente", "placas", "placa", "dominio", "matricula"),
    _f("make", "Marca", "marca"),
    _f("model", "Modelo", "modelo", "descripcion modelo"),
    _f("trim", "Versión", "version"),
    _f("model_year", "Año modelo", "ano", "modelo ano", "ano modelo", "ano fabricacion", "anio"),
    _f("colour", "Color", "color"),
    _f("odometer_km", "Kilometraje", "km", "kilometraje", "kms", "odometro", "kilometros"),
)


def _without(part: tuple[Field, ...], name: str) -> tuple[Field, ...]:
    return tuple(f for f in part if f.name != name)


FIELDS: dict[str, tuple[Field, ...]] = {
    "repair_orders": (
        _f("dms_id", "Número de orden (Nro OR)", "nro or", "numero or", "n or", "orden", "orden de reparacion",
           "nro orden", "or", "folio", "no orden", "numero de orden", "orden de servicio", required=True),
        _f("opened_at", "Fecha de apertura", "fecha apertura", "fecha de apertura", "apertura", "fecha alta",
           "fecha recepcion", "fecha de recepcion", "fecha ingreso", required=True),
        _f("status", "Estado", "estado", "estatus", "situacion"),
        _f("delivered_at", "Fecha de entrega", "fecha entrega", "fecha de entrega", "entrega", "fecha cierre"),
        _f("advisor_name", "Asesor", "asesor", "asesor de servicio", "recepcionista", "asesor servicio"),
        _f("odometer_km", "Kilometraje", "km", "kilometraje", "kms", "odometro", "kilometros"),
        _f("total_amount", "Total", "total", "importe", "importe total", "monto", "total or"),
        *_without(VEHICLE, "odometer_km"), *CUSTOMER,
    ),
    "appointments": (
        _f("dms_id", "Número de turno", "nro turno", "id turno", "nro cita", "folio cita", "id cita", "folio",
           required=True),
        _f("starts_at", "Fecha y hora", "fecha turno", "fecha y hora", "fecha cita", "fecha de la cita", "turno",
           "cita", "fecha hora", required=True),
        _f("status", "Estado", "estado", "estatus", "situacion"),
        _f("advisor_name", "Asesor", "asesor", "asesor de servicio", "asesor servicio"),
        _f("reason", "Motivo", "motivo", "servicio", "trabajo solicitado", "observaciones"),
        *VEHICLE, *CUSTOMER,
    ),
    "deliveries": (
        _f("dms_id", "Número de venta / entrega", "nro venta", "id venta", "nro entrega", "factura", "nro factura",
           "operacion", required=True),
        _f("delivered_at", "Fecha de entrega", "fecha entrega", "fecha de entrega", "entrega", required=True),
        _f("salesperson", "Vendedor", "vendedor", "vendedora", "asesor de ventas", "ejecutivo de ventas"),
        *VEHICLE, *CUSTOMER,
    ),
    "customers": (
        _f("dms_id", "Código de cliente (DMS)", "codigo cliente", "cod cliente", "id cliente", "nro cliente",
           "cliente id", "codigo", "id", required=True),
        *_without(CUSTOMER, "customer_dms_id"),
    ),
    "vehicles": (
        _f("dms_id", "Código de vehículo (DMS)", "codigo vehiculo", "id vehiculo", "cod unidad", "id unidad",
           "codigo", "id", required=True),
        *_without(VEHICLE, "vehicle_dms_id"),
        _f("sold_on", "Fecha de venta", "fecha venta", "fecha de venta", "fecha entrega"),
        *CUSTOMER,
    ),
}

NEEDS_VEHICLE = ("repair_orders", "appointments", "deliveries", "vehicles")


def header_score(kind: str, headers: list[str]) -> int:
    synonyms = {s for f in FIELDS[kind] for s in f.synonyms}
    return sum(1 for h in headers if isinstance(h, str) and fold(h) in synonyms)


def suggest(kind: str, headers: list[str]) -> dict[str, str]:
    """field → header: exact synonyms first, then a header containing a synonym as whole words."""
    folded = [(h, fold(h)) for h in headers if h]
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for f in FIELDS[kind]:
        for synonym in f.synonyms:
            hit = next((h for h, fh in folded if fh == synonym and h not in used), None)
            if hit:
                mapping[f.name] = hit
                used.add(hit)
                break
    for f in FIELDS[kind]:
        if f.name in mapping:
            continue
        for synonym in f.synonyms:
            if len(synonym) < 4:
                continue
            hit = next((h for h, fh in folded if h not in used and f" {synonym} " in f" {fh} "), None)
            if hit:
                mapping[f.name] = hit
                used.add(hit)
                break
    return mapping


def required_missing(kind: str, mapping: dict[str, str]) -> list[str]:
    missing = [f.label for f in FIELDS[kind] if f.required and not mapping.get(f.name)]
    if kind in NEEDS_VEHICLE and not (mapping.get("vin") or mapping.get("plate")):
        missing.append("Chasis (VIN) o patente")
    if kind == "customers" and not (mapping.get("customer_name") or (mapping.get("first_name")
                                                                      and mapping.get("last_name"))):
        missing.append("Nombre del cliente")
    return missing
