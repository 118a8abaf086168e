"""An appointment booked in the DMS books the vehicle's open opportunities.

The customer phoned the workshop, or the DMS's own agenda took the booking:
the reason to call them is met, and a coordinator who still sees the
opportunity as open would call a customer who already has a turno. The
opportunities close as "booked" (as with Turno vendido on the board) and the
appointment points at the earliest one. Only appointments that are still to
come and not cancelled book anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.audit import Actor, record
from app.dms.bulk import Bulk
from app.rules.opportunities import BOOKED, OPEN

DMS = Actor(None, "DMS", None)
BOOKING = ("scheduled", "confirmed")
PAST_GRACE = dt.timedelta(hours=12)  # an appointment typed in after the customer came in the morning still counts


async def book_open_opportunities(bulk: Bulk, branch_id: int, now: dt.datetime,
                                  appointments: list[dict[str, Any]]) -> int:
    """`appointments`: rows just created from the DMS (id, vehicle, starts_at, status). Returns how many
    opportunities were booked."""
    coming = [a for a in appointments if a.get("status", "scheduled") in BOOKING and a["starts_at"] >= now - PAST_GRACE]
    if not coming:
        return 0
    found = await bulk.where_in("opportunity", '"id", "vehicle", "due_at", "status"', branch_id, "vehicle",
                                (a["vehicle"] for a in coming), ' AND "status" = ?', OPEN)
    by_vehicle: dict[int, list[dict[str, Any]]] = {}
    for opportunity in sorted(found, key=lambda o: (o["due_at"], o["id"])):
        by_vehicle.setdefault(opportunity["vehicle"], []).append(opportunity)
    booked, links = [], []
    for appointment in coming:
        opportunities = by_vehicle.pop(appointment["vehicle"], [])
        if opportunities:
            links.append((opportunities[0]["id"], appointment["id"]))
            booked += [(o["id"], appointment) for o in opportunities]
    await bulk.execute_many(
        'UPDATE "opportunity" SET "status" = ?, "closed_at" = ?, "updated_at" = ?, "version" = "version" + 1 '
        'WHERE "id" = ? AND "status" = ?', [(BOOKED, now, now, opp_id, OPEN) for opp_id, _ in booked])
    await bulk.execute_many('UPDATE "appointment" SET "opportunity" = ? WHERE "id" = ?', links)
    for opp_id, appointment in booked:
        await record(DMS, "opportunity.book", entity="opportunity", entity_id=opp_id, branch_id=branch_id,
                     before={"status": OPEN}, after={"status": BOOKED, "appointment": appointment["id"],
                                                     "starts_at": appointment["starts_at"].isoformat()})
    return len(booked)
