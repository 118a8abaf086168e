"""Indexes of the campaign units (app_0011), and the open-opportunity rule extended to opportunities
waiting for parts: at most one open or held opportunity per vehicle, kind and campaign."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T07:00:00:000012"
VERSION = "1.38.0"
DESCRIPTION = "campaign indexes"

CREATE = (
    'CREATE UNIQUE INDEX IF NOT EXISTS uq_campaign_unit ON "campaign_unit" ("campaign", "vehicle")',
    'CREATE INDEX IF NOT EXISTS ix_campaign_unit_vehicle ON "campaign_unit" ("vehicle")',
    'CREATE INDEX IF NOT EXISTS ix_campaign_unit_opportunity ON "campaign_unit" ("opportunity")',
    "DROP INDEX IF EXISTS uq_opportunity_open",
    'CREATE UNIQUE INDEX uq_opportunity_open ON "opportunity" ("vehicle", "kind", COALESCE("campaign", 0)) '
    "WHERE \"status\" IN ('open', 'held') AND \"vehicle\" IS NOT NULL",
)
DROP = (
    "DROP INDEX IF EXISTS uq_campaign_unit",
    "DROP INDEX IF EXISTS ix_campaign_unit_vehicle",
    "DROP INDEX IF EXISTS ix_campaign_unit_opportunity",
    "DROP INDEX IF EXISTS uq_opportunity_open",
    'CREATE UNIQUE INDEX uq_opportunity_open ON "opportunity" ("vehicle", "kind", COALESCE("campaign", 0)) '
    "WHERE \"status\" = 'open' AND \"vehicle\" IS NOT NULL",
)


async def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        await engine_finder().run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)

    async def create() -> None:
        await _run(CREATE)

    async def drop() -> None:
        await _run(DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
