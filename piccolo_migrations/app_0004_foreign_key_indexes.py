"""Indexes on the foreign keys that 0002 left out, so following a link back
(an opportunity's appointment, a repair order's attempts) and deleting a
parent row do not scan the child table. Partial: most of these links are
empty, and NULLs never need finding."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T20:45:00:000004"
VERSION = "1.38.0"
DESCRIPTION = "foreign key indexes"

# name: (table, column)
INDEXES = {
    "ix_appointment_opportunity": ("appointment", "opportunity"),
    "ix_appointment_repair_order": ("appointment", "repair_order"),
    "ix_opportunity_repair_order": ("opportunity", "repair_order"),
    "ix_opportunity_delivery": ("opportunity", "delivery"),
    "ix_contact_attempt_repair_order": ("contact_attempt", "repair_order"),
    "ix_contact_attempt_delivery": ("contact_attempt", "delivery"),
    "ix_contact_attempt_appointment": ("contact_attempt", "appointment"),
    "ix_vehicle_driver": ("vehicle", "driver"),
    "ix_customer_merged_into": ("customer", "merged_into"),
    "ix_outbox_message_customer": ("outbox_message", "customer"),
    "ix_repair_order_line_concept": ("repair_order_line", "concept"),
}


async def _create() -> None:
    engine = engine_finder()
    for name, (table, column) in INDEXES.items():
        await engine.run_ddl(
            f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" ("{column}") WHERE "{column}" IS NOT NULL')


async def _drop() -> None:
    engine = engine_finder()
    for name in INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
