"""The one ingestion path: API batches, file imports and scheduled syncs all
come through `ingest()`.

Rows are upserted by (branch, DMS id) in chunks, each chunk in one write
transaction: a chunk's valid rows are all written or none, a refused row is
written nowhere, and running the same rows again changes nothing (so a run
cut off in the middle is completed by running it again). A row that carries
its customer and vehicle inline finds them by DMS id, else by VIN or plate
(vehicles) and tax id or mobile phone (customers), and creates them when
they are new. After the rows are written, the news reaches the board: a
repair order opened for a vehicle with an appointment that day checks the
appointment in; a delivered order moves to Servicios realizados; an
appointment booked in the DMS books the vehicle's open opportunities
(app/dms/bookings.py); a cancelled appointment leaves the lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app import db
from app.display import live
from app.dms.bookings import book_open_opportunities
from app.dms.bulk import Bulk
from app.dms.records import Context, Record, Rejection, flags, parse
from app.rules import dms as rules
from app.rules import normalise
from app.rules.appointments import CANCELLED
from app.rules.normalise import fold
from app.tables import Branch

CHUNK = 2000
KEEP_FLAGS = 500  # flagged values kept for the report; the count is always whole

CUSTOMER_COLUMNS = ("dms_id", "name", "first_name", "last_name", "legal_name", "tax_id_type", "tax_id", "tax_id_valid",
                    "phone_mobile", "phone_home", "phone_work", "phone_unparsed", "email", "street", "city", "state",
                    "postal_code")
VEHICLE_COLUMNS = ("dms_id", "vin", "plate", "make", "model", "trim", "model_year", "colour", "odometer_km",
                   "odometer_read_on", "sold_on", "owner")
DEFAULTS: dict[str, Any] = {"tax_id_valid": None, "model_year": None, "odometer_km": None, "odometer_read_on": None,
                            "sold_on": None, "owner": None, "dms_id": None, "dms_hash": None}

MAIN_TABLE = {"deliveries": "delivery", "appointments": "appointment", "repair_orders": "repair_order"}
KEYED_TABLE = {**MAIN_TABLE, "customers": "customer", "vehicles": "vehicle"}  # where a row's DMS id and hash live
MAIN_COLUMNS = {
    "delivery": ("customer", "vehicle", "delivered_at", "salesperson"),
    "appointment": ("customer", "vehicle", "starts_at", "status", "advisor_name", "reason"),
    "repair_order": ("customer", "vehicle", "number", "opened_at", "status", "delivered_at", "advisor_name",
                     "odometer_km", "total_amount"),
}
MAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "delivery": {"salesperson": ""},
    "appointment": {"status": "scheduled", "advisor_name": "", "reason": ""},
    "repair_order": {"status": "open", "delivered_at": None, "advisor_name": "", "odometer_km": None,
                     "total_amount": None, "number": ""},
}

LINE_COLUMNS = ("repair_order", "line_no", "description", "kind", "quantity", "amount", "approval", "follow_up_on",
                "incident")
LINE_DEFAULTS: dict[str, Any] = {"kind": "labour", "quantity": Decimal(1), "amount": None,
                                 "approval": "authorised", "follow_up_on": None}


@dataclass
class ItemResult:
    line: int
    key: str
    result: str  # created | updated | unchanged | rejected
    id: int | None = None
    column: str = ""
    value: str = ""
    reason: str = ""


@dataclass
class Report:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    customers_created: int = 0
    vehicles_created: int = 0
    arrivals: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    flags: list[Rejection] = field(default_factory=list)
    items: list[ItemResult] | None = None  # per row, when the caller asked (the API answers with them)

    def item(self, line: int, key: str, result: str, row_id: int | None = None,
             rejection: Rejection | None = None) -> None:
        setattr(self, result, getattr(self, result) + 1)
        if self.items is not None:
            why = rejection or Rejection(line, "", "", "")
            self.items.append(ItemResult(line, key, result, row_id, why.column, why.value, why.reason))

    def reject(self, rejection: Rejection, key: str = "") -> None:
        self.rejections.append(rejection)
        self.item(rejection.line, key, "rejected", rejection=rejection)


@dataclass(frozen=True)
class Target:
    """Where rows go: the branch, and how it reads values."""

    branch_id: int
    country: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


Progress = Callable[[Report], Awaitable[bool]]  # after each chunk; False stops the run


def _chunks(rows: Iterable[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def ingest(target: Target, kind: str, rows: Iterable[tuple[int, dict[str, Any]]], *,
                 column_names: dict[str, str] | None = None, per_item: bool = False,
                 progress: Progress | None = None) -> Report:
    """Upsert `rows` — (line number, {field: raw value}) — of one kind into the branch."""
    ctx = Context(country=target.country, timezone=target.timezone, column_names=column_names or {})
    report = Report(kind, items=[] if per_item else None)
    seen: dict[str, int] = {}  # DMS id → line it first came on
    hashes = RowHashes(kind, ctx)
    statistics = _Statistics(kind)
    for chunk in _chunks(rows, CHUNK):
        digests = [hashes.digest(row) for _, row in chunk]
        keys = [_raw_key(row) for _, row in chunk]
        known = await _known_rows(target.branch_id, kind, keys)
        records: list[Record] = []
        written: dict[str, bytes] = {}  # DMS id → digest of the row that writes it
        for (line, row), key, digest in zip(chunk, keys, digests, strict=True):
            report.total += 1
            current = known.get(key) if key else None
            if current is not None and current["dms_hash"] == stamp(digest, current["version"]):
                same_flags = flags(kind, row, ctx, line)
                if same_flags is not None:  # unchanged since it was written: no need to parse or compare it
                    if _first_time(report, seen, ctx, line, key):
                        _count_flags(report, same_flags)
                        report.item(line, key, "unchanged", current["id"])
                    continue
            parsed = parse(kind, row, ctx, line)
            if isinstance(parsed, Rejection):
                report.reject(parsed, str(row.get("dms_id") or ""))
                continue
            if not _first_time(report, seen, ctx, line, parsed.key):
                continue
            _count_flags(report, parsed.flags)
            records.append(parsed)
            written[parsed.key] = digest
        if records:
            async with db.write_transaction() as transaction:
                await _Chunk(Bulk(transaction), target, kind, report, written).write(records)
            await statistics.refresh(report)
        if progress is not None and not await progress(report):
            break
    if report.total:
        await Branch.update({Branch.dms_synced_at: _now()}).where(Branch.id == target.branch_id)
    return report


class _Statistics:
    """PostgreSQL plans the chunk lookups from table statistics, which autovacuum refreshes in its
    own time: while a first import grows a table from nothing, every lookup scanned the whole
    branch and each chunk was slower than the last. ANALYZE whenever the rows created by the run
    have doubled keeps the plans on the indexes, for a handful of ANALYZEs per import."""

    def __init__(self, kind: str) -> None:
        self.tables = ", ".join(f'"{t}"' for t in dict.fromkeys(("customer", "vehicle", KEYED_TABLE[kind])))
        self.next_at = CHUNK

    async def refresh(self, report: Report) -> None:
        created = report.created + report.customers_created + report.vehicles_created
        if created < self.next_at or not db.is_postgres():
            return
        self.next_at = 2 * created
        await db.engine().run_ddl(f"ANALYZE {self.tables}")


def _first_time(report: Report, seen: dict[str, int], ctx: Context, line: int, key: str) -> bool:
    """False, and the row refused, when its DMS id came on an earlier line of the same run."""
    first = seen.setdefault(key, line)
    if first != line:
        report.reject(Rejection(line, ctx.column("dms_id"), key,
                                f"Repetido: el mismo código ya vino en la línea {first}; se tomó aquella."), key)
        return False
    return True


def _count_flags(report: Report, row_flags: list[Rejection]) -> None:
    if row_flags:
        report.flagged += 1
        report.flags.extend(row_flags[: max(0, KEEP_FLAGS - len(report.flags))])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- row hashes -------------------------------------------------------------------------------------
#
# Importing the same export again (a sync every hour, a user uploading yesterday's file) mostly
# finds rows that have not changed. Each row the import writes, or finds unchanged, keeps in its
# table's `dms_hash` the hash of the raw row that last matched it, stamped with the row's version
# after that write; a later row with the same DMS id and the same hash is counted unchanged
# without parsing it or reading its customer and vehicle. An edit from anywhere else bumps the
# version, a new release of the rules (below) or another mapping changes the hash, and either
# sends the row down the full path, which writes the hash anew.


@functools.cache
def _rules() -> bytes:
    """What decides how a raw row reads and what it writes: rows hash anew after a release that
    changes any of it, so a row is never 'unchanged' by rules other than the ones in force."""
    import phonenumbers
    import stdnum

    from app.dms import records
    from app.rules import vin

    h = hashlib.blake2b(digest_size=16)
    for module in (records, normalise, vin, rules, sys.modules[__name__]):
        h.update(Path(module.__file__ or "").read_bytes())
    h.update(f"{phonenumbers.__version__} {stdnum.__version__}".encode())
    return h.digest()


class RowHashes:
    """Digests of raw rows of one run: the kind, the branch's country and time zone, the year
    (model years are checked against it) and the column mapping are part of what a row says."""

    def __init__(self, kind: str, ctx: Context) -> None:
        self.base = hashlib.blake2b(_rules(), digest_size=16)
        self.base.update(repr((kind, ctx.country, ctx.timezone, ctx.this_year,
                               sorted(ctx.column_names.items()))).encode())

    def digest(self, row: dict[str, Any]) -> bytes:
        """Over the row's repr, keys in the order they came: a file's rows come in its mapping's order
        and an API item in its schema's, and another order only costs a full comparison."""
        h = self.base.copy()
        h.update(repr(row).encode())
        return h.digest()


