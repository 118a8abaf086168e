"""A realistic year of aftersales data for one demo branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    branch_id: int
    code: str
    country: str
    timezone: str
    today: dt.date
    users: dict[str, int]


async def generate(target: Target) -> None:
    """Placeholder: filled in by the demo data generator."""
