"""The schema: migrations run from zero on both engines, say exactly what the
tables say, and the unique keys hold."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

from app import db
from app.tables import Opportunity


async def test_migrations_ran_from_zero(app):
    assert await db.pending_migrations() == []


async def test_tables_and_migrations_agree():
    """A column added to app/tables.py without its migration fails here."""
    config = Finder().get_app_config("app")
    statements = await AutoMigrationManager().get_alter_statements(app_config=config)
    assert [s for group in statements for s in group.statements] == []


async def test_board_indexes_exist():
    if db.is_postgres():
        rows = await db.fetch("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'")
    else:
        rows = await db.fetch("SELECT name FROM sqlite_master WHERE type = 'index'")
    names = {r["name"] for r in rows}
    assert {"ix_opportunity_board", "ix_appointment_board", "ix_repair_order_open", "uq_opportunity_open",
            "uq_customer_branch_dms", "uq_repair_order_branch_dms"} <= names


async def test_one_open_opportunity_per_vehicle_kind_and_campaign(make):
    branch = await make.branch()
    vehicle = await make.vehicle(branch)
    await make.opportunity(branch, vehicle=vehicle, kind="maintenance")
    with pytest.raises(Exception, match=r"(?i)unique"):
        await make.opportunity(branch, vehicle=vehicle, kind="maintenance")
    await make.opportunity(branch, vehicle=vehicle, kind="maintenance", status="discarded")
    await make.opportunity(branch, vehicle=vehicle, kind="lapsed")
    assert await Opportunity.count().where(Opportunity.vehicle == vehicle.id) == 3


async def test_dms_ids_are_unique_per_branch(make):
    branch, other = await make.branch(), await make.branch()
    await make.customer(branch, dms_id="C-1")
    await make.customer(other, dms_id="C-1")
    with pytest.raises(Exception, match=r"(?i)unique"):
        await make.customer(branch, dms_id="C-1")
