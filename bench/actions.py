"""The board's actions the bench times: one entry each, data-driven.

An entry says which POST it is, on which list it is clicked (its tabs give
HX-Current-URL, whose counts the answer sends back out of band), the SQL that
picks target rows of one branch (`$1` branch id, `$2` how many, `$3` ids
already taken by another entry) with every value the form needs, the form's
fields as templates over the picked row, and optionally SQL that makes the
picked rows valid targets (`$1` their ids: a delivery called back to "not
called", an appointment moved to today for the check-in…).

Every target is used once, with the version read just before the timed loop.
Afterwards the bench puts the data back: the target rows are restored from
the snapshot taken before (every column, the version too) and the rows the
actions created since the start (contact attempts, appointments,
opportunities, reminder e-mails, audit events) are deleted, so a data set
can be measured again and again with the same figures.

Adding an action: one entry here (an action whose route does not exist yet
is skipped and reported as such).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import asyncpg

# The branch's local date N days ahead, as the forms' date inputs send it.
_DAY = "to_char((now() AT TIME ZONE b.timezone)::date + {n}, 'YYYY-MM-DD') AS day"
# The first active catalog entry of the row's branch for a purpose (offset: its place among them).
_OUTCOME = ("(SELECT id FROM call_outcome WHERE branch = {t}.branch AND active AND purpose IN ({purposes}) "
            "ORDER BY position, id OFFSET {offset} LIMIT 1) AS outcome_id")
_ATTEMPT = "'attempt', 'any'"  # offset 3: "No contesta"
_OPEN_OPPORTUNITIES = """
  FROM opportunity o JOIN branch b ON b.id = o.branch
 WHERE o.branch = $1 AND o.status = 'open' AND NOT o.id = ANY($3::int[]) {extra}
 ORDER BY ABS(EXTRACT(EPOCH FROM o.due_at - now())), o.id
 LIMIT $2"""  # the rows closest to today first: those the user sees in the list


@dataclass(frozen=True, eq=False)  # hashed by identity: one entry, one action
class Action:
    key: str  # "oportunidades/intento"
    path: str  # "/oportunidades/{id}/intento": {id} is the picked row's id
    list_key: str  # the list it is clicked on (app.board.registry key)
    table: str | None  # the target rows' table (snapshot → restore); None: the action only inserts
    pick: str
    form: dict[str, str]  # POST fields; "{name}" takes the picked row's column
    prepare: str | None = None
    form_query: str = ""  # the query string of the form's GET ("?vehiculo={vehicle_id}…")

    def post_path(self, row: dict[str, Any]) -> str:
        return self.path.format(**row)

    def form_path(self, row: dict[str, Any]) -> str:
        return self.path.format(**row) + self.form_query.format(**row)

    def body(self, row: dict[str, Any], csrf: str) -> bytes:
        fields = {name: value.format(**row) for name, value in self.form.items()}
        return urlencode({**fields, "_csrf_token": csrf}).encode()

    @property
    def route(self) -> str:
        """The path as a pattern, to find it among the app's routes."""
        return re.sub(r"\{[^}]*\}", "{}", self.path)


