"""Scheduled sync: pick up the DMS's export files by themselves and import them.

A SyncSource names a folder on the server or an http(s) URL of one file, the
kind of data, and how often to look. The `sync_sources` job (arq cron with
Redis, the in-process ticker otherwise) asks each due source's connector for
files not imported yet (by content hash) and runs each through the same import
job as the web, with the branch's saved column mapping. Every run is an
ImportJob with source "sync": when, rows, errors — on /importar like any other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from typing import Any, Protocol

import httpx

from app import db
from app.audit import Actor, record
from app.config import get_settings
from app.dms import fields, imports
from app.dms.files import MAX_BYTES, FileRefused
from app.errors import Invalid
from app.tables import ImportJob, ImportStatus, SyncSource

log = logging.getLogger("retorno.dms.sync")
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
EVERY_MINUTES = (5, 1440)


class Connector(Protocol):
    async def files(self) -> list[tuple[str, bytes]]:
        """(name, content) of every file the source offers now."""
        ...


class FolderConnector:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def files(self) -> list[tuple[str, bytes]]:
        root = get_settings().sync_folder_root
        if root is not None and not self.folder.resolve().is_relative_to(root):
            raise FileRefused(f"La carpeta {self.folder} está fuera de SYNC_FOLDER_ROOT ({root}).")
        if not self.folder.is_dir():
            raise FileRefused(f"No existe la carpeta {self.folder}.")

        def read() -> list[tuple[str, bytes]]:
            found = sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
            return [(p.name, p.read_bytes()) for p in found if p.stat().st_size <= MAX_BYTES]

        return await asyncio.to_thread(read)


class UrlConnector:
    def __init__(self, url: str) -> None:
        self.url = url

    async def files(self) -> list[tuple[str, bytes]]:
        async with httpx.AsyncClient(timeout=60, follow_redirects=True) as client:
            response = await client.get(self.url)
        if response.status_code != 200:
            raise FileRefused(f"{self.url} respondió {response.status_code}.")
        return [(self.url.rsplit("/", 1)[-1] or "export.csv", response.content[: MAX_BYTES + 1])]


def connector_for(location: str) -> Connector:
    if location.startswith(("http://", "https://")):
        return UrlConnector(location)
    return FolderConnector(Path(location))


async def run_source(source: dict[str, Any]) -> str:
    """Imports what the source has that was not imported yet; returns the run's summary in Spanish."""
    try:
        offered = await connector_for(source["location"]).files()
    except (FileRefused, httpx.HTTPError, OSError) as error:
        return f"No se pudo leer: {error}"
    done, refused_names = 0, []
    for name, content in offered:
        digest = imports.digest(content)
        # A file is taken once: imported, under way, or failed (a failed one is for a person to look at).
        seen = await ImportJob.exists().where(
            (ImportJob.branch == source["branch"]) & (ImportJob.kind == source["kind"]) & (ImportJob.digest == digest)
            & (ImportJob.status != ImportStatus.cancelled.value))
        if seen:
            continue
        try:
            upload = await imports.create_job(source["branch"], source["kind"], name, content, user_id=None,
                                              source="sync", sync_source=source["id"])
        except FileRefused as refused:
            log.warning("sync source %s: %s refused: %s", source["id"], name, refused)
            refused_names.append(f"{name}: {refused}")
            continue
        job = await imports.job_summary(upload.job_id)
        assert job is not None
        if missing := fields.required_missing(source["kind"], job["mapping"]):
            await ImportJob.update({ImportJob.status: ImportStatus.failed.value,
                                    ImportJob.message: "Faltan columnas en el mapeo guardado: " + ", ".join(missing)
                                    + ". Importe un archivo a mano una vez para confirmarlo."}).where(
                ImportJob.id == upload.job_id)
            continue
        await imports.confirm_mapping(upload.job_id, source["branch"], source["kind"], job["mapping"], None)
        await imports.run_import({"username": "sincronización"}, upload.job_id)
        done += 1
    summary = f"{done} archivo(s) nuevo(s) importado(s) de {len(offered)}." if offered else "Sin archivos."
    if refused_names:
        summary += " No se pudo leer " + "; ".join(refused_names)
    return summary


