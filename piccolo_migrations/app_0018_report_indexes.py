"""What the reports read by period: opportunities by creation and calls by moment, per branch (without
them a month's report scanned every call of the group)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T07:00:00:000018"
VERSION = "1.38.0"
DESCRIPTION = "report indexes"

INDEXES = {
    "ix_opportunity_created": 'ON "opportunity" ("branch", "created_at")',
    "ix_contact_attempt_branch": 'ON "contact_attempt" ("branch", "created_at")',
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)

    async def create() -> None:
        for name, where in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} {where}")

    async def drop() -> None:
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