ACTIONS: tuple[Action, ...] = (
    Action(
        "oportunidades/intento", "/oportunidades/{id}/intento", "oportunidades", "opportunity",
        f"SELECT o.id, o.version, {_OUTCOME.format(t='o', purposes=_ATTEMPT, offset=3)}"
        + _OPEN_OPPORTUNITIES.format(extra="AND o.attempt_count < b.attempt_limit - 1"),
        {"version": "{version}", "outcome_id": "{outcome_id}", "time_slot": "morning", "channel": "phone",
         "comment": "No atiende; se deja mensaje"},
    ),
    Action(
        "oportunidades/replanificar", "/oportunidades/{id}/replanificar", "oportunidades", "opportunity",
        f"SELECT o.id, o.version, {_DAY.format(n=3)}" + _OPEN_OPPORTUNITIES.format(extra=""),
        {"version": "{version}", "day": "{day}", "time": "10:30", "comment": "Pidió que lo llamen el jueves"},
    ),
    Action(
        "oportunidades/turno", "/oportunidades/{id}/turno", "oportunidades", "opportunity",
        f"SELECT o.id, o.version, {_DAY.format(n=2)}" + _OPEN_OPPORTUNITIES.format(extra="AND o.vehicle IS NOT NULL"),
        {"version": "{version}", "day": "{day}", "time": "11:00", "comment": "", "same_day_ok": "1"},
    ),
    Action(
        "oportunidades/descartar", "/oportunidades/{id}/descartar", "oportunidades", "opportunity",
        "SELECT o.id, o.version, (SELECT id FROM discard_reason WHERE branch = o.branch AND active "
        "ORDER BY position, id LIMIT 1) AS reason_id" + _OPEN_OPPORTUNITIES.format(extra=""),
        {"version": "{version}", "reason_id": "{reason_id}", "comment": "Lo atiende otro taller"},
    ),
    Action(
        "oportunidades/nueva", "/oportunidades/nueva", "oportunidades", None,
        f"""SELECT v.id AS vehicle_id, {_DAY.format(n=5)}
              FROM vehicle v JOIN branch b ON b.id = v.branch
             WHERE v.branch = $1 AND v.owner IS NOT NULL AND NOT v.id = ANY($3::int[])
               AND NOT EXISTS (SELECT 1 FROM opportunity o WHERE o.vehicle = v.id AND o.kind = 'manual'
                                  AND o.status = 'open' AND o.campaign IS NULL)
             ORDER BY v.id DESC LIMIT $2""",
        {"vehicle_id": "{vehicle_id}", "kind": "manual", "day": "{day}", "time": "10:00",
         "reason": "Pidió que lo llamen", "delivery_id": "", "repair_order_id": "", "from_list": "oportunidades",
         "from_row": ""},
        form_query="?vehiculo={vehicle_id}&desde=oportunidades",
    ),
    Action(
        "entregas/bienvenida", "/entregas/{id}/bienvenida", "entregas", "delivery",
        f"""SELECT d.id, d.version, {_OUTCOME.format(t='d', purposes="'welcome'", offset=0)}
              FROM delivery d WHERE d.branch = $1 AND NOT d.id = ANY($3::int[])
             ORDER BY d.welcome_call_status = 'pending' DESC, d.delivered_at DESC LIMIT $2""",
        {"version": "{version}", "outcome_id": "{outcome_id}", "comment": "Conforme con la unidad"},
        prepare="""UPDATE delivery SET welcome_call_status = 'pending', welcome_call_outcome = NULL,
                          welcome_called_at = NULL, welcome_called_by = NULL, welcome_call_comment = ''
                    WHERE id = ANY($1::int[]) AND welcome_call_status <> 'pending'""",
    ),
    Action(
        "turnos/recordatorio", "/turnos/{id}/recordatorio", "turnos", "appointment",
        """SELECT a.id, a.version FROM appointment a JOIN customer c ON c.id = a.customer
            WHERE a.branch = $1 AND a.status IN ('scheduled', 'confirmed') AND a.starts_at > now() + INTERVAL '2 hours'
              AND c.email LIKE '%_@_%._%' AND NOT c.email_opt_out AND NOT a.id = ANY($3::int[])
            ORDER BY a.starts_at, a.id LIMIT $2""",
        {"version": "{version}"},
    ),
    Action(
        "turnos/confirmar", "/turnos/{id}/confirmar", "turnos", "appointment",
        """SELECT a.id, a.version FROM appointment a
            WHERE a.branch = $1 AND a.status IN ('scheduled', 'confirmed') AND a.starts_at > now()
              AND NOT a.id = ANY($3::int[])
            ORDER BY a.status = 'scheduled' DESC, a.starts_at, a.id LIMIT $2""",
        {"version": "{version}", "comment": "Confirmó por teléfono"},
        prepare="""UPDATE appointment SET status = 'scheduled', confirmed_at = NULL, confirmed_by = NULL,
                          confirmation_comment = ''
                    WHERE id = ANY($1::int[]) AND status = 'confirmed'""",
    ),
    Action(
        "turnos/ingreso", "/turnos/{id}/ingreso", "turnos", "appointment",
        """SELECT a.id, a.version FROM appointment a JOIN branch b ON b.id = a.branch
            WHERE a.branch = $1 AND a.status IN ('scheduled', 'confirmed', 'arrived')
              AND a.starts_at >= now() - INTERVAL '1 day' AND NOT a.id = ANY($3::int[])
            ORDER BY (a.starts_at AT TIME ZONE b.timezone)::date = (now() AT TIME ZONE b.timezone)::date DESC,
                     a.starts_at, a.id LIMIT $2""",
        {"version": "{version}"},
        # today's appointments are few (and none left at night): the picked ones are moved to today at noon
        prepare="""UPDATE appointment a SET status = 'scheduled', arrived_at = NULL, check_in_source = '',
                          starts_at = ((now() AT TIME ZONE b.timezone)::date + TIME '12:00') AT TIME ZONE b.timezone
                     FROM branch b WHERE b.id = a.branch AND a.id = ANY($1::int[])""",
    ),
    Action(
        "turnos/recontacto", "/turnos/{id}/recontacto", "turnos", "appointment",
        f"""SELECT a.id, a.version, {_OUTCOME.format(t='a', purposes=_ATTEMPT, offset=3)}
              FROM appointment a
             WHERE a.branch = $1 AND a.status = 'no_show' AND a.starts_at < now() - INTERVAL '2 days'
               AND NOT a.id = ANY($3::int[])
             ORDER BY a.starts_at DESC, a.id DESC LIMIT $2""",
        {"version": "{version}", "outcome_id": "{outcome_id}", "comment": "No contesta", "next_step": "none",
         "day": "", "time": ""},
    ),
    Action(
        "en-proceso/entregada", "/en-proceso/{id}/entregada", "en-proceso", "repair_order",
        """SELECT r.id, r.version FROM repair_order r
            WHERE r.branch = $1 AND r.status IN ('open', 'delivered') AND NOT r.id = ANY($3::int[])
            ORDER BY r.status = 'open' DESC, r.opened_at DESC, r.id DESC LIMIT $2""",
        {"version": "{version}"},
        prepare="""UPDATE repair_order SET status = 'open', delivered_at = NULL, delivered_by = NULL
                    WHERE id = ANY($1::int[]) AND status <> 'open'""",
    ),
    Action(
        "realizados/cortesia", "/realizados/{id}/cortesia", "realizados", "repair_order",
        f"""SELECT r.id, r.version, {_OUTCOME.format(t='r', purposes="'courtesy'", offset=0)}
              FROM repair_order r
             WHERE r.branch = $1 AND r.status = 'delivered' AND r.courtesy_call_status = 'pending'
               AND NOT r.id = ANY($3::int[])
             ORDER BY r.delivered_at DESC, r.id DESC LIMIT $2""",
        {"version": "{version}", "outcome_id": "{outcome_id}", "comment": "Conforme con el servicio"},
    ),
)

