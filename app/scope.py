"""The one scoping helper: every query of branch-owned rows goes through here.

A row of a branch the user cannot reach, or of another dealer, is
indistinguishable from a row that does not exist: NotFound (404).
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.table import Table

from app.auth.access import Access
from app.db import MAX_ID, in_list
from app.errors import NotFound
from app.tables import Branch, User


def branches(table: type[Table], access: Access) -> Where:
    """WHERE the row belongs to one of the user's branches."""
    if table is Branch:
        return Branch.id.is_in(list(access.branch_ids) or [0])
    return table.branch.is_in(list(access.branch_ids) or [0])  # type: ignore[attr-defined]


def current_branch(table: type[Table], access: Access) -> Where:
    """WHERE the row belongs to the branch the user is working in now."""
    branch_id = access.branch.id if access.branch else 0
    if table is Branch:
        return Branch.id == branch_id
    return table.branch == branch_id  # type: ignore[attr-defined]


def dealer(table: type[Table], access: Access) -> Where:
    """For dealer-owned rows (users)."""
    return table.dealer == access.dealer_id  # type: ignore[attr-defined]


def rows(table: type[Table], access: Access) -> Where:
    return dealer(table, access) if table is User else branches(table, access)


def known_id(row_id: int) -> None:
    """An id no row can have (PostgreSQL's integers are 32-bit) is simply not
    found, instead of a database error."""
    if not 0 < row_id <= MAX_ID:
        raise NotFound()


async def one(table: type[Table], access: Access, row_id: int, *columns: Column) -> dict[str, Any]:
    """One row by id within the user's reach, or NotFound."""
    known_id(row_id)
    query = table.select(*columns).where((table._meta.primary_key == row_id) & rows(table, access))
    row = await query.first()
    if row is None:
        raise NotFound()
    return row


def branches_sql(column: str, access: Access) -> tuple[str, tuple[int, ...]]:
    """`branches()` for raw SQL (app.db.fetch): `column IN ({}, …)` and its arguments."""
    placeholders, ids = in_list(sorted(access.branch_ids))
    return f"{column} IN {placeholders}", ids
