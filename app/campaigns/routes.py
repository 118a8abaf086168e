"""/campanas: the campaign list with its funnel, and the three-step wizard
(Buscar unidades → Elegir unidades → Procesar unidades); parts for recalls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app import db, jobs
from app.auth.access import MANAGERS, Access, CurrentAccess, allow
from app.board import forms
from app.campaigns import commands, queries
from app.errors import Invalid
from app.rules import Refused
from app.rules import campaigns as rules
from app.scope import known_id
from app.web import page_or_partial, render

KINDS = {"recall": "Acción de servicio en campo (recall)", "technical_note": "Nota técnica",
         "marketing": "Marketing", "service_campaign": "Campaña de servicio"}
PARTS = {"not_needed": "No necesita", "ordered": "Pedidos", "available": "Disponibles"}
MAX_UPLOAD = 2_000_000  # a pasted-list file: 60,000 VINs are about 1 MB


def _text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(form: Any, name: str, errors: dict[str, str], low: int = 0, high: int = 10_000_000) -> int | None:
    raw = _text(form, name, 20).replace(".", "")
    if not raw:
        return None
    if raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors[name] = f"Escriba un número entre {low} y {high}."
    return None


def _date(form: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    raw = _text(form, name, 20)
    return forms.local_date(raw, name, errors) if raw else None


async def _list_text(form: Any, text_name: str, file_name: str, errors: dict[str, str]) -> str:
    """A pasted list, plus the uploaded file's (a .txt or .csv of one value per line)."""
    text = form.get(text_name) if isinstance(form.get(text_name), str) else ""
    upload = form.get(file_name)
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            errors[file_name] = "El archivo supera los 2 MB: divídalo o pegue la lista."
        else:
            try:
                text += "\n" + data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text += "\n" + data.decode("cp1252", errors="replace")
    return text


async def _criteria(request: HTMXRequest, access: Access) -> tuple[dict[str, str], rules.Criteria, rules.ReadList,
                                                                   rules.ReadList, dict[str, str]]:
    assert access.branch is not None
    form = await request.form()
    errors: dict[str, str] = {}
    head = {"kind": _text(form, "kind", 20), "name": _text(form, "name"),
            "bulletin_code": _text(form, "bulletin_code", 60), "description": _text(form, "description", 2000)}
    if head["kind"] not in KINDS:
        errors["kind"] = "Elija el tipo de campaña."
    if not head["name"]:
        errors["name"] = "Póngale un nombre a la campaña."
    try:
        vins = rules.read_vins(await _list_text(form, "vins", "vins_file", errors))
        plates = rules.read_plates(await _list_text(form, "plates", "plates_file", errors), access.branch.country)
    except Refused as refused:
        errors["vins"] = str(refused)
        vins = plates = rules.ReadList()
    criteria = rules.Criteria(
        make=_text(form, "make", 60), model=_text(form, "model", 80), trim=_text(form, "trim", 120),
        year_from=_int(form, "year_from", errors, 1950, 2100), year_to=_int(form, "year_to", errors, 1950, 2100),
        vins=vins.values, plates=plates.values,
        sold_from=_date(form, "sold_from", errors), sold_to=_date(form, "sold_to", errors),
        visit_after=_date(form, "visit_after", errors), visit_before=_date(form, "visit_before", errors),
        km_from=_int(form, "km_from", errors), km_to=_int(form, "km_to", errors))
    errors |= rules.check_ranges(criteria)
    if criteria.empty and not vins.malformed and not plates.malformed and "vins" not in errors:
        errors["filters"] = "Indique al menos un filtro, o pegue una lista de VIN o de patentes."
    values = {k: _text(form, k, 2000) for k in form if k not in ("vins_file", "plates_file", "_csrf_token")}
    return errors, criteria, vins, plates, head | values