async def _run_and_record(source: dict[str, Any]) -> str:
    status = await run_source(source)
    await SyncSource.update({SyncSource.last_run_at: dt.datetime.now(dt.UTC),
                             SyncSource.last_status: status[:300]}).where(SyncSource.id == source["id"])
    return status


async def sync_sources(ctx: dict[str, Any]) -> int:
    """The job: runs every active source that is due."""
    now = dt.datetime.now(dt.UTC)
    sources = await SyncSource.select().where(SyncSource.active == True)  # noqa: E712 - Piccolo's SQL equality
    ran = 0
    for source in sources:
        last = source["last_run_at"]
        if last is not None and now - last < dt.timedelta(minutes=source["every_minutes"]):
            continue
        await _run_and_record(source)
        ran += 1
    return ran


async def sync_source_now(ctx: dict[str, Any], source_id: int) -> str:
    """The job behind "Revisar ahora": one source, whether due or not."""
    source = await SyncSource.select().where(SyncSource.id == source_id).first()
    return await _run_and_record(source) if source else "No existe ese origen."


# --- sources: added, paused, listed (the admin screen and the command line) -------------------------


def checked_location(location: str, from_web: bool) -> str:
    """An http(s) URL, or a folder. From the web a folder must lie under SYNC_FOLDER_ROOT, which the
    installer sets: an admin's browser does not choose what the server reads."""
    location = location.strip()
    if location.startswith(("http://", "https://")):
        if len(location) > 500 or " " in location:
            raise Invalid(errors={"location": "La dirección no es válida."})
        return location
    if "://" in location or not location:
        raise Invalid(errors={"location": "Escriba una dirección http(s):// o la ruta de una carpeta del servidor."})
    root = get_settings().sync_folder_root
    if from_web and root is None:
        raise Invalid(errors={"location": "Para leer carpetas del servidor, el instalador debe definir "
                                          "SYNC_FOLDER_ROOT. Use una dirección http(s):// o pídaselo."})
    folder = Path(location)
    if root is not None:
        folder = (root / folder).resolve()
        if not folder.is_relative_to(root):
            raise Invalid(errors={"location": f"La carpeta debe estar dentro de {root}."})
    return str(folder)


def checked_every(every: int | None) -> int:
    low, high = EVERY_MINUTES
    if every is None or not low <= every <= high:
        raise Invalid(errors={"every_minutes": f"Entre {low} y {high} minutos."})
    return every


async def add_source(actor: Actor, branch_id: int, kind: str, name: str, location: str, every_minutes: int) -> int:
    if kind not in fields.KIND_LABELS:
        raise Invalid(errors={"kind": "Elija qué contiene el archivo."})
    async with db.write_transaction():
        row = SyncSource(branch=branch_id, kind=kind, name=name.strip()[:120], location=location,
                         every_minutes=every_minutes, created_by=actor.user_id)
        await row.save()
        await record(actor, "sync_source.create", entity="sync_source", entity_id=row.id, branch_id=branch_id,
                     after={"kind": kind, "location": location, "every_minutes": every_minutes})
    return row.id


async def set_active(actor: Actor, source_id: int, branch_ids: frozenset[int], active: bool) -> bool:
    """False when there is no such source within reach."""
    async with db.write_transaction():
        rows = await SyncSource.update({SyncSource.active: active}).where(
            (SyncSource.id == source_id) & SyncSource.branch.is_in(list(branch_ids) or [0])).returning(
            SyncSource.branch)
        if rows:
            await record(actor, "sync_source.resume" if active else "sync_source.pause", entity="sync_source",
                         entity_id=source_id, branch_id=rows[0]["branch"])
    return bool(rows)


async def listed(branch_ids: frozenset[int]) -> list[dict[str, Any]]:
    return await SyncSource.select(SyncSource.all_columns(), SyncSource.branch.name.as_alias("branch_name")).where(
        SyncSource.branch.is_in(list(branch_ids) or [0])).order_by(SyncSource.id)


async def within_reach(source_id: int, branch_ids: frozenset[int]) -> bool:
    return await SyncSource.exists().where(
        (SyncSource.id == source_id) & SyncSource.branch.is_in(list(branch_ids) or [0]))
