"""The ingestion API (/api/v1/…): the DMS pushes batches of up to 5,000 rows.

Authenticated by the `X-Api-Key` header (one branch per key; no cookie, no
CSRF), rate-limited per key, idempotent per `Idempotency-Key`. Each batch
goes through the one ingestion path and answers per item: created, updated,
unchanged or rejected with the field, value and reason. Field names are the
same as the file import's columns (app.dms.fields).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, post
from litestar.params import HeaderParameter, JSONBody
from msgspec import Meta, Struct

from app.dms import idempotency
from app.dms.api_keys import KeyAccess
from app.dms.ingest import Report, Target, ingest

MAX_ITEMS = 5000
API: dict[str, Any] = {"api_key": True}  # the route policy: app.auth.access.authorize checks the key

Text = Annotated[str, Meta(max_length=300)]
Key = Annotated[str, Meta(min_length=1, max_length=64, description="The row's id in the DMS")]
Moment = Annotated[str, Meta(max_length=40, description="ISO 8601 (with or without offset; without it, the "
                                                        "branch's local time) or dd/mm/aaaa [hh:mm]")]
Day = Annotated[str, Meta(max_length=40, description="ISO 8601 date or dd/mm/aaaa")]
Number = Annotated[float | int | str, Meta(description="A number; text with a decimal comma is accepted")]


class _Party(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The customer and vehicle a row is about: found by DMS id, else VIN or plate (vehicle)
    and tax id or mobile phone (customer); created when new."""

    customer_dms_id: Key | None = None
    customer_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    legal_name: Text | None = None
    tax_id: Text | None = None
    phone_mobile: Text | None = None
    phone_home: Text | None = None
    phone_work: Text | None = None
    email: Text | None = None
    street: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = None
    vehicle_dms_id: Key | None = None
    vin: Text | None = None
    plate: Text | None = None
    make: Text | None = None
    model: Text | None = None
    trim: Text | None = None
    model_year: Number | None = None
    colour: Text | None = None
    odometer_km: Number | None = None


class CustomerIn(Struct, forbid_unknown_fields=True, omit_defaults=True):
    dms_id: Key
    customer_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    legal_name: Text | None = None
    tax_id: Text | None = None
    phone_mobile: Text | None = None
    phone_home: Text | None = None
    phone_work: Text | None = None
    email: Text | None = None
    street: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = None


class VehicleIn(Struct, forbid_unknown_fields=True, omit_defaults=True):
    dms_id: Key
    vin: Text | None = None
    plate: Text | None = None
    make: Text | None = None
    model: Text | None = None
    trim: Text | None = None
    model_year: Number | None = None
    colour: Text | None = None
    odometer_km: Number | None = None
    sold_on: Day | None = None
    customer_dms_id: Key | None = None
    customer_name: Text | None = None
    tax_id: Text | None = None
    phone_mobile: Text | None = None
    email: Text | None = None