# What the actions insert; deleted after a measurement (rows of bench users since its start).
CLEANUP = (
    'DELETE FROM contact_attempt WHERE created_at >= $1 AND "user" = ANY($2::int[])',
    "DELETE FROM outbox_message WHERE created_at >= $1 AND entity = 'appointment'",
    "DELETE FROM appointment WHERE created_at >= $1 AND created_by = ANY($2::int[])",
    "DELETE FROM opportunity WHERE created_at >= $1 AND created_by = ANY($2::int[])",
    "DELETE FROM audit_event WHERE created_at >= $1",
)


def available(route_paths: Iterable[str]) -> tuple[list[Action], list[str]]:
    """The entries whose POST route exists in the app, and the keys of those skipped."""
    routes = {re.sub(r"\{[^}]*\}", "{}", path) for path in route_paths}
    present = [a for a in ACTIONS if a.route in routes]
    return present, [a.key for a in ACTIONS if a.route not in routes]


@dataclass
class Target:
    action: Action
    branch_id: int
    row: dict[str, Any]


@dataclass
class Plan:
    """Picked targets and what to put back afterwards."""

    started: dt.datetime
    targets: list[Target] = field(default_factory=list)
    snapshots: dict[str, list[asyncpg.Record]] = field(default_factory=dict)


