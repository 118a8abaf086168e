"""The database engine, its lifetime, write transactions and migrations.

SQLite by default, PostgreSQL in production; both run the same migrations.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from app.config import Settings, get_settings

MAX_ID = 2**31 - 1  # ids and versions are 32-bit integers on PostgreSQL


def make_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    if settings.is_postgres:
        # Parameterised board queries must not switch to a generic plan that
        # scans the whole date window (STACK-NOTES §8).
        return PostgresEngine(
            config={
                "dsn": settings.database_url,
                "server_settings": {"plan_cache_mode": "force_custom_plan"},
            }
        )
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout is SQLite's busy timeout: writers wait for each other instead of failing.
    return SQLiteEngine(path=str(path), timeout=10)


def engine() -> Engine:
    found = engine_finder()
    assert found is not None, "piccolo_conf.py defines DB"
    return found


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


async def start() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=2, max_size=20)
    else:
        # WAL lets readers go on while one writer writes; it persists in the file.
        await db.run_ddl("PRAGMA journal_mode=WAL")


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool:
        await db.close_connection_pool()


_AFTER_COMMIT: ContextVar[list[Callable[[], Any]] | None] = ContextVar("after_commit", default=None)


def _begin() -> Any:
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """One write transaction: IMMEDIATE on SQLite (a deferred one fails under
    concurrent writers with 'database is locked'), plain on PostgreSQL. What
    `after_commit` registered inside runs once it committed (never after a
    rollback); a transaction opened inside another leaves that to the outer one."""
    if _AFTER_COMMIT.get() is not None:
        async with _begin() as transaction:
            yield transaction
        return
    callbacks: list[Callable[[], Any]] = []
    token = _AFTER_COMMIT.set(callbacks)
    try:
        async with _begin() as transaction:
            yield transaction
    finally:
        _AFTER_COMMIT.reset(token)
    for callback in callbacks:
        callback()


def after_commit(callback: Callable[[], Any]) -> None:
    """Run `callback` once the current write transaction commits (at once outside one)."""
    callbacks = _AFTER_COMMIT.get()
    if callbacks is None:
        callback()
    else:
        callbacks.append(callback)


@contextlib.asynccontextmanager
async def read_together() -> AsyncIterator[None]:
    """Run several reads on one connection (one round trip to the pool, one
    SQLite connection instead of one per query)."""
    async with engine().transaction():
        yield


async def fetch(sql: str, *args: Any) -> list[Row]:
    """Raw SQL with `{}` placeholders, for the few queries Piccolo's builder
    cannot say well (several counts in one statement). Queries modules only."""
    rows = await engine().run_querystring(QueryString(sql, *args))
    return [Row(row) for row in rows]  # asyncpg's Records are read-only


class Row(dict[str, Any]):
    """A result row templates read as `row.name` at attribute speed. Jinja tries
    getattr before [] and a plain dict's miss raises, which made a 50-row list
    spend ~4 ms on exceptions; here the dict is its own __dict__."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__ = self


def json_value(value: Any) -> Any:
    """A JSON column read without Piccolo's load_json (raw SQL, .returning(), scope.one): text on SQLite,
    decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def in_list(values: list[int] | tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    """`({}, {}, …)` for `fetch` and its arguments; an empty list matches nothing (ids start at 1)."""
    items = tuple(values) or (0,)
    return "(" + ", ".join("{}" for _ in items) + ")", items


async def run_migrations() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="app", migration_id="all")
    if not result.success:
        raise RuntimeError(result.message)


async def pending_migrations() -> list[str]:
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    statuses = await CheckMigrationManager(app_name="app").get_migration_statuses()
    return [s.migration_id for s in statuses if not s.has_ran]
