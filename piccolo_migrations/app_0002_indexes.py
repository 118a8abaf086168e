"""Unique keys and the indexes behind the board's queries.

Raw DDL because Piccolo emits composite constraints as ALTER TABLE … ADD
CONSTRAINT, which SQLite refuses (STACK-NOTES §1). The same statements run on
SQLite and PostgreSQL; the unique indexes also serve as ON CONFLICT targets.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T20:45:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "indexes"

DMS_OWNED = ("customer", "vehicle", "delivery", "appointment", "repair_order", "repair_order_line", "concept")

# name: (table, columns, where)
UNIQUE = {
    **{f"uq_{t}_branch_dms": (t, '"branch", "dms_id"', None) for t in DMS_OWNED},
    "uq_user_branch": ("user_branch", '"user", "branch"', None),
    "uq_sign_in_throttle": ("sign_in_throttle", '"username", "ip"', None),
    "uq_concept_code": ("concept", '"branch", "code"', None),
    # At most one open opportunity per vehicle, kind and campaign.
    "uq_opportunity_open": (
        "opportunity",
        '"vehicle", "kind", COALESCE("campaign", 0)',
        "\"status\" = 'open' AND \"vehicle\" IS NOT NULL",
    ),
}

INDEXES = {
    "ix_opportunity_board": ("opportunity", '"branch", "status", "due_at"'),
    "ix_opportunity_vehicle": ("opportunity", '"vehicle", "status"'),
    "ix_opportunity_customer": ("opportunity", '"customer"'),
    "ix_opportunity_campaign": ("opportunity", '"campaign"'),
    "ix_appointment_board": ("appointment", '"branch", "starts_at"'),
    "ix_appointment_vehicle": ("appointment", '"vehicle", "starts_at"'),
    "ix_appointment_customer": ("appointment", '"customer"'),
    "ix_repair_order_open": ("repair_order", '"branch", "status", "opened_at"'),
    "ix_repair_order_delivered": ("repair_order", '"branch", "delivered_at"'),
    "ix_repair_order_vehicle": ("repair_order", '"vehicle", "opened_at"'),
    "ix_repair_order_customer": ("repair_order", '"customer"'),
    "ix_repair_order_line_order": ("repair_order_line", '"repair_order"'),
    "ix_delivery_board": ("delivery", '"branch", "delivered_at"'),
    "ix_delivery_vehicle": ("delivery", '"vehicle"'),
    "ix_delivery_customer": ("delivery", '"customer"'),
    "ix_vehicle_owner": ("vehicle", '"owner"'),
    "ix_vehicle_plate": ("vehicle", '"branch", "plate"'),
    "ix_vehicle_vin": ("vehicle", '"branch", "vin"'),
    "ix_customer_name": ("customer", '"branch", "name"'),
    "ix_contact_attempt_opportunity": ("contact_attempt", '"opportunity"'),
    "ix_contact_attempt_customer": ("contact_attempt", '"customer", "created_at"'),
    "ix_audit_event_dealer_time": ("audit_event", '"dealer", "created_at"'),
    "ix_audit_event_entity": ("audit_event", '"entity", "entity_id"'),
    "ix_outbox_message_pending": ("outbox_message", '"status", "created_at"'),
    "ix_import_job_branch": ("import_job", '"branch", "created_at"'),
    "ix_discard_reason_branch": ("discard_reason", '"branch"'),
    "ix_call_outcome_branch": ("call_outcome", '"branch"'),
    "ix_user_branch_branch": ("user_branch", '"branch"'),
    "ix_app_user_dealer": ("app_user", '"dealer"'),
    "ix_branch_dealer": ("branch", '"dealer"'),
    "ix_campaign_branch": ("campaign", '"branch", "status"'),
}


async def _create() -> None:
    engine = engine_finder()
    for name, (table, columns, where) in UNIQUE.items():
        condition = f" WHERE {where}" if where else ""
        await engine.run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS {name} ON "{table}" ({columns}){condition}')
    for name, (table, columns) in INDEXES.items():
        await engine.run_ddl(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" ({columns})')


async def _drop() -> None:
    engine = engine_finder()
    for name in [*UNIQUE, *INDEXES]:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
