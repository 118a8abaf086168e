"""/importar: upload a DMS export, confirm the column mapping, watch it run,
read (and download) the report. /admin/claves-api: the ingestion API's keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app import jobs
from app.audit import Actor
from app.auth.access import ADMINS, MANAGERS, Access, CurrentAccess, allow
from app.customers import duplicates
from app.dms import api_keys, fields, imports, sync
from app.dms.files import FileRefused
from app.dms.records import Context, Rejection, parse
from app.dms.report import STATUS_NAMES, counts_line, nothing_changed, rejected_csv, rejection_line
from app.errors import Invalid, NotFound
from app.scope import known_id
from app.web import Form, page_or_partial, render


@dataclass
class ApiKeyForm:
    branch_id: int | None = None
    name: str = ""


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _branch(access: Access, branch_id: int | None) -> int:
    if branch_id is None and access.branch is not None:
        return access.branch.id
    if branch_id not in access.branch_ids:
        raise Invalid(errors={"branch_id": "Elija una de sus sucursales."})
    return branch_id  # type: ignore[return-value]


async def _job(access: Access, job_id: int) -> dict[str, Any]:
    known_id(job_id)
    job = await imports.job_summary(job_id, access.branch_ids)
    if job is None:
        raise NotFound()
    return job


def _preview(access: Access, job: dict[str, Any], mapping: dict[str, str]) -> list[dict[str, Any]]:
    """The first rows as the import will read them: each mapped value, and the row's fate."""
    branch = next(b for b in access.branches if b.id == job["branch"])
    ctx = Context(branch.country, branch.timezone, column_names=mapping)
    index = {h: i for i, h in enumerate(job["headers"])}
    shown = []
    for number, cells in enumerate(job["preview"], 1):
        row = {name: cells[index[h]] if index.get(h, len(cells)) < len(cells) else None
               for name, h in mapping.items() if h in index}
        parsed = parse(job["kind"], row, ctx, number)
        shown.append({"cells": [row.get(f.name) for f in fields.FIELDS[job["kind"]] if f.name in mapping],
                      "problem": parsed.reason if isinstance(parsed, Rejection) else "",
                      "flags": [] if isinstance(parsed, Rejection) else [f.reason for f in parsed.flags]})
    return shown


def _job_context(access: Access, job: dict[str, Any], mapping: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None) -> dict[str, Any]:
    mapping = job["mapping"] if mapping is None else mapping
    context: dict[str, Any] = {
        "job": job, "fields": fields.FIELDS[job["kind"]], "kind_label": fields.KIND_LABELS[job["kind"]],
        "mapping": mapping, "status_names": STATUS_NAMES, "errors": errors or {},
    }
    if job["status"] == "draft":
        context["preview"] = _preview(access, job, mapping)
        context["missing"] = fields.required_missing(job["kind"], mapping)
    else:
        context |= {"counts": counts_line(job), "nothing_changed": nothing_changed(job),
                    "rejections": [rejection_line(r) for r in job["errors"][:200]]}
    return context


