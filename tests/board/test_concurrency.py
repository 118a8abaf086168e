"""Two users, one row: real concurrent HTTP requests against the same
opportunity with the same version. Exactly one wins; the other gets 409, is
told who did what and sees the fresh row; never two appointments.

Runs on the session's engine (TEST_DATABASE=sqlite|postgres). On PostgreSQL
the other tests hold every request after its read until all have read, and
the losers until the winner committed, so the race is certain, not likely:
the loser's version-guarded UPDATE finds the version changed and writes
nothing (and is told who won, not warned of "another" appointment that day:
the winner's). On SQLite
a write transaction is IMMEDIATE, so the second request waits at BEGIN and
reads the winner's version."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app import db
from app.tables import Appointment, AuditEvent, ContactAttempt, Opportunity
from tests.http import text_of

HX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/oportunidades?tab=hoy"}


def future_day(tz: str, days: int = 2) -> str:
    return (dt.datetime.now(ZoneInfo(tz)).date() + dt.timedelta(days=days)).isoformat()


async def team(make, as_user, size: int = 2):
    branch = await make.branch()
    users = [await make.user("coordinator", [branch], full_name=f"Coordinadora {n}") for n in range(size)]
    clients = [await as_user(u.username) for u in users]
    return branch, users, clients


async def booked_once(opp_id: int) -> None:
    assert await Appointment.count().where(Appointment.opportunity == opp_id) == 1
    row = await Opportunity.select(Opportunity.status, Opportunity.version).where(Opportunity.id == opp_id).first()
    assert row == {"status": "booked", "version": 2}
    assert await AuditEvent.count().where((AuditEvent.entity == "opportunity") & (AuditEvent.entity_id == opp_id)) == 1


def winner_and_losers(responses, users):
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (len(responses) - 1), [(r.status_code, r.text[:300]) for r in responses]
    winner = next(u for u, r in zip(users, responses, strict=True) if r.status_code == 200)
    return winner, [r for r in responses if r.status_code == 409]


def assert_told(loser, winner, opp_id: int, verb: str, fresh: str) -> None:
    message = text_of(loser.text, "result")[0]
    assert re.fullmatch(rf"Se le adelantaron: {winner.full_name} {verb} a las \d\d:\d\d\. Vea cómo quedó\.",
                        message), message
    row = re.search(rf'<tr id="row-opportunity-{opp_id}"[^>]*hx-swap-oob="true".*?</tr>', loser.text, re.S)
    assert row and fresh in row.group(0)


async def test_two_coordinators_book_the_same_opportunity_at_once(as_user, make):
    branch, users, clients = await team(make, as_user)
    for _ in range(5):  # a few rounds: the race must come out the same every time
        opp = await make.opportunity(branch, due_at=dt.datetime.now(dt.UTC))
        data = {"version": "1", "day": future_day(branch.timezone), "time": "10:30"}
        responses = await asyncio.gather(*(c.post(f"/oportunidades/{opp.id}/turno", headers=HX, data=data)
                                           for c in clients))
        winner, [loser] = winner_and_losers(responses, users)
        await booked_once(opp.id)
        assert_told(loser, winner, opp.id, "vendió el turno de esta oportunidad", "Turno vendido")


@pytest.fixture
def read_barrier(monkeypatch):
    """The worst case for the losers: every request reads the row (version 1),
    then the first one to have read runs its command to the end (commit) while
    the others wait, and only then do they go on with what they read. Held
    right after the read (the branch's rules are read next), one second at
    most: on SQLite the second request cannot read before the first commits."""
    from app.board.opportunities import commands

    state = {"expected": 2, "arrived": 0, "timed_out": 0}
    everyone, first_done = asyncio.Event(), asyncio.Event()
    original = commands.common.branch_rules

    async def wait(event: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout=1)
        except TimeoutError:
            state["timed_out"] += 1

    async def held(branch_id: int):
        state["arrived"] += 1
        arrival = state["arrived"]
        if arrival >= state["expected"]:
            everyone.set()
        await wait(everyone)
        if arrival > 1:
            await wait(first_done)
        return await original(branch_id)

    def finishing(command):
        async def run(*args, **kwargs):
            try:
                return await command(*args, **kwargs)
            finally:
                first_done.set()

        return run

    monkeypatch.setattr(commands.common, "branch_rules", held)
    for name in ("book", "discard", "log_attempt"):
        monkeypatch.setattr(commands, name, finishing(getattr(commands, name)))
    return state


@pytest.mark.parametrize("size", [2, 4])
async def test_both_read_before_either_writes_and_still_one_appointment(as_user, make, read_barrier, size):
    branch, users, clients = await team(make, as_user, size)
    read_barrier["expected"] = size
    opp = await make.opportunity(branch, due_at=dt.datetime.now(dt.UTC))
    data = {"version": "1", "day": future_day(branch.timezone), "time": "10:30"}
    responses = await asyncio.gather(*(c.post(f"/oportunidades/{opp.id}/turno", headers=HX, data=data)
                                       for c in clients))
    winner, losers = winner_and_losers(responses, users)
    await booked_once(opp.id)
    for loser in losers:
        assert_told(loser, winner, opp.id, "vendió el turno de esta oportunidad", "Turno vendido")
    if db.is_postgres():
        # Every request read version 1 before any wrote: the version guard, not luck, decided.
        assert read_barrier == {"expected": size, "arrived": size, "timed_out": 0}


async def test_a_booking_and_a_discard_at_once(as_user, make, read_barrier):
    branch, users, clients = await team(make, as_user)
    opp = await make.opportunity(branch, due_at=dt.datetime.now(dt.UTC))
    from app.tables import DiscardReason

    reason = await DiscardReason.select(DiscardReason.id).where(DiscardReason.branch == branch.id).first()
    book = clients[0].post(f"/oportunidades/{opp.id}/turno", headers=HX,
                           data={"version": "1", "day": future_day(branch.timezone), "time": "09:00"})
    discard = clients[1].post(f"/oportunidades/{opp.id}/descartar", headers=HX,
                              data={"version": "1", "reason_id": str(reason["id"])})
    responses = await asyncio.gather(book, discard)
    winner, [loser] = winner_and_losers(responses, users)
    status = (await Opportunity.select(Opportunity.status).where(Opportunity.id == opp.id).first())["status"]
    appointments = await Appointment.count().where(Appointment.opportunity == opp.id)
    if winner is users[0]:
        assert (status, appointments) == ("booked", 1)
        assert_told(loser, winner, opp.id, "vendió el turno de esta oportunidad", "Turno vendido")
    else:
        assert (status, appointments) == ("discarded", 0)
        assert_told(loser, winner, opp.id, "descartó esta oportunidad", "Descartada")


async def test_two_attempts_at_once_count_once(as_user, make, read_barrier):
    branch, users, clients = await team(make, as_user)
    opp = await make.opportunity(branch, due_at=dt.datetime.now(dt.UTC))
    from app.tables import CallOutcome

    outcome = await CallOutcome.select(CallOutcome.id).where(
        (CallOutcome.branch == branch.id) & (CallOutcome.name == "No contesta")).first()
    data = {"version": "1", "outcome_id": str(outcome["id"]), "time_slot": "morning", "channel": "phone"}
    responses = await asyncio.gather(*(c.post(f"/oportunidades/{opp.id}/intento", headers=HX, data=data)
                                       for c in clients))
    winner_and_losers(responses, users)
    assert await ContactAttempt.count().where(ContactAttempt.opportunity == opp.id) == 1
    row = await Opportunity.select(Opportunity.attempt_count).where(Opportunity.id == opp.id).first()
    assert row["attempt_count"] == 1


async def test_two_users_create_the_same_opportunity_at_once(as_user, make):
    branch, _, clients = await team(make, as_user)
    vehicle = await make.vehicle(branch)
    data = {"vehicle_id": str(vehicle.id), "kind": "maintenance", "day": future_day(branch.timezone, 30),
            "time": "10:00"}
    responses = await asyncio.gather(*(c.post("/oportunidades/nueva", headers=HX, data=data) for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 422], [r.text[:300] for r in responses]
    loser = next(r for r in responses if r.status_code == 422)
    assert "ya tiene una oportunidad abierta de este tipo" in text_of(loser.text, "error-kind")[0]
    assert await Opportunity.count().where(Opportunity.vehicle == vehicle.id) == 1