class CampaignRoutes(Controller):
    path = "/campanas"

    @get("/", opt=allow(MANAGERS))
    async def listed(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        branch_id = access.branch.id if access.branch else 0
        return render(request, "campaigns/list.html", campaigns=await queries.campaigns(branch_id),
                      recalls=await queries.campaigns(branch_id, open_recalls_only=True), kinds=KINDS, parts=PARTS)

    @get("/nueva", opt=allow(MANAGERS))
    async def new(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return render(request, "campaigns/new.html", kinds=KINDS, values={"kind": "recall"}, errors={})

    @post("/nueva", opt=allow(MANAGERS))
    async def create(self, request: HTMXRequest, access: CurrentAccess) -> Template | Redirect:
        errors, criteria, vins, plates, values = await _criteria(request, access)
        if not errors:
            try:
                campaign_id = await commands.create(access, values["kind"], values["name"], values["bulletin_code"],
                                                    values["description"], criteria, vins, plates)
            except Invalid as invalid:
                errors = {"filters": invalid.detail}
        if errors:
            return render(request, "campaigns/new.html", status_code=422, kinds=KINDS, values=values, errors=errors)
        return Redirect(f"/campanas/{campaign_id}", status_code=303)

    async def _units_context(self, access: Access, campaign_id: int, page: int) -> dict[str, Any]:
        campaign = await commands.one(access, campaign_id)
        units, counts = await queries.units(campaign_id, page)
        return {"campaign": campaign, "units": units, "counts": counts, "page": page, "kinds": KINDS, "parts": PARTS,
                "not_found": db.json_value(campaign["not_found"]), "criteria": db.json_value(campaign["criteria"]),
                "page_size": queries.UNITS_PAGE}

    @get("/{campaign_id:int}", opt=allow(MANAGERS))
    async def units(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int],
                    page: FromQuery[str] = "1") -> Template:
        known_id(campaign_id)
        context = await self._units_context(access, campaign_id, int(page) if page.isdigit() and page != "0" else 1)
        return page_or_partial(request, "campaigns/units.html", "campaigns/_units.html", **context)

    @post("/{campaign_id:int}/elegir", opt=allow(MANAGERS))
    async def choose(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]
                     ) -> Template | Redirect:
        known_id(campaign_id)
        form = await request.form()
        unit = forms.optional_id(_text(form, "unit_id", 12))
        await commands.choose(access, campaign_id, _text(form, "selected", 1) == "1",
                              None if _text(form, "all", 1) == "1" else [unit] if unit else [])
        page = forms.optional_id(_text(form, "page", 6)) or 1
        if not request.htmx:
            return Redirect(f"/campanas/{campaign_id}?page={page}", status_code=303)
        return render(request, "campaigns/_units.html", **await self._units_context(access, campaign_id, page))

    async def _process_context(self, access: Access, campaign_id: int, **extra: Any) -> dict[str, Any]:
        campaign = await commands.one(access, campaign_id)
        _, counts = await queries.units(campaign_id, 1)
        people = await queries.coordinators(campaign["branch"])
        chosen = db.json_value(campaign["coordinators"]) or [p["id"] for p in people if p["role"] == "coordinator"]
        return {"campaign": campaign, "counts": counts, "people": people, "errors": {}, "kinds": KINDS,
                "chosen": chosen,
                "due_on": campaign["due_on"]} | extra

    @get("/{campaign_id:int}/procesar", opt=allow(MANAGERS))
    async def process_form(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]
                           ) -> Template:
        known_id(campaign_id)
        return render(request, "campaigns/process.html", **await self._process_context(access, campaign_id))

    @post("/{campaign_id:int}/procesar", opt=allow(MANAGERS))
    async def process(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]
                      ) -> Template | Redirect:
        known_id(campaign_id)
        form = await request.form()
        errors: dict[str, str] = {}
        due_on = forms.local_date(_text(form, "due_on", 20), "due_on", errors)
        chosen = [i for i in (forms.optional_id(v) for v in form.getall("coordinators") if isinstance(v, str)) if i] \
            if "coordinators" in form else []
        try:
            if errors:
                raise Invalid(errors=errors)
            await commands.start_processing(access, campaign_id, forms.version(_text(form, "version", 12)), due_on,
                                            chosen, _text(form, "parts_required", 1) == "1")
            await jobs.enqueue("process_campaign", campaign_id)
        except Invalid as invalid:
            context = await self._process_context(access, campaign_id, chosen=chosen, due_on=due_on)
            return render(request, "campaigns/process.html", status_code=422,
                          **context | {"errors": (errors | invalid.errors) or {"form": invalid.detail}})
        return Redirect(f"/campanas/{campaign_id}/procesar", status_code=303)

    @get("/{campaign_id:int}/progreso", opt=allow(MANAGERS))
    async def progress(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]) -> Template:
        known_id(campaign_id)
        return render(request, "campaigns/_progress.html", campaign=await commands.one(access, campaign_id))

    @post("/{campaign_id:int}/repuestos", opt=allow(MANAGERS))
    async def parts(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]) -> Response[Any]:
        known_id(campaign_id)
        form = await request.form()
        unit = forms.optional_id(_text(form, "unit_id", 12))
        await commands.set_parts(access, campaign_id, _text(form, "status", 12), [unit] if unit else None)
        page = forms.optional_id(_text(form, "page", 6)) or 1
        if not request.htmx:
            return Redirect(f"/campanas/{campaign_id}?page={page}", status_code=303)
        return render(request, "campaigns/_units.html", **await self._units_context(access, campaign_id, page))

    @post("/{campaign_id:int}/cerrar", opt=allow(MANAGERS))
    async def close(self, request: HTMXRequest, access: CurrentAccess, campaign_id: FromPath[int]) -> Redirect:
        known_id(campaign_id)
        form = await request.form()
        await commands.close(access, campaign_id, forms.version(_text(form, "version", 12)))
        return Redirect("/campanas", status_code=303)

