"""Opportunities by when they closed: the home's "booked this month" count
(and reports by closing date) read only the month's rows instead of every
booked opportunity the branch ever had (9-11 ms → ~1 ms at the large group)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T20:45:00:000005"
VERSION = "1.38.0"
DESCRIPTION = "opportunity closed index"


async def _create() -> None:
    await engine_finder().run_ddl(
        'CREATE INDEX IF NOT EXISTS ix_opportunity_closed ON "opportunity" ("branch", "status", "closed_at")')


async def _drop() -> None:
    await engine_finder().run_ddl("DROP INDEX IF EXISTS ix_opportunity_closed")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
