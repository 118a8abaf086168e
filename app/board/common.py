"""Pieces every board command shares: the row's branch settings, catalog
checks, the version-guarded update, and "now" in the branch's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column
from piccolo.table import Table

from app import scope
from app.auth.access import Access
from app.errors import Invalid, Stale
from app.tables import Branch, CallOutcome, CallPurpose


@dataclass(frozen=True)
class BranchRules:
    id: int
    name: str
    tz: ZoneInfo
    attempt_limit: int
    first_service_days: int
    first_service_km: int
    service_interval_days: int
    service_interval_km: int
    address: str
    phone: str
    bookings_phone: str
    email: str

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()


async def branch_rules(branch_id: int) -> BranchRules:
    b = await Branch.select().where(Branch.id == branch_id).first()
    assert b is not None, "the row's branch exists (foreign key)"
    address = ", ".join(part for part in (b["street"], b["city"], b["state"]) if part)
    return BranchRules(
        id=b["id"],
        name=b["name"],
        tz=ZoneInfo(b["timezone"]),
        attempt_limit=b["attempt_limit"],
        first_service_days=b["first_service_days"],
        first_service_km=b["first_service_km"],
        service_interval_days=b["service_interval_days"],
        service_interval_km=b["service_interval_km"],
        address=address,
        phone=b["phone"],
        bookings_phone=b["bookings_phone"],
        email=b["email"],
    )


async def current(table: type[Table], access: Access, row_id: int, seen: int, *columns: Column) -> dict[str, Any]:
    """The row (within reach, else NotFound) as the form saw it, else Stale."""
    model: Any = table
    row = await scope.one(table, access, row_id, model.id, model.version, model.branch, *columns)
    if row["version"] != seen:
        raise Stale()
    return row


async def bump(table: type[Table], row_id: int, seen: int, values: dict[Column, Any]) -> None:
    """Write the change only if nobody wrote the row since it was read; the
    loser of a race (PostgreSQL re-checks the WHERE after the winner commits)
    updates nothing and gets Stale."""
    changed = (
        await table.update({**values, table.version: table.version + 1})
        .where(  # type: ignore[attr-defined]
            (table._meta.primary_key == row_id) & (table.version == seen)  # type: ignore[attr-defined]
        )
        .returning(table._meta.primary_key)
    )
    if not changed:
        raise Stale()


async def outcome(branch_id: int, outcome_id: int | None, purpose: str, field: str = "outcome_id") -> dict[str, Any]:
    """An active call outcome of the row's branch that applies to this kind of call."""
    row = None
    if outcome_id is not None:
        row = (
            await CallOutcome.select(CallOutcome.id, CallOutcome.name, CallOutcome.reached)
            .where(
                (CallOutcome.id == outcome_id)
                & (CallOutcome.branch == branch_id)
                & CallOutcome.active.eq(True)
                & CallOutcome.purpose.is_in([purpose, CallPurpose.any.value])
            )
            .first()
        )
    if row is None:
        raise Invalid(errors={field: "Elija el resultado del llamado de la lista."})
    return row


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
