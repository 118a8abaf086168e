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

from app.config import get_settings
from app.dms import fields, imports
from app.dms.files import MAX_BYTES, FileRefused
from app.tables import ImportJob, ImportStatus, SyncSource

log = logging.getLogger("retorno.dms.sync")
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


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
    done = 0
    for name, content in offered:
        digest = imports.digest(content)
        seen = await ImportJob.exists().where(
            (ImportJob.branch == source["branch"]) & (ImportJob.kind == source["kind"]) & (ImportJob.digest == digest)
            & ImportJob.status.is_in([ImportStatus.done.value, ImportStatus.running.value, ImportStatus.queued.value]))
        if seen:
            continue
        try:
            upload = await imports.create_job(source["branch"], source["kind"], name, content, user_id=None,
                                              source="sync", sync_source=source["id"])
        except FileRefused as refused:
            log.warning("sync source %s: %s refused: %s", source["id"], name, refused)
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
    return f"{done} archivo(s) nuevo(s) importado(s) de {len(offered)}." if offered else "Sin archivos."


async def sync_sources(ctx: dict[str, Any]) -> int:
    """The job: runs every active source that is due."""
    now = dt.datetime.now(dt.UTC)
    sources = await SyncSource.select().where(SyncSource.active == True)  # noqa: E712 - Piccolo's SQL equality
    ran = 0
    for source in sources:
        last = source["last_run_at"]
        if last is not None and now - last < dt.timedelta(minutes=source["every_minutes"]):
            continue
        status = await run_source(source)
        await SyncSource.update({SyncSource.last_run_at: now, SyncSource.last_status: status[:300]}).where(
            SyncSource.id == source["id"])
        ran += 1
    return ran
