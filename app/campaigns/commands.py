"""Campaign commands: the three wizard steps, the processing job, and parts.

Step 1 saves the search and the units it found (a draft campaign); step 2
chooses units; step 3 queues `process_campaign`, which turns each chosen unit
into one opportunity, spread over the chosen coordinators. Running it again
(or after a worker died) creates nothing twice: a unit that already has its
opportunity is skipped, and the database allows one open or held opportunity
per vehicle, kind and campaign. A recall that needs parts keeps its
opportunities "held" (off the board) until the parts are marked available.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from app import db, scope
from app.audit import Actor, record
from app.auth.access import Access
from app.board.common import bump
from app.campaigns import queries
from app.dms.bulk import Bulk
from app.errors import Invalid
from app.rules import campaigns as rules
from app.tables import Branch, Campaign, CampaignUnit, Opportunity, PartsStatus, ProcessStatus

log = logging.getLogger("retorno.campaigns")
CHUNK = 2_000
OFFICE_HOUR = dt.time(9, 0)  # campaign opportunities fall due at the start of the office day


async def create(access: Access, kind: str, name: str, bulletin_code: str, description: str,
                 criteria: rules.Criteria, vin_list: rules.ReadList, plate_list: rules.ReadList) -> int:
    """Step 1: the draft campaign, with the units the search found."""
    assert access.branch is not None
    branch = access.branch
    found = await queries.find_units(branch.id, branch.timezone, criteria)
    if not found.vehicles:
        raise Invalid("La búsqueda no encontró unidades con cliente: revise los filtros.")
    not_found = {"unknown_vins": found.unknown_vins, "unknown_plates": found.unknown_plates,
                 "malformed_vins": vin_list.malformed, "malformed_plates": plate_list.malformed,
                 "without_owner": found.without_owner}
    async with db.write_transaction() as transaction:
        campaign = Campaign(branch=branch.id, kind=kind, name=name, bulletin_code=bulletin_code,
                            description=description, criteria=_criteria_json(criteria), not_found=not_found,
                            created_by=access.user_id)
        await campaign.save()
        bulk = Bulk(transaction)
        now = dt.datetime.now(dt.UTC)
        await bulk.insert("campaign_unit", ("branch", "campaign", "vehicle", "selected", "parts_status", "created_at"),
                          [(branch.id, campaign.id, v["id"], True, PartsStatus.not_needed.value, now)
                           for v in found.vehicles])
        await record(Actor.of(access), "campaign.create", entity="campaign", entity_id=campaign.id,
                     branch_id=branch.id, after={"kind": kind, "name": name, "units": len(found.vehicles),
                                                 "not_found": {k: len(v) if isinstance(v, list) else v
                                                               for k, v in not_found.items()}})
    return campaign.id


def _criteria_json(c: rules.Criteria) -> dict[str, Any]:
    """What the manager asked, to show again (the lists by their size: they can be 50,000 long)."""
    values = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(c).items()
              if k not in ("vins", "plates") and v not in (None, "")}
    return values | {"vins": len(c.vins), "plates": len(c.plates)}


async def one(access: Access, campaign_id: int) -> dict[str, Any]:
    return await scope.one(Campaign, access, campaign_id)


async def choose(access: Access, campaign_id: int, selected: bool, unit_ids: list[int] | None) -> None:
    """Step 2: choose (or leave out) some units, or all when `unit_ids` is None. Units already processed
    keep their opportunity whatever is chosen."""
    campaign = await one(access, campaign_id)
    where = (CampaignUnit.campaign == campaign["id"]) & CampaignUnit.opportunity.is_null()
    if unit_ids is not None:
        where &= CampaignUnit.id.is_in(unit_ids or [0])
    async with db.write_transaction():
        await CampaignUnit.update({CampaignUnit.selected: selected}).where(where)


async def start_processing(access: Access, campaign_id: int, version: int, due_on: dt.date | None,
                           coordinator_ids: list[int], parts_required: bool) -> None:
    """Step 3: check and save the choices; the caller queues `process_campaign`."""
    campaign = await one(access, campaign_id)
    allowed = {c["id"] for c in await queries.coordinators(campaign["branch"])}
    chosen = [i for i in dict.fromkeys(coordinator_ids) if i in allowed]
    branch = await Branch.select(Branch.timezone).where(Branch.id == campaign["branch"]).first()
    assert branch is not None
    _, counts = await queries.units(campaign_id, 1)
    errors = rules.check_processing(due_on, queries.today_in(branch["timezone"]), chosen, counts["selected"])
    if errors:
        raise Invalid(errors=errors)
    if campaign["process_status"] in (ProcessStatus.queued.value, ProcessStatus.running.value):
        raise Invalid("Esta campaña ya se está procesando: espere a que termine.")
    parts_status = campaign["parts_status"]
    if parts_required and parts_status == PartsStatus.not_needed.value:
        parts_status = PartsStatus.ordered.value
    elif not parts_required:
        parts_status = PartsStatus.not_needed.value
    async with db.write_transaction():
        await bump(Campaign, campaign_id, version, {
            Campaign.due_on: due_on, Campaign.coordinators: chosen, Campaign.parts_required: parts_required,
            Campaign.parts_status: parts_status, Campaign.process_status: ProcessStatus.queued.value,
            Campaign.process_total: counts["selected"] - counts["processed"], Campaign.process_done: 0,
            Campaign.process_created: 0, Campaign.process_message: "", Campaign.updated_at: dt.datetime.now(dt.UTC)})
        if parts_required:  # units not marked otherwise wait for the campaign's parts
            await CampaignUnit.update({CampaignUnit.parts_status: parts_status}).where(
                (CampaignUnit.campaign == campaign_id) & (CampaignUnit.parts_status == PartsStatus.not_needed.value))
        await record(Actor.of(access), "campaign.process", entity="campaign", entity_id=campaign_id,
                     branch_id=campaign["branch"], after={"due_on": due_on.isoformat() if due_on else None,
                                                          "coordinators": chosen, "parts_required": parts_required})


async def process_campaign(ctx: dict[str, Any], campaign_id: int) -> str:
    """The job: one opportunity per chosen unit that has none, in chunks, with progress."""
    claimed = await Campaign.update({Campaign.process_status: ProcessStatus.running.value}).where(
        (Campaign.id == campaign_id)
        & Campaign.process_status.is_in([ProcessStatus.queued.value, ProcessStatus.running.value])
    ).returning(Campaign.branch, Campaign.kind, Campaign.name, Campaign.bulletin_code, Campaign.due_on,
                Campaign.coordinators, Campaign.parts_required)
    if not claimed:
        return "not queued"
    campaign = claimed[0]
    try:
        created = await _process(campaign_id, campaign)
    except Exception:
        log.exception("campaign %s failed", campaign_id)
        message = ("El proceso se interrumpió por un error interno; lo hecho quedó guardado. "
                   "Vuelva a procesar: no se duplica nada.")
        await Campaign.update({Campaign.process_status: ProcessStatus.failed.value,
                               Campaign.process_message: message}).where(Campaign.id == campaign_id)
        raise
    await Campaign.update({Campaign.process_status: ProcessStatus.done.value, Campaign.status: "active",
                           Campaign.processed_at: dt.datetime.now(dt.UTC)}).where(Campaign.id == campaign_id)
    return f"{created} created"


async def _process(campaign_id: int, campaign: dict[str, Any]) -> int:
    branch = await Branch.select(Branch.timezone).where(Branch.id == campaign["branch"]).first()
    assert branch is not None
    tz = ZoneInfo(branch["timezone"])
    due_at = dt.datetime.combine(campaign["due_on"], OFFICE_HOUR, tz).astimezone(dt.UTC)
    people = db.json_value(campaign["coordinators"]) or []
    already = await CampaignUnit.count().where((CampaignUnit.campaign == campaign_id)
                                               & CampaignUnit.opportunity.is_not_null())
    pending = await CampaignUnit.select(CampaignUnit.id, CampaignUnit.vehicle, CampaignUnit.parts_status).where(
        (CampaignUnit.campaign == campaign_id) & CampaignUnit.selected.eq(True)
        & CampaignUnit.opportunity.is_null()).order_by(CampaignUnit.id)
    reason = f"{campaign['name']} ({campaign['bulletin_code']})" if campaign["bulletin_code"] else campaign["name"]
    created = done = 0
    assigned = rules.round_robin(pending, people)
    for _ in range(0, len(pending), CHUNK):
        chunk = [next(assigned) for _ in range(min(CHUNK, len(pending) - done))]
        async with db.write_transaction() as transaction:
            created += await _write_chunk(Bulk(transaction), campaign_id, campaign, chunk, due_at, reason)
        done += len(chunk)
        await Campaign.update({Campaign.process_done: done, Campaign.process_created: created}).where(
            Campaign.id == campaign_id)
    log.info("campaign %s: %s units before, %s created now", campaign_id, already, created)
    return created


async def _write_chunk(bulk: Bulk, campaign_id: int, campaign: dict[str, Any],
                       chunk: list[tuple[dict[str, Any], int | None]], due_at: dt.datetime, reason: str) -> int:
    """Opportunities for a chunk of units; a vehicle that already has this campaign's open or held
    opportunity (a run cut off before it linked the unit) gets linked to it instead."""
    branch_id = campaign["branch"]
    vehicles = [unit["vehicle"] for unit, _ in chunk]
    owners = {r["id"]: r["owner"] for r in await bulk.where_in("vehicle", '"id", "owner"', branch_id, "id", vehicles)}
    existing = {r["vehicle"]: r["id"] for r in await bulk.where_in(
        "opportunity", '"id", "vehicle"', branch_id, "vehicle", vehicles,
        ' AND "campaign" = ? AND "status" IN (\'open\', \'held\')', campaign_id)}
    new = [(unit, person) for unit, person in chunk
           if unit["vehicle"] not in existing and owners.get(unit["vehicle"]) is not None]
    ids = await bulk.new_ids("opportunity", len(new))
    now = dt.datetime.now(dt.UTC)
    await bulk.insert("opportunity", (
        "id", "branch", "customer", "vehicle", "kind", "source", "reason", "due_at", "status", "campaign",
        "assigned_to", "created_at", "updated_at"), [
        (opp_id, branch_id, owners[unit["vehicle"]], unit["vehicle"], campaign["kind"], "campaign", reason[:300],
         due_at, rules.opportunity_status(campaign["parts_required"], unit["parts_status"]), campaign_id, person,
         now, now)
        for opp_id, (unit, person) in zip(ids, new, strict=True)])
    links = [(opp_id, unit["id"]) for opp_id, (unit, _) in zip(ids, new, strict=True)]
    links += [(existing[unit["vehicle"]], unit["id"]) for unit, _ in chunk if unit["vehicle"] in existing]
    await bulk.execute_many('UPDATE "campaign_unit" SET "opportunity" = ? WHERE "id" = ?', links)
    return len(new)


async def set_parts(access: Access, campaign_id: int, status: str, unit_ids: list[int] | None = None) -> int:
    """Parts for the whole campaign (or some units): not needed, ordered, available. Ordered holds the
    opportunities nobody has called yet; available (or not needed) releases the held ones onto the
    board. Returns how many opportunities moved."""
    campaign = await one(access, campaign_id)  # another branch's campaign is a 404 before any 422
    if status not in {s.value for s in PartsStatus}:
        raise Invalid("Estado de repuestos desconocido.")
    if unit_ids is not None and (not campaign["parts_required"] or status == PartsStatus.not_needed.value):
        raise Invalid("Marque primero que la campaña necesita repuestos.")
    hold = status == PartsStatus.ordered.value
    where = CampaignUnit.campaign == campaign_id
    if unit_ids is not None:
        where &= CampaignUnit.id.is_in(unit_ids or [0])
    now = dt.datetime.now(dt.UTC)
    async with db.write_transaction():
        units = await CampaignUnit.update({CampaignUnit.parts_status: status}).where(where).returning(
            CampaignUnit.opportunity)
        ids = [u["opportunity"] for u in units if u["opportunity"]] or [0]
        movable = Opportunity.id.is_in(ids)
        if hold:  # someone already talking to the customer keeps the opportunity on the board
            movable &= (Opportunity.status == rules.OPEN) & (Opportunity.attempt_count == 0)
        else:
            movable &= Opportunity.status == rules.HELD
        moved = await Opportunity.update({Opportunity.status: rules.HELD if hold else rules.OPEN,
                                          Opportunity.updated_at: now,
                                          Opportunity.version: Opportunity.version + 1}).where(movable).returning(
            Opportunity.id)
        if unit_ids is None:
            await Campaign.update({Campaign.parts_status: status,
                                   Campaign.parts_required: status != PartsStatus.not_needed.value,
                                   Campaign.updated_at: now, Campaign.version: Campaign.version + 1}).where(
                Campaign.id == campaign_id)
        await record(Actor.of(access), "campaign.parts", entity="campaign", entity_id=campaign_id,
                     branch_id=campaign["branch"], after={"parts": status, "units": len(units),
                                                          "opportunities": len(moved)})
    return len(moved)


async def close(access: Access, campaign_id: int, version: int) -> None:
    campaign = await one(access, campaign_id)
    async with db.write_transaction():
        await bump(Campaign, campaign_id, version, {Campaign.status: "closed",
                                                    Campaign.updated_at: dt.datetime.now(dt.UTC)})
        await record(Actor.of(access), "campaign.close", entity="campaign", entity_id=campaign_id,
                     branch_id=campaign["branch"])
