"""Writes a branch's starting catalogs (inside the caller's transaction)."""

from __future__ import annotations

from app.rules import catalogs
from app.tables import CallOutcome, DiscardReason


async def seed_branch_catalogs(branch_id: int, locale: str) -> None:
    await DiscardReason.insert(*[
        DiscardReason(branch=branch_id, name=name, position=i) for i, name in enumerate(catalogs.DISCARD_REASONS)
    ])
    await CallOutcome.insert(*[
        CallOutcome(branch=branch_id, name=name, purpose=purpose, reached=reached, position=i)
        for i, (name, purpose, reached) in enumerate(catalogs.call_outcomes(locale))
    ])
