"""Indexes of the DMS ingestion tables (app_0007), and the customer keys an
import matches on when a row has no DMS id: tax id, mobile phone."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T23:00:00:000008"
VERSION = "1.38.0"
DESCRIPTION = "dms ingestion indexes"

INDEXES = {
    "uq_api_idempotency_key": 'UNIQUE INDEX IF NOT EXISTS uq_api_idempotency_key ON "api_idempotency" ("api_key", "key")',
    "uq_import_mapping_kind": 'UNIQUE INDEX IF NOT EXISTS uq_import_mapping_kind ON "import_mapping" ("branch", "kind")',
    "ix_import_job_digest": 'INDEX IF NOT EXISTS ix_import_job_digest ON "import_job" ("branch", "kind", "digest")',
    "ix_api_key_branch": 'INDEX IF NOT EXISTS ix_api_key_branch ON "api_key" ("branch")',
    "ix_sync_source_branch": 'INDEX IF NOT EXISTS ix_sync_source_branch ON "sync_source" ("branch")',
    "ix_customer_tax_id": 'INDEX IF NOT EXISTS ix_customer_tax_id ON "customer" ("branch", "tax_id")',
    "ix_customer_phone": 'INDEX IF NOT EXISTS ix_customer_phone ON "customer" ("branch", "phone_mobile")',
}


async def _create_indexes() -> None:
    for statement in INDEXES.values():
        await engine_finder().run_ddl(f"CREATE {statement}")


async def _drop_indexes() -> None:
    for name in INDEXES:
        await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    manager.add_raw_backwards(_drop_indexes)
    return manager