def stamp(digest: bytes, version: int) -> str:
    """What `dms_hash` keeps: the row's digest with the version the import left the row at."""
    return hashlib.blake2b(digest + version.to_bytes(8, "big", signed=True), digest_size=16).hexdigest()


def _raw_key(row: dict[str, Any]) -> str | None:
    """The row's DMS id as parse reads it, or None when it would refuse it."""
    try:
        return normalise.key(row.get("dms_id"))
    except normalise.Invalid:
        return None


async def _known_rows(branch_id: int, kind: str, keys: list[str | None]) -> dict[str, dict[str, Any]]:
    """The chunk's rows already in the table, with their hash and version (a merged customer is
    left to the full path, which follows it to the customer that stayed)."""
    table = KEYED_TABLE[kind]
    live = ' AND "merged_into" IS NULL' if table == "customer" else ""
    async with db.engine().transaction() as transaction:
        rows = await Bulk(transaction).where_in(table, '"id", "dms_id", "dms_hash", "version"', branch_id, "dms_id",
                                                keys, f' AND "dms_hash" IS NOT NULL{live}')
    return {r["dms_id"]: r for r in rows}


def _changes(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wanted.items() if current.get(k) != v}


class _Writes:
    """New and changed rows of one table in one chunk, written in a few statements."""

    def __init__(self, table: str, stamped: bool = True) -> None:
        self.table = table
        self.stamped = stamped  # has created_at, updated_at and version
        self.new: list[dict[str, Any]] = []
        self.changed: dict[int, dict[str, Any]] = {}

    def change(self, row_id: int, values: dict[str, Any]) -> None:
        if values:
            self.changed.setdefault(row_id, {}).update(values)

    async def flush(self, bulk: Bulk, branch_id: int, columns: tuple[str, ...], defaults: dict[str, Any],
                    now: dt.datetime) -> None:
        if self.new:
            ids = await bulk.new_ids(self.table, len(self.new))
            for row, row_id in zip(self.new, ids, strict=True):
                row["id"] = row_id
            stamps = (now, now) if self.stamped else ()
            names = ("id", "branch", *columns, *(("created_at", "updated_at") if self.stamped else ()))
            await bulk.insert(self.table, names, [
                (r["id"], branch_id, *(r.get(c, defaults.get(c, "")) for c in columns), *stamps) for r in self.new
            ])
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for row_id, values in self.changed.items():
            names = tuple(sorted(values)) + (("updated_at",) if self.stamped else ())
            groups.setdefault(names, []).append((*(values.get(c, now) for c in names), row_id))
        for names, rows in groups.items():
            await bulk.update(self.table, names, rows, bump_version=self.stamped)


