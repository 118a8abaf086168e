"""The fallback after the last unanswered call: the branch's promotion text, and opportunities that
end "sin contacto"."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T07:00:00:000015"
VERSION = "1.38.0"
DESCRIPTION = "fallback: promotion text, no_contact"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="app", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Branch",
        tablename="branch",
        column_name="promotion_text",
        db_column_name="promotion_text",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
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

    manager.alter_column(
        table_class_name="Opportunity",
        tablename="opportunity",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "OpportunityStatus",
                {
                    "open": "open",
                    "held": "held",
                    "booked": "booked",
                    "discarded": "discarded",
                    "no_contact": "no_contact",
                },
            )
        },
        old_params={
            "choices": Enum(
                "OpportunityStatus",
                {
                    "open": "open",
                    "held": "held",
                    "booked": "booked",
                    "discarded": "discarded",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