class ImportRoutes(Controller):
    path = "/importar"

    @get("/", opt=allow(MANAGERS))
    async def start(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return render(request, "dms/imports.html", **await self._start_context(access))

    async def _start_context(self, access: Access, **extra: Any) -> dict[str, Any]:
        return {"kinds": fields.KIND_LABELS, "recent": await imports.recent(access.branch_ids),
                "status_names": STATUS_NAMES, "errors": {}, "kind": "repair_orders", "message": "",
                "duplicate_groups": await duplicates.count(access)} | extra

    @post("/", opt=allow(MANAGERS))
    async def upload(self, request: HTMXRequest, access: CurrentAccess) -> Template | Redirect:
        # The form is read by hand: a body that is not multipart (a script, an old form) gets the same
        # Spanish 422 as a missing file, not the framework's 400.
        form = await request.form()
        kind, file = form.get("kind"), form.get("file")
        errors: dict[str, str] = {}
        if kind not in fields.KIND_LABELS:
            errors["kind"] = "Elija qué contiene el archivo."
        try:
            branch_id = _branch(access, _int_or_none(form.get("branch_id")))
        except Invalid as invalid:
            errors |= invalid.errors
        content = await file.read() if isinstance(file, UploadFile) else b""
        if not errors and not content:
            errors["file"] = "Elija un archivo CSV o XLSX exportado del DMS."
        if not errors:
            try:
                name = file.filename if isinstance(file, UploadFile) else ""
                upload = await imports.create_job(branch_id, str(kind), name or "archivo", content,
                                                  user_id=access.user_id)
            except FileRefused as refused:
                errors["file"] = str(refused)
        if errors:
            return render(request, "dms/imports.html", status_code=422,
                          **await self._start_context(access, errors=errors, kind=kind or ""))
        return Redirect(f"/importar/{upload.job_id}", status_code=303)

    @get("/{job_id:int}", opt=allow(MANAGERS))
    async def show(self, request: HTMXRequest, access: CurrentAccess, job_id: FromPath[int]) -> Template:
        job = await _job(access, job_id)
        return page_or_partial(request, "dms/job.html", "dms/_job.html", **_job_context(access, job),
                               same_file_before=await imports.same_file_before(job))

    @post("/{job_id:int}/vista-previa", opt=allow(MANAGERS))
    async def preview(self, request: HTMXRequest, access: CurrentAccess, job_id: FromPath[int]) -> Template:
        """Re-reads the preview for the mapping being edited (changes nothing)."""
        job = await _job(access, job_id)
        return render(request, "dms/_mapping.html", **_job_context(access, job, await _mapping_from(request, job)))

    @post("/{job_id:int}/mapeo", opt=allow(MANAGERS))
    async def confirm(self, request: HTMXRequest, access: CurrentAccess, job_id: FromPath[int]) -> Template | Redirect:
        job = await _job(access, job_id)
        if job["status"] != "draft":
            return Redirect(f"/importar/{job_id}", status_code=303)
        mapping = await _mapping_from(request, job)
        if missing := fields.required_missing(job["kind"], mapping):
            context = _job_context(access, job, mapping, {"mapping": "Faltan columnas obligatorias: "
                                                                     + ", ".join(missing) + "."})
            return render(request, "dms/job.html", status_code=422, same_file_before=None, **context)
        await imports.confirm_mapping(job_id, job["branch"], job["kind"], mapping, access.user_id)
        await jobs.enqueue("run_import", job_id)
        return Redirect(f"/importar/{job_id}", status_code=303)

    @post("/{job_id:int}/cancelar", opt=allow(MANAGERS))
    async def cancel(self, request: HTMXRequest, access: CurrentAccess, job_id: FromPath[int]) -> Template | Redirect:
        job = await _job(access, job_id)
        await imports.cancel(job_id)
        if not request.htmx:
            return Redirect(f"/importar/{job_id}", status_code=303)
        return render(request, "dms/_job.html", **_job_context(access, await _job(access, job["id"])),
                      same_file_before=None)

    @get("/{job_id:int}/rechazos.csv", opt=allow(MANAGERS))
    async def rejected(self, access: CurrentAccess, job_id: FromPath[int]) -> Response[bytes]:
        job = await _job(access, job_id)
        name = f"rechazos-importacion-{job_id}.csv"
        return Response(rejected_csv(job), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _mapping_from(request: HTMXRequest, job: dict[str, Any]) -> dict[str, str]:
    """field → header from the form's `map-<field>` selects; unknown fields and headers are dropped,
    and a header chosen twice keeps only its first field."""
    form = await request.form()
    known = {f.name for f in fields.FIELDS[job["kind"]]}
    headers = set(job["headers"])
    mapping: dict[str, str] = {}
    for f in fields.FIELDS[job["kind"]]:
        header = form.get(f"map-{f.name}")
        if f.name in known and isinstance(header, str) and header in headers and header not in mapping.values():
            mapping[f.name] = header
    return mapping


class ApiKeyRoutes(Controller):
    path = "/admin/claves-api"

    @get("/", opt=allow(ADMINS))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return page_or_partial(request, "dms/api_keys.html", "dms/_api_keys.html",
                               **await self._context(access))

    async def _context(self, access: Access, **extra: Any) -> dict[str, Any]:
        return {"keys": await api_keys.listed(access.branch_ids), "section": "claves-api", "errors": {},
                "new_key": None} | extra

    @post("/", opt=allow(ADMINS))
    async def create(self, request: HTMXRequest, access: CurrentAccess,
                     data: Annotated[ApiKeyForm, Form]) -> Template:
        try:
            branch_id = _branch(access, data.branch_id)
        except Invalid as invalid:
            return page_or_partial(request, "dms/api_keys.html", "dms/_api_keys.html", status_code=422,
                                   **await self._context(access, errors=invalid.errors))
        new = await api_keys.create(branch_id, data.name, Actor.of(access))
        return page_or_partial(request, "dms/api_keys.html", "dms/_api_keys.html",
                               **await self._context(access, new_key=new))

    @post("/{key_id:int}/revocar", opt=allow(ADMINS))
    async def revoke(self, request: HTMXRequest, access: CurrentAccess, key_id: FromPath[int]) -> Template | Redirect:
        known_id(key_id)
        if not await api_keys.revoke(key_id, access.branch_ids, Actor.of(access)):
            raise NotFound()
        if not request.htmx:
            return Redirect("/admin/claves-api", status_code=303)
        return page_or_partial(request, "dms/api_keys.html", "dms/_api_keys.html",
                               **await self._context(access, revoked=key_id))


@dataclass
class SyncSourceForm:
    branch_id: int | None = None
    kind: str = ""
    name: str = ""
    location: str = ""
    every_minutes: str = "60"


class SyncSourceRoutes(Controller):
    """/admin/sincronizacion: the folders and URLs the scheduled sync imports from by itself."""

    path = "/admin/sincronizacion"

    async def _context(self, access: Access, **extra: Any) -> dict[str, Any]:
        return {"sources": await sync.listed(access.branch_ids), "section": "sincronizacion", "errors": {},
                "kinds": fields.KIND_LABELS, "form": SyncSourceForm(), "done": ""} | extra

    def _page(self, request: HTMXRequest, status_code: int = 200, **context: Any) -> Template:
        return page_or_partial(request, "dms/sync_sources.html", "dms/_sync_sources.html", status_code=status_code,
                               **context)

    @get("/", opt=allow(ADMINS))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return self._page(request, **await self._context(access))

    @post("/", opt=allow(ADMINS))
    async def create(self, request: HTMXRequest, access: CurrentAccess,
                     data: Annotated[SyncSourceForm, Form]) -> Template | Redirect:
        errors: dict[str, str] = {}
        checks = (("branch_id", lambda: _branch(access, data.branch_id)),
                  ("location", lambda: sync.checked_location(data.location, from_web=True)),
                  ("every_minutes", lambda: sync.checked_every(_int_or_none(data.every_minutes))))
        values = {}
        for name, check in checks:
            try:
                values[name] = check()
            except Invalid as invalid:
                errors |= invalid.errors
        if data.kind not in fields.KIND_LABELS:
            errors["kind"] = "Elija qué contiene el archivo."
        if errors:
            return self._page(request, status_code=422, **await self._context(access, errors=errors, form=data))
        await sync.add_source(Actor.of(access), values["branch_id"], data.kind, data.name, values["location"],
                              values["every_minutes"])
        if not request.htmx:
            return Redirect("/admin/sincronizacion", status_code=303)
        return self._page(request, **await self._context(access, done="Origen agregado: se revisa solo."))

    async def _after(self, request: HTMXRequest, access: Access, done: str) -> Template | Redirect:
        if not request.htmx:
            return Redirect("/admin/sincronizacion", status_code=303)
        return self._page(request, **await self._context(access, done=done))

    async def _set_active(self, access: Access, source_id: int, active: bool) -> None:
        known_id(source_id)
        if not await sync.set_active(Actor.of(access), source_id, access.branch_ids, active):
            raise NotFound()

    @post("/{source_id:int}/pausar", opt=allow(ADMINS))
    async def pause(self, request: HTMXRequest, access: CurrentAccess, source_id: FromPath[int]
                    ) -> Template | Redirect:
        await self._set_active(access, source_id, False)
        return await self._after(request, access, "Origen pausado: no se revisa hasta que lo reanude.")

    @post("/{source_id:int}/reanudar", opt=allow(ADMINS))
    async def resume(self, request: HTMXRequest, access: CurrentAccess, source_id: FromPath[int]
                     ) -> Template | Redirect:
        await self._set_active(access, source_id, True)
        return await self._after(request, access, "Origen reanudado.")

    @post("/{source_id:int}/revisar", opt=allow(ADMINS))
    async def run_now(self, request: HTMXRequest, access: CurrentAccess, source_id: FromPath[int]
                      ) -> Template | Redirect:
        known_id(source_id)
        if not await sync.within_reach(source_id, access.branch_ids):
            raise NotFound()
        await jobs.enqueue("sync_source_now", source_id)
        return await self._after(request, access, "Revisando el origen: lo nuevo aparece en Importar en unos segundos.")


DMS_ROUTES = [ImportRoutes, ApiKeyRoutes, SyncSourceRoutes]
