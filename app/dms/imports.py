"""File imports: upload → column mapping → background run with progress → report.

The web (/importar), the command line (`python -m app import`) and the
scheduled sync all make an ImportJob and run it with `run_import`, the job the
worker knows; rows then go through the one ingestion path (app.dms.ingest).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app import db
from app.audit import Actor, record
from app.dms import fields
from app.dms.files import FileRefused, Sheet, read_table
from app.dms.ingest import Report, Target, ingest
from app.tables import Branch, ImportFile, ImportJob, ImportMapping, ImportSource, ImportStatus

log = logging.getLogger("retorno.dms")

PREVIEW_ROWS = 5
KEEP_REJECTIONS = 20_000  # rejected rows kept for the report and its download; the count is always whole
FINISHED = (ImportStatus.done.value, ImportStatus.failed.value, ImportStatus.cancelled.value)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(data: bytes, filename: str, kind: str) -> Sheet:
    return read_table(data, filename, header_hint=lambda cells: fields.header_score(kind, cells))


def _cell(value: Any) -> Any:
    """A cell as JSON keeps it (dates as text, as the user sees them)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


async def saved_mapping(branch_id: int, kind: str) -> dict[str, str]:
    row = await ImportMapping.select(ImportMapping.mapping).where(
        (ImportMapping.branch == branch_id) & (ImportMapping.kind == kind)).output(load_json=True).first()
    return dict(row["mapping"]) if row else {}


async def proposed_mapping(branch_id: int, kind: str, headers: list[str]) -> dict[str, str]:
    """The branch's saved mapping where its headers are in this file, else the suggestions."""
    saved = {f: h for f, h in (await saved_mapping(branch_id, kind)).items() if h in headers}
    suggested = fields.suggest(kind, headers)
    taken = set(saved.values())
    for name, header in suggested.items():
        if name not in saved and header not in taken:
            saved[name] = header
            taken.add(header)
    return saved


@dataclass(frozen=True)
class Upload:
    job_id: int
    same_file_before: dt.datetime | None  # when this very file was imported already


async def create_job(branch_id: int, kind: str, filename: str, data: bytes, *, user_id: int | None,
                     source: str = ImportSource.file.value, sync_source: int | None = None) -> Upload:
    """Reads the file (FileRefused when it cannot be read) and keeps it for the run."""
    sheet = read(data, filename, kind)
    sha = digest(data)
    before = await _done_before(branch_id, kind, sha)
    mapping = await proposed_mapping(branch_id, kind, sheet.headers)
    async with db.write_transaction():
        job = ImportJob(
            branch=branch_id, kind=kind, source=source, filename=filename[:255], digest=sha,
            status=ImportStatus.draft.value, total_rows=len(sheet.rows), mapping=mapping, headers=sheet.headers,
            preview=[[_cell(c) for c in cells] for _, cells in sheet.rows[:PREVIEW_ROWS]],
            skipped=[[line, why] for line, why in sheet.skipped], created_by=user_id, sync_source=sync_source,
        )
        await job.save()
        await ImportFile.insert(ImportFile(job=job.id, content=data))
    return Upload(job.id, before)


async def _done_before(branch_id: int, kind: str, sha: str, other_than: int | None = None) -> dt.datetime | None:
    where = ((ImportJob.branch == branch_id) & (ImportJob.kind == kind) & (ImportJob.digest == sha)
             & (ImportJob.status == ImportStatus.done.value))
    if other_than is not None:
        where &= ImportJob.id != other_than
    row = await ImportJob.select(ImportJob.finished_at).where(where).order_by(ImportJob.id, ascending=False).first()
    return row["finished_at"] if row else None


async def same_file_before(job: dict[str, Any]) -> dt.datetime | None:
    """When this very file was imported before into the same branch and kind."""
    return await _done_before(job["branch"], job["kind"], job["digest"], other_than=job["id"])


async def recent(branch_ids: frozenset[int], limit: int = 20) -> list[dict[str, Any]]:
    return await ImportJob.select(
        ImportJob.id, ImportJob.kind, ImportJob.source, ImportJob.filename, ImportJob.status, ImportJob.created_at,
        ImportJob.total_rows, ImportJob.processed_rows, ImportJob.created_count, ImportJob.updated_count,
        ImportJob.unchanged_count, ImportJob.rejected_count, ImportJob.branch.name.as_alias("branch_name"),
    ).where(ImportJob.branch.is_in(list(branch_ids) or [0])).order_by(ImportJob.id, ascending=False).limit(limit)


async def cancel(job_id: int) -> None:
    """A queued or draft import ends now; a running one stops after its current chunk."""
    async with db.write_transaction():
        await ImportJob.update({ImportJob.status: ImportStatus.cancelled.value,
                                ImportJob.finished_at: dt.datetime.now(dt.UTC)}).where(
            (ImportJob.id == job_id) & ImportJob.status.is_in([ImportStatus.draft.value, ImportStatus.queued.value]))
        await ImportJob.update({ImportJob.cancel_requested: True}).where(
            (ImportJob.id == job_id) & (ImportJob.status == ImportStatus.running.value))
        row = await ImportJob.select(ImportJob.status).where(ImportJob.id == job_id).first()
        if row and row["status"] == ImportStatus.cancelled.value:
            await ImportFile.delete().where(ImportFile.job == job_id)


