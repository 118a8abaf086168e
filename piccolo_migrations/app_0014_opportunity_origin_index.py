"""The generators' key is unique: running a generator twice (or two workers at once) makes nothing twice."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T07:00:00:000014"
VERSION = "1.38.0"
DESCRIPTION = "opportunity origin key index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)

    async def create() -> None:
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS uq_opportunity_origin ON "opportunity" ("origin_key")')

    async def drop() -> None:
        await engine_finder().run_ddl("DROP INDEX IF EXISTS uq_opportunity_origin")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