async def pick(conn: asyncpg.Connection, action: Action, branch_id: int, count: int,
               taken: set[int]) -> list[dict[str, Any]]:
    rows = await conn.fetch(action.pick, branch_id, count, sorted(taken))
    return [dict(r) for r in rows]


async def plan(conn: asyncpg.Connection, wanted: dict[Action, dict[int, int]]) -> Plan:
    """Picks the targets (`wanted`: action → branch id → how many), snapshots their rows, makes them
    valid targets (prepare) and reads their current versions. Targets of one table never overlap."""
    started = await conn.fetchval("SELECT now()")
    result = Plan(started)
    taken: dict[str, set[int]] = {}
    by_action: dict[Action, list[Target]] = {}
    for action, per_branch in wanted.items():
        used = taken.setdefault(action.table or f"-{action.key}", set())
        for branch_id, count in per_branch.items():
            for row in await pick(conn, action, branch_id, count, used):
                used.add(row.get("id") or row.get("vehicle_id") or 0)
                by_action.setdefault(action, []).append(Target(action, branch_id, row))
    for table in {a.table for a in by_action if a.table}:
        ids = sorted(taken[table])
        result.snapshots[table] = list(await conn.fetch(f'SELECT * FROM "{table}" WHERE id = ANY($1::int[])', ids))
    for action, targets in by_action.items():
        if action.prepare:
            await conn.execute(action.prepare, [t.row["id"] for t in targets])
        if action.table:
            versions = dict(await conn.fetch(f'SELECT id, version FROM "{action.table}" WHERE id = ANY($1::int[])',
                                             [t.row["id"] for t in targets]))
            for t in targets:
                t.row["version"] = versions[t.row["id"]]
        result.targets += targets
    return result


async def restore(conn: asyncpg.Connection, done: Plan, users: list[int]) -> dict[str, int]:
    """Puts the data back as it was before `plan()`: the target rows, every column; the rows the
    actions inserted, deleted. Returns how many rows of each kind were touched."""
    touched: dict[str, int] = {}
    async with conn.transaction():
        for statement in CLEANUP:
            table = statement.split()[2]
            args = (done.started, users) if "$2" in statement else (done.started,)
            touched[f"{table} (deleted)"] = int((await conn.execute(statement, *args)).split()[-1])
        for table, rows in done.snapshots.items():
            if not rows:
                continue
            columns = [c for c in dict(rows[0]) if c != "id"]
            assignments = ", ".join(f'"{c}" = ${n}' for n, c in enumerate(columns, start=2))
            await conn.executemany(f'UPDATE "{table}" SET {assignments} WHERE id = $1',
                                   [(r["id"], *(r[c] for c in columns)) for r in rows])
            touched[f"{table} (restored)"] = len(rows)
    return touched


def spread(branches: list[int], count: int) -> dict[int, int]:
    """`count` targets over the branches, as evenly as possible (at least one each when count allows)."""
    per, extra = divmod(count, len(branches))
    return {b: per + (1 if i < extra else 0) for i, b in enumerate(branches) if per or i < extra}


def interleave(targets: list[Target]) -> list[Target]:
    """Round-robin over the branches, so consecutive requests are of different users."""
    by_branch: dict[int, list[Target]] = {}
    for t in targets:
        by_branch.setdefault(t.branch_id, []).append(t)
    out: list[Target] = []
    queues = list(by_branch.values())
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out
