"""Messages by the row they are about: Próximos turnos shows each appointment's
latest reminder e-mail (app.board.appointments.queries._MESSAGES_SQL: entity =
'appointment' AND entity_id IN (the page's 50 ids)), and no index had
entity_id, so every Turnos page read the whole outbox: a parallel sequential
scan of 160 k messages, ~50 ms of every tab at the large group (bench:
`python -m bench.explain --scale large --list turnos --tab por-confirmar`);
with the index, under 0.1 ms."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T20:45:00:000006"
VERSION = "1.38.0"
DESCRIPTION = "board indexes"


async def _create() -> None:
    await engine_finder().run_ddl(
        'CREATE INDEX IF NOT EXISTS ix_outbox_message_entity ON "outbox_message" ("entity", "entity_id")')


async def _drop() -> None:
    await engine_finder().run_ddl("DROP INDEX IF EXISTS ix_outbox_message_entity")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