async def confirm_mapping(job_id: int, branch_id: int, kind: str, mapping: dict[str, str],
                          user_id: int | None) -> None:
    """Remembers the mapping for the branch and kind, and queues the run."""
    async with db.write_transaction():
        existing = await ImportMapping.select(ImportMapping.id).where(
            (ImportMapping.branch == branch_id) & (ImportMapping.kind == kind)).first()
        now = dt.datetime.now(dt.UTC)
        if existing:
            await ImportMapping.update({ImportMapping.mapping: mapping, ImportMapping.updated_by: user_id,
                                        ImportMapping.updated_at: now}).where(ImportMapping.id == existing["id"])
        else:
            await ImportMapping.insert(ImportMapping(branch=branch_id, kind=kind, mapping=mapping, updated_by=user_id))
        await ImportJob.update({ImportJob.mapping: mapping, ImportJob.status: ImportStatus.queued.value}).where(
            (ImportJob.id == job_id) & (ImportJob.status == ImportStatus.draft.value))


async def job_summary(job_id: int, branch_ids: frozenset[int] | None = None) -> dict[str, Any] | None:
    """An import as its screens and the command line show it; None when out of reach."""
    where = ImportJob.id == job_id
    if branch_ids is not None:
        where &= ImportJob.branch.is_in(list(branch_ids) or [0])
    return await ImportJob.select(
        *ImportJob._meta.columns,
        ImportJob.branch.name.as_alias("branch_name"), ImportJob.created_by.full_name.as_alias("user_name"),
    ).where(where).output(load_json=True).first()


def mapped_rows(sheet: Sheet, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    index = {h: i for i, h in enumerate(sheet.headers)}
    columns = [(name, index[header]) for name, header in mapping.items() if header in index]
    for line, cells in sheet.rows:
        yield line, {name: cells[i] if i < len(cells) else None for name, i in columns}


async def _target(branch_id: int) -> Target:
    b = await Branch.select(Branch.country, Branch.timezone).where(Branch.id == branch_id).first()
    assert b is not None
    return Target(branch_id, b["country"], b["timezone"])


def _counts(report: Report) -> dict[Any, Any]:
    return {
        ImportJob.processed_rows: report.total, ImportJob.created_count: report.created,
        ImportJob.updated_count: report.updated, ImportJob.unchanged_count: report.unchanged,
        ImportJob.rejected_count: report.rejected, ImportJob.flagged_count: report.flagged,
    }


async def run_import(ctx: dict[str, Any], job_id: int) -> str:
    """The job: runs a queued import (or one whose worker died: running it again
    writes nothing twice) and keeps its report."""
    claimed = await ImportJob.update(
        {ImportJob.status: ImportStatus.running.value, ImportJob.started_at: dt.datetime.now(dt.UTC)}
    ).where((ImportJob.id == job_id) & ImportJob.status.is_in([ImportStatus.queued.value, ImportStatus.running.value])
            ).returning(ImportJob.branch, ImportJob.kind, ImportJob.mapping, ImportJob.filename,
                        ImportJob.created_by, ImportJob.source)
    if not claimed:
        return "not queued"
    job = claimed[0]
    stored = await ImportFile.select(ImportFile.content).where(ImportFile.job == job_id).first()
    if stored is None:
        await _finish(job_id, ImportStatus.failed.value, message="El archivo ya no está disponible: vuelva a subirlo.")
        return "no file"
    try:
        sheet = read(bytes(stored["content"]), job["filename"], job["kind"])
    except FileRefused as refused:
        await _finish(job_id, ImportStatus.failed.value, message=str(refused))
        return "refused"
    cancelled = False

    async def progress(report: Report) -> bool:
        nonlocal cancelled
        rows = await ImportJob.update(_counts(report)).where(ImportJob.id == job_id).returning(
            ImportJob.cancel_requested)
        cancelled = bool(rows and rows[0]["cancel_requested"])
        return not cancelled

    mapping = db.json_value(job["mapping"])
    try:
        report = await ingest(await _target(job["branch"]), job["kind"], mapped_rows(sheet, mapping),
                              column_names=mapping, progress=progress)
    except Exception:
        log.exception("import %s failed", job_id)
        await _finish(job_id, ImportStatus.failed.value,
                      message="La importación se interrumpió por un error interno; las filas ya procesadas quedaron "
                              "guardadas. Puede volver a ejecutarla: no se duplica nada.")
        raise
    status = ImportStatus.cancelled.value if cancelled else ImportStatus.done.value
    await _finish(job_id, status, report=report)
    async with db.write_transaction():
        await record(Actor(job["created_by"], _actor_name(job["source"], ctx), None), "dms.import",
                     entity="import_job", entity_id=job_id, branch_id=job["branch"],
                     after={"kind": job["kind"], "file": job["filename"], "status": status, "rows": report.total,
                            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                            "rejected": report.rejected})
    return status




def _actor_name(source: str, ctx: dict[str, Any]) -> str:
    return {"sync": "sincronización", "api": "api"}.get(source, ctx.get("username", "importación"))


async def _finish(job_id: int, status: str, *, report: Report | None = None, message: str = "") -> None:
    values: dict[Any, Any] = {ImportJob.status: status, ImportJob.finished_at: dt.datetime.now(dt.UTC),
                              ImportJob.message: message[:500]}
    if report is not None:
        values |= _counts(report)
        values[ImportJob.errors] = [r.as_json() for r in report.rejections[:KEEP_REJECTIONS]]
        values[ImportJob.flags] = [r.as_json() for r in report.flags]
    async with db.write_transaction():
        await ImportJob.update(values).where(ImportJob.id == job_id)
        if status != ImportStatus.failed.value:
            await ImportFile.delete().where(ImportFile.job == job_id)