class DeliveryIn(_Party, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    dms_id: Key
    delivered_at: Moment
    salesperson: Text | None = None


class AppointmentIn(_Party, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    dms_id: Key
    starts_at: Moment
    status: Annotated[str, Meta(max_length=40, description="programado, confirmado or cancelado "
                                                           "(scheduled, confirmed, cancelled)")] | None = None
    advisor_name: Text | None = None
    reason: Text | None = None


class LineIn(Struct, forbid_unknown_fields=True, omit_defaults=True):
    dms_id: Key | None = None
    line_no: Annotated[int, Meta(ge=1, le=10_000)] | None = None
    description: Text | None = None
    kind: Annotated[str, Meta(max_length=40, description="mano de obra, repuesto, otro "
                                                         "(labour, part, other)")] | None = None
    quantity: Number | None = None
    amount: Number | None = None
    approval: Annotated[str, Meta(max_length=40, description="autorizado, rechazado, pendiente "
                                                             "(authorised, declined, pending)")] | None = None
    follow_up_on: Day | None = None
    incident: Annotated[str, Meta(max_length=2000)] | None = None


class RepairOrderIn(_Party, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    dms_id: Key
    opened_at: Moment
    number: Text | None = None
    status: Annotated[str, Meta(max_length=40, description="abierta, entregada or anulada "
                                                           "(open, delivered, cancelled)")] | None = None
    delivered_at: Moment | None = None
    advisor_name: Text | None = None
    total_amount: Number | None = None
    lines: Annotated[list[LineIn], Meta(max_length=500)] | None = None


def _batch(item: type) -> Any:
    return Annotated[list[item], Meta(min_length=1, max_length=MAX_ITEMS)]  # type: ignore[valid-type]


class CustomersBatch(Struct, forbid_unknown_fields=True):
    items: _batch(CustomerIn)  # type: ignore[valid-type]


class VehiclesBatch(Struct, forbid_unknown_fields=True):
    items: _batch(VehicleIn)  # type: ignore[valid-type]


class DeliveriesBatch(Struct, forbid_unknown_fields=True):
    items: _batch(DeliveryIn)  # type: ignore[valid-type]


class AppointmentsBatch(Struct, forbid_unknown_fields=True):
    items: _batch(AppointmentIn)  # type: ignore[valid-type]


class RepairOrdersBatch(Struct, forbid_unknown_fields=True):
    items: _batch(RepairOrderIn)  # type: ignore[valid-type]


class ItemError(Struct):
    field: str
    value: str
    reason: str


class ItemResult(Struct, omit_defaults=True):
    index: int
    dms_id: str
    result: Annotated[str, Meta(description="created | updated | unchanged | rejected")]
    id: int | None = None
    error: ItemError | None = None


class BatchResult(Struct):
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[ItemResult]


IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, max_length=200,
    description="Send the same key with the same batch again (a retry) and get the first answer back, "
                "with nothing applied twice.")]


def _answer(report: Report) -> BatchResult:
    assert report.items is not None
    return BatchResult(
        received=report.total, created=report.created, updated=report.updated, unchanged=report.unchanged,
        rejected=report.rejected,
        items=[ItemResult(index=i.line, dms_id=i.key, result=i.result, id=i.id,
                          error=ItemError(i.column, i.value, i.reason) if i.result == "rejected" else None)
               for i in sorted(report.items, key=lambda i: i.line)],
    )


async def _run(request: Request, kind: str, items: list[Struct], replay_key: str | None) -> Response[BatchResult]:
    access: KeyAccess = request.state.api_key
    body = await request.body()
    fingerprint = hashlib.sha256(kind.encode() + b"\0" + body).hexdigest()
    if replay_key:
        earlier = await idempotency.earlier_answer(access.key_id, replay_key, fingerprint)
        if earlier is not None:
            return Response(msgspec.convert(earlier, BatchResult), headers={"Idempotent-Replayed": "true"})
    rows = ((i, msgspec.to_builtins(item)) for i, item in enumerate(items))
    report = await ingest(Target(access.branch_id, access.country, access.timezone), kind, rows, per_item=True)
    answer = _answer(report)
    if replay_key:
        answer = msgspec.convert(
            await idempotency.keep_answer(access.key_id, replay_key, fingerprint, msgspec.to_builtins(answer)),
            BatchResult)
    return Response(answer)


_DOC = "Upsert by (branch, dms_id). Answers per item; a rejected item is written nowhere, the others are."


@post("/api/v1/customers", opt=API, summary="Clientes", description=_DOC, status_code=200, tags=["ingesta"])
async def push_customers(request: Request, data: JSONBody[CustomersBatch],
                         idempotency_key: IdempotencyKey = None) -> Response[BatchResult]:
    return await _run(request, "customers", data.items, idempotency_key)


@post("/api/v1/vehicles", opt=API, summary="Vehículos", description=_DOC, status_code=200, tags=["ingesta"])
async def push_vehicles(request: Request, data: JSONBody[VehiclesBatch],
                        idempotency_key: IdempotencyKey = None) -> Response[BatchResult]:
    return await _run(request, "vehicles", data.items, idempotency_key)


@post("/api/v1/deliveries", opt=API, summary="Entregas de 0 km", description=_DOC, status_code=200,
      tags=["ingesta"])
async def push_deliveries(request: Request, data: JSONBody[DeliveriesBatch],
                          idempotency_key: IdempotencyKey = None) -> Response[BatchResult]:
    return await _run(request, "deliveries", data.items, idempotency_key)


@post("/api/v1/appointments", opt=API, summary="Turnos / citas", description=_DOC, status_code=200,
      tags=["ingesta"])
async def push_appointments(request: Request, data: JSONBody[AppointmentsBatch],
                            idempotency_key: IdempotencyKey = None) -> Response[BatchResult]:
    return await _run(request, "appointments", data.items, idempotency_key)


@post("/api/v1/repair-orders", opt=API, summary="Órdenes de reparación (con sus líneas)", description=_DOC,
      status_code=200, tags=["ingesta"])
async def push_repair_orders(request: Request, data: JSONBody[RepairOrdersBatch],
                             idempotency_key: IdempotencyKey = None) -> Response[BatchResult]:
    return await _run(request, "repair_orders", data.items, idempotency_key)


API_ROUTES = [push_customers, push_vehicles, push_deliveries, push_appointments, push_repair_orders]
