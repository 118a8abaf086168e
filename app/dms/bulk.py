"""Set-at-a-time statements on a write transaction's own connection, for
imports of thousands of rows: one lookup per key and chunk, rows written with
the driver's executemany (pipelined by asyncpg), ids taken in advance so new
rows can be referenced before they are written. Piccolo's builder costs more
per row than the row itself here (bench/import).

Table and column names come from our code, never from input; every value is
a placeholder argument.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from piccolo.engine.postgres import PostgresTransaction

SQLITE_MAX_ARGS = 30_000  # SQLite >= 3.32 allows 32,766 arguments per statement


class Bulk:
    def __init__(self, transaction: Any) -> None:
        self.connection = transaction.connection
        self.postgres = isinstance(transaction, PostgresTransaction)

    def _sql(self, sql: str) -> str:
        """`?` placeholders, numbered for asyncpg."""
        if not self.postgres:
            return sql
        parts = sql.split("?")
        return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if self.postgres:
            return [dict(r) for r in await self.connection.fetch(self._sql(sql), *args)]
        cursor = await self.connection.execute(sql, args)
        rows = await cursor.fetchall()
        await cursor.close()
        return list(rows)

    async def stream(self, sql: str, *args: Any, size: int = 2_000) -> AsyncIterator[dict[str, Any]]:
        """The rows of one query, `size` at a time from a server-side cursor (an export of 100k rows
        neither sorts again per page nor holds them all)."""
        if self.postgres:
            async for record in self.connection.cursor(self._sql(sql), *args, prefetch=size):
                yield dict(record)
            return
        cursor = await self.connection.execute(sql, args)
        try:
            while rows := await cursor.fetchmany(size):
                for row in rows:
                    yield dict(row)
        finally:
            await cursor.close()

    async def execute(self, sql: str, *args: Any) -> None:
        if self.postgres:
            await self.connection.execute(self._sql(sql), *args)
        else:
            await self.connection.execute(sql, args)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            await self.connection.executemany(self._sql(sql), rows)
        else:
            await self.connection.executemany(sql, rows)

    async def where_in(self, table: str, columns: str, branch_id: int, key: str, values: Iterable[Any],
                       extra: str = "", *extra_args: Any) -> list[dict[str, Any]]:
        """Rows of one branch whose `key` is one of `values` (and `extra`, a condition with its own arguments)."""
        wanted = list(dict.fromkeys(v for v in values if v not in (None, "")))
        if not wanted:
            return []
        if self.postgres:
            return await self.fetch(
                f'SELECT {columns} FROM "{table}" WHERE "branch" = ? AND "{key}" = ANY(?){extra}', branch_id, wanted,
                *extra_args)
        found: list[dict[str, Any]] = []
        step = SQLITE_MAX_ARGS
        for start in range(0, len(wanted), step):
            part = wanted[start:start + step]
            marks = ", ".join("?" * len(part))
            found += await self.fetch(
                f'SELECT {columns} FROM "{table}" WHERE "branch" = ? AND "{key}" IN ({marks}){extra}', branch_id, *part,
                *extra_args)
        return found

    async def new_ids(self, table: str, count: int) -> list[int]:
        """Ids for rows about to be inserted (a SQLite write transaction is IMMEDIATE: no other writer)."""
        if count == 0:
            return []
        if self.postgres:
            rows = await self.connection.fetch(
                "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)", table, count)
            return [r["id"] for r in rows]
        rows = await self.fetch(f'SELECT COALESCE(MAX("id"), 0) AS top FROM "{table}"')
        top = rows[0]["top"]
        return list(range(top + 1, top + 1 + count))

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """On PostgreSQL through COPY: a first import writes ~200k rows, and one INSERT per row
        (even pipelined) took most of its time; COPY checks the same constraints."""
        if self.postgres:
            if rows:
                await self.connection.copy_records_to_table(table, records=rows, columns=list(columns))
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        await self.execute_many(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def update(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                     bump_version: bool = True) -> None:
        """rows: (value per column…, id)."""
        sets = ", ".join(f'"{c}" = ?' for c in columns)
        if bump_version:
            sets += ', "version" = "version" + 1'
        await self.execute_many(f'UPDATE "{table}" SET {sets} WHERE "id" = ?', rows)
