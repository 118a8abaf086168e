"""DMS row hashes: the main tables imports write keep the hash of the raw row
that last wrote or matched each row (app/dms/ingest.py), so a row imported
again unchanged is recognised without parsing it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T06:00:00:000010"
VERSION = "1.38.0"
DESCRIPTION = "dms row hash"

TABLES = (
    ("Customer", "customer"),
    ("Vehicle", "vehicle"),
    ("Delivery", "delivery"),
    ("RepairOrder", "repair_order"),
    ("Appointment", "appointment"),
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="app", description=DESCRIPTION
    )

    for class_name, tablename in TABLES:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="dms_hash",
            db_column_name="dms_hash",
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": 32,
                "default": None,
                "null": True,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )

    return manager