class _Chunk:
    def __init__(self, bulk: Bulk, target: Target, kind: str, report: Report, digests: dict[str, bytes]) -> None:
        self.bulk, self.target, self.kind, self.report = bulk, target, kind, report
        self.digests = digests  # DMS id → digest of the raw row (RowHashes)
        self.branch = target.branch_id
        self.now = _now()
        self.customers = _Writes("customer")
        self.vehicles = _Writes("vehicle")
        self.rehashed: list[tuple[str, int]] = []  # (dms_hash, id) of main rows found unchanged by the full path

    def _hash_row(self, writes: _Writes, key: str, row: dict[str, Any]) -> None:
        """Keeps the row's hash on the existing main row `row`, which carries DMS id `key` after
        this chunk: with the change when it changes (its version goes up by one), else alone."""
        changed = writes.changed.get(row["id"])
        if changed is not None:
            changed["dms_hash"] = stamp(self.digests[key], row["version"] + 1)
            return
        wanted = stamp(self.digests[key], row["version"])
        if row["dms_hash"] != wanted:
            self.rehashed.append((wanted, row["id"]))

    async def _flush_hashes(self, table: str) -> None:
        """Hashes of unchanged rows: bookkeeping only, so neither the version nor updated_at move."""
        await self.bulk.update(table, ("dms_hash",), self.rehashed, bump_version=False)

    async def write(self, records: list[Record]) -> None:
        if self.kind == "customers":
            await self._customers_as_main(records)
            return
        parts = [r.customer for r in records]
        if self.kind == "vehicles":
            await self._vehicles_as_main(records, parts)
            return
        await self._main(records)

    # --- customers ---------------------------------------------------------------------------------

    async def _find_customers(self, parts: list[dict[str, Any]]) -> dict[str, dict[Any, dict[str, Any]]]:
        columns = ", ".join(f'"{c}"' for c in ("id", "merged_into", "version", "dms_hash", *CUSTOMER_COLUMNS))
        live = ' AND "merged_into" IS NULL'
        b = self.bulk
        by_dms = await b.where_in("customer", columns, self.branch, "dms_id", (p.get("dms_id") for p in parts))
        by_tax = await b.where_in("customer", columns, self.branch, "tax_id",
                                  (p.get("tax_id") for p in parts if p.get("tax_id_valid")), live)
        by_phone = await b.where_in("customer", columns, self.branch, "phone_mobile",
                                    (p.get("phone_mobile") for p in parts), live)
        return {
            "dms": {r["dms_id"]: r for r in by_dms},
            "tax": {r["tax_id"]: r for r in by_tax},
            "phone": {(r["phone_mobile"], fold(r["name"])): r for r in by_phone},
            "phone_only": {r["phone_mobile"]: r for r in by_phone},
        }

    def _customer_for(self, part: dict[str, Any], found: dict[str, dict[Any, dict[str, Any]]],
                      fallback: int | None, pending: dict[Any, dict[str, Any]]) -> int | dict[str, Any] | None:
        """An existing customer's id, a new customer (a dict shared by the chunk's rows), or None.

        By DMS id first; else by a valid tax id, else by mobile phone and name, among customers the
        DMS has not keyed differently. A keyed row found that way adopts the DMS id; a row found
        without one is only linked, never rewritten by another export's spelling of the name."""
        key = part.get("dms_id")
        row = found["dms"].get(key) if key else None
        if row is None:
            if part.get("tax_id_valid"):
                row = found["tax"].get(part["tax_id"])
            if row is None and part.get("phone_mobile"):
                row = found["phone"].get((part["phone_mobile"], fold(part.get("name", ""))))
                if row is None and not part.get("name"):
                    row = found["phone_only"].get(part["phone_mobile"])
            if row is not None and key and row["dms_id"] not in (None, key):
                row = None  # another customer of the DMS with the same tax id or phone
        if row is not None:
            if key:
                self.customers.change(row["id"], _changes(row, part))
            return row["merged_into"] or row["id"]
        if not key and fallback is not None:
            return fallback
        if not part.get("name"):
            return None
        identity = key or (part["tax_id"] if part.get("tax_id_valid")
                           else (part.get("phone_mobile"), fold(part["name"])))
        new = pending.get(identity)
        if new is None:
            new = pending[identity] = dict(part)
            self.customers.new.append(new)
        return new

    async def _flush_customers(self) -> None:
        await self.customers.flush(self.bulk, self.branch, (*CUSTOMER_COLUMNS, "dms_hash"), DEFAULTS, self.now)
        self.report.customers_created += len(self.customers.new) if self.kind != "customers" else 0

    async def _customers_as_main(self, records: list[Record]) -> None:
        found = await self._find_customers([r.main for r in records])
        pending: dict[Any, dict[str, Any]] = {}
        results = [self._customer_for(r.main, found, None, pending) for r in records]
        by_id = {row["id"]: row for rows in found.values() for row in rows.values()}
        for r, result in zip(records, results, strict=True):
            if isinstance(result, dict):
                result["dms_hash"] = stamp(self.digests[r.key], 1)  # a new customer, keyed by this row
            elif (row := by_id.get(result)) is not None and r.key in (
                    row["dms_id"], self.customers.changed.get(row["id"], {}).get("dms_id")):
                self._hash_row(self.customers, r.key, row)
        await self._flush_customers()
        await self._flush_hashes("customer")
        for r, result in zip(records, results, strict=True):
            if isinstance(result, dict):
                self.report.item(r.line, r.key, "created", result["id"])
            else:
                assert result is not None, "a customers row has a name (records._customers)"
                self.report.item(r.line, r.key, "updated" if result in self.customers.changed else "unchanged", result)

    # --- vehicles ----------------------------------------------------------------------------------

    async def _find_vehicles(self, parts: list[dict[str, Any]]) -> dict[str, dict[Any, dict[str, Any]]]:
        columns = ", ".join(f'"{c}"' for c in ("id", "version", "dms_hash", *VEHICLE_COLUMNS))
        found: dict[str, dict[Any, dict[str, Any]]] = {}
        for key in ("dms_id", "vin", "plate"):
            rows = await self.bulk.where_in("vehicle", columns, self.branch, key, (p.get(key) for p in parts))
            found[key] = {r[key]: r for r in rows}
        return found

    @staticmethod
    def _vehicle_row(part: dict[str, Any], found: dict[str, dict[Any, dict[str, Any]]]) -> dict[str, Any] | None:
        for key in ("dms_id", "vin", "plate"):
            if part.get(key) and (row := found[key].get(part[key])) is not None:
                return row
        return None

    def _vehicle_changes(self, row: dict[str, Any], part: dict[str, Any], owner: int | None) -> dict[str, Any]:
        wanted = dict(part)
        km = wanted.pop("odometer_km", None)
        if km is not None and (row["odometer_km"] is None or km > row["odometer_km"]):
            wanted["odometer_km"], wanted["odometer_read_on"] = km, self.now.astimezone(self.target.tz).date()
        if owner is not None and row["owner"] is None:
            wanted["owner"] = owner
        return _changes(row, wanted)

    def _new_vehicle(self, part: dict[str, Any], pending: dict[Any, dict[str, Any]]) -> dict[str, Any]:
        identity = part.get("dms_id") or part.get("vin") or part.get("plate")
        new = pending.get(identity)
        if new is None:
            new = pending[identity] = dict(part)
            if part.get("odometer_km") is not None:
                new["odometer_read_on"] = self.now.astimezone(self.target.tz).date()
            self.vehicles.new.append(new)
        return new

    async def _vehicles_as_main(self, records: list[Record], parts: list[dict[str, Any]]) -> None:
        found_c = await self._find_customers(parts)
        found_v = await self._find_vehicles([r.main for r in records])
        rows = [self._vehicle_row(r.main, found_v) for r in records]  # by DMS id (the record's key) first
        pending_c: dict[Any, dict[str, Any]] = {}
        owners = [self._customer_for(r.customer, found_c, row["owner"] if row else None, pending_c)
                  if r.customer else None for r, row in zip(records, rows, strict=True)]
        await self._flush_customers()
        pending_v: dict[Any, dict[str, Any]] = {}
        for r, row, owner in zip(records, rows, owners, strict=True):
            owner_id = _id(owner)
            if row is None:
                self._new_vehicle({**r.main, "owner": owner_id}, pending_v)["dms_hash"] = stamp(self.digests[r.key], 1)
                continue
            diff = self._vehicle_changes(row, r.main, owner_id)
            self.vehicles.change(row["id"], diff)
            self.report.item(r.line, r.key, "updated" if diff else "unchanged", row["id"])
        for r, row in zip(records, rows, strict=True):  # once every change to the row is known
            if row is not None and r.key in (row["dms_id"], self.vehicles.changed.get(row["id"], {}).get("dms_id")):
                self._hash_row(self.vehicles, r.key, row)
        await self.vehicles.flush(self.bulk, self.branch, (*VEHICLE_COLUMNS, "dms_hash"), DEFAULTS, self.now)
        await self._flush_hashes("vehicle")
        for r in records:
            new = pending_v.get(r.main.get("dms_id"))
            if new is not None and new.get("_counted") is None:
                new["_counted"] = True
                self.report.item(r.line, r.key, "created", new["id"])

    # --- deliveries, appointments, repair orders ---------------------------------------------------

    async def _main(self, records: list[Record]) -> None:
        table = MAIN_TABLE[self.kind]
        columns = MAIN_COLUMNS[table]
        extra = ', "arrived_at", "repair_order"' if table == "appointment" else ""
        existing = {r["dms_id"]: r for r in await self.bulk.where_in(
            table, ", ".join(f'"{c}"' for c in ("id", "dms_id", "version", "dms_hash", *columns)) + extra,
            self.branch, "dms_id", (r.key for r in records))}
        found_c = await self._find_customers([r.customer for r in records])
        found_v = await self._find_vehicles([r.vehicle for r in records])
        pending_c: dict[Any, dict[str, Any]] = {}
        pending_v: dict[Any, dict[str, Any]] = {}
        keep: list[tuple[Record, dict[str, Any] | None, int | dict[str, Any], int | dict[str, Any]]] = []
        for r in records:
            current = existing.get(r.key)
            vehicle_row = self._vehicle_row(r.vehicle, found_v)
            fallback = current["customer"] if current else (vehicle_row["owner"] if vehicle_row else None)
            customer = self._customer_for(r.customer, found_c, fallback, pending_c)
            if customer is None:
                self.report.reject(Rejection(r.line, "cliente", "",
                                             "Falta el cliente: código de cliente, nombre, teléfono o identificación."),
                                   r.key)
                continue
            if vehicle_row is not None:
                self.vehicles.change(vehicle_row["id"], self._vehicle_changes(vehicle_row, r.vehicle, _id(customer)))
                vehicle: int | dict[str, Any] = vehicle_row["id"]
            else:
                vehicle = self._new_vehicle(r.vehicle, pending_v)
                vehicle.setdefault("_owner", customer)
            keep.append((r, current, customer, vehicle))
        await self._flush_customers()
        for new in self.vehicles.new:
            new["owner"] = _id(new.pop("_owner", None))
        await self.vehicles.flush(self.bulk, self.branch, (*VEHICLE_COLUMNS, "dms_hash"), DEFAULTS, self.now)
        self.report.vehicles_created += len(self.vehicles.new)

        writes = _Writes(table)
        outcome: list[tuple[Record, str, dict[str, Any]]] = []
        for r, current, customer, vehicle in keep:
            wanted = {**r.main, "dms_id": r.key, "customer": _id(customer), "vehicle": _id(vehicle)}
            if current is None:
                wanted = self._new_main(table, wanted)
                writes.new.append(wanted)
                outcome.append((r, "created", wanted))
                continue
            wanted = self._merged_main(table, current, wanted)
            diff = _changes(current, wanted)
            writes.change(current["id"], diff)
            self._hash_row(writes, r.key, current)
            outcome.append((r, "updated" if diff else "unchanged", {**current, **diff}))
        for new in writes.new:
            new["dms_hash"] = stamp(self.digests[new["dms_id"]], 1)
        extra_columns = {"appointment": ("source", "cancelled_at"), "repair_order": ("stage",)}.get(table, ())
        await writes.flush(self.bulk, self.branch, (*columns, "dms_id", "dms_hash", *extra_columns),
                           {**MAIN_DEFAULTS[table], "source": "dms", "cancelled_at": None, "stage": "quote"}, self.now)
        await self._flush_hashes(table)
        for r, result, row in outcome:
            self.report.item(r.line, r.key, result, row["id"])
        if table in ("appointment", "repair_order") and any(result != "unchanged" for _, result, _ in outcome):
            live.changed(self.branch)  # reception's TV redraws once the chunk commits
        if table == "appointment":
            await book_open_opportunities(self.bulk, self.branch, self.now,
                                          [row for _, result, row in outcome if result == "created"])
        if table == "repair_order":
            await self._check_in([row for _, result, row in outcome if result != "unchanged"])
            await self._lines(outcome)

    async def _lines(self, outcome: list[tuple[Record, str, dict[str, Any]]]) -> None:
        """The orders' lines, upserted by key; a line the DMS no longer sends is kept."""
        wanted = [(row["id"], line) for r, _, row in outcome for line in r.lines]
        if not wanted:
            return
        existing = {x["dms_id"]: x for x in await self.bulk.where_in(
            "repair_order_line", ", ".join(f'"{c}"' for c in ("id", "dms_id", *LINE_COLUMNS)), self.branch,
            "dms_id", (line["dms_id"] for _, line in wanted))}
        writes = _Writes("repair_order_line", stamped=False)
        for order_id, line in wanted:
            values = {**line, "repair_order": order_id}
            current = existing.get(line["dms_id"])
            if current is None:
                writes.new.append(values)
            else:
                writes.change(current["id"], _changes(current, values))
        await writes.flush(self.bulk, self.branch, ("dms_id", *LINE_COLUMNS), LINE_DEFAULTS, self.now)

    def _new_main(self, table: str, wanted: dict[str, Any]) -> dict[str, Any]:
        if table == "appointment":
            wanted.setdefault("status", "scheduled")
            wanted["source"] = "dms"
            if wanted["status"] == CANCELLED:
                wanted["cancelled_at"] = self.now
        elif table == "repair_order" and wanted.get("status") == rules.DELIVERED:
                wanted["stage"] = "finished"
                wanted.setdefault("delivered_at", self.now)
        return wanted

    def _merged_main(self, table: str, current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
        if table == "appointment":
            status = rules.appointment_status(current["status"], wanted.get("status"))
            wanted["status"] = status
            if status == CANCELLED and current["status"] != CANCELLED:
                wanted["cancelled_at"] = self.now
            elif status != CANCELLED and current["status"] == CANCELLED:
                wanted["cancelled_at"] = None
        elif table == "repair_order":
            status = rules.repair_order_status(current["status"], wanted.get("status"))
            wanted["status"] = status
            if status == rules.DELIVERED:
                if current["delivered_at"] is not None and current["status"] == rules.DELIVERED:
                    wanted["delivered_at"] = current["delivered_at"]  # "unidad entregada" on the board came first
                else:
                    wanted.setdefault("delivered_at", self.now)
                    wanted["stage"] = "finished"
        return wanted

    async def _check_in(self, orders: list[dict[str, Any]]) -> None:
        """Repair orders opened for a vehicle with an appointment that day mark it arrived."""
        open_orders = [o for o in orders if o.get("status") != "cancelled"]
        if not open_orders:
            return
        tz = self.target.tz
        first = min(o["opened_at"] for o in open_orders)
        last = max(o["opened_at"] for o in open_orders)
        start = dt.datetime.combine(first.astimezone(tz).date(), dt.time(), tz)
        end = dt.datetime.combine(last.astimezone(tz).date() + dt.timedelta(days=1), dt.time(), tz)
        candidates = await self.bulk.where_in(
            "appointment", '"id", "vehicle", "starts_at", "status", "arrived_at", "repair_order"', self.branch,
            "vehicle", (o["vehicle"] for o in open_orders), ' AND "starts_at" >= ? AND "starts_at" < ?', start, end)
        by_vehicle: dict[int, list[dict[str, Any]]] = {}
        for a in candidates:
            by_vehicle.setdefault(a["vehicle"], []).append(a)
        updates = []
        for o in open_orders:
            opened_on = o["opened_at"].astimezone(tz).date()
            for a in by_vehicle.get(o["vehicle"], ()):
                if rules.arrives(a["status"], a["repair_order"] is not None, a["starts_at"].astimezone(tz).date(),
                                 opened_on):
                    a["status"], a["repair_order"] = "arrived", o["id"]
                    updates.append(("arrived", a["arrived_at"] or o["opened_at"], o["id"], self.now, a["id"]))
                    break
        await self.bulk.execute_many(
            'UPDATE "appointment" SET "status" = ?, "arrived_at" = ?, "repair_order" = ?, "updated_at" = ?, '
            "\"check_in_source\" = CASE WHEN \"check_in_source\" = '' THEN 'dms' ELSE \"check_in_source\" END, "
            '"version" = "version" + 1 WHERE "id" = ?', updates)
        self.report.arrivals += len(updates)


def _id(value: int | dict[str, Any] | None) -> int | None:
    if isinstance(value, dict):
        return value["id"]
    return value
