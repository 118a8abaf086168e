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
from app.board.forms import optional_id
from app.errors import Stale
from app.tables import Branch, CallOutcome, CallPurpose, Channel, ContactAttempt


@dataclass(frozen=True)
class BranchRules:
    id: int
    name: str
    country: str
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
        country=b["country"],
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


async def outcome(branch_id: int, value: str, purpose: str, errors: dict[str, str]) -> dict[str, Any] | None:
    """The active call outcome of the row's branch the form chose, if it applies
    to this kind of call; else None, with the field's message added to `errors`."""
    outcome_id = optional_id(value)
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
        errors["outcome_id"] = "Elija el resultado del llamado de la lista."
    return row


async def log_contact(access: Access, row: dict[str, Any], purpose: str, result: dict[str, Any], note: str,
                      moment: dt.datetime, slot: str, channel: str = Channel.phone.value, **links: int | None) -> None:
    """The one way a call (attempt, welcome, courtesy, recontact) is written: a
    ContactAttempt of the row's branch and customer, linked to what it was about."""
    await ContactAttempt.insert(ContactAttempt(
        branch=row["branch"], customer=row["customer"], purpose=purpose, channel=channel, outcome=result["id"],
        reached=result["reached"], time_slot=slot, comment=note, user=access.user_id, created_at=moment, **links,
    ))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
