"""The mixed load: what the whole group does to one 2-core box.

Two app processes (uvicorn, one worker each, separate ports, sessions in the
same Redis, the same secret key), every bench coordinator signed in once (one
per branch), and an open-loop load generator: requests are sent at Poisson
arrival times averaging `rate` per second, whether or not the previous ones
have been answered (a closed loop would slow down with the server and hide
the queueing), alternating between the two processes. The board's mix:

  55 %  list partials: a random list, tab, page 1 or 2; one in five with a search
  20 %  the home's counts partial
  10 %  an action's form into the panel
  10 %  an action's POST, each on a fresh target row (bench.actions; data put back afterwards)
   5 %  the customer page

End-to-end times run from the moment a request was due to be sent to the end
of its answer, so a late load generator counts against us, not for us. The
generator is a minimal keep-alive HTTP/1.1 client on asyncio streams and
uvloop in this process (httpx cost ~2 ms of CPU per request, 15-20 % of
what the box spent): it shares the two cores with the app, PostgreSQL and
Redis; its CPU time is reported next to theirs, and the machine's whole CPU
time too (another process on the box shows as the difference).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench import actions as bench_actions
from bench import load
from bench.board import Board
from bench.common import app_environment, free_port

MIX = (("list", 0.55), ("home", 0.20), ("form", 0.10), ("action", 0.10), ("customer", 0.05))
SEARCHES = ("gonz", "mart", "rodr", "lopez", "garc", "pere", "sanchez", "AB1", "4411")
TARGET_P95_MS = 50.0
CUSTOMERS_PER_BRANCH = 25


@dataclass
class Request:
    kind: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None
    due: float = 0.0


@dataclass
class Outcome:
    kind: str
    port: int
    status: int  # 0: no answer (the exception's name in error)
    ok: bool
    total_ms: float  # from when it was due
    lag_ms: float  # how late it left
    error: str = ""
    server_ms: float | None = None  # Server-Timing: the app's own time (the rest is queueing and transport)
    at: float = 0.0  # seconds since the start, when it was due


def proc_cpu(pids: list[int] | None = None, name: str | None = None) -> dict[int, float]:
    """CPU seconds (user + system) of the given processes, or of every process with that command name."""
    out = {}
    for pid in pids if pids is not None else [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue
        comm, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw.rsplit(")", 1)[1].split()
        if name is None or comm == name:
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def machine_cpu() -> float:
    """CPU seconds the whole machine spent busy (all cores, every process) since boot: /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Mix:
    """Builds the requests of the mix (deterministic for a seed)."""

    def __init__(self, board: Board, sessions: dict[int, Any], ports: list[int], targets: list[bench_actions.Target],
                 customers: dict[int, list[int]], seed: int) -> None:
        self.rng = random.Random(seed)
        self.board, self.sessions, self.ports = board, sessions, ports
        self.branches = sorted(sessions)
        self.instances = list(board.instances.values())
        self.fresh: dict[tuple[str, int], list[bench_actions.Target]] = {}
        self.all: dict[str, list[bench_actions.Target]] = {}
        for t in targets:
            self.fresh.setdefault((t.action.key, t.branch_id), []).append(t)
            self.all.setdefault(t.action.key, []).append(t)
        self.customers = customers
        self.count = 0
        kinds = [k for k, _ in MIX if (k != "customer" or board.customer_page) and (
            k not in ("form", "action") or targets)]
        self.kinds, self.weights = kinds, [w for k, w in MIX if k in kinds]

    def _origin(self) -> tuple[int, str]:
        self.count += 1
        port = self.ports[self.count % len(self.ports)]
        return port, f"http://127.0.0.1:{port}"

    def _headers(self, branch_id: int, htmx: bool, current: str | None = None) -> dict[str, str]:
        who = self.sessions[branch_id]
        headers = {"Cookie": who.cookie}
        if htmx:
            headers["HX-Request"] = "true"
        if current:
            headers["HX-Current-URL"] = current
        return headers

    def next(self, gets_only: bool = False) -> Request:
        rng = self.rng
        kind = rng.choices(self.kinds, self.weights)[0]
        if gets_only and kind == "action":
            kind = "list"
        _, origin = self._origin()
        if kind == "action":
            keys = [k for k, left in self.fresh.items() if left]
            if not keys:
                kind = "form"
            else:
                key = rng.choice(keys)
                target = self.fresh[key].pop()
                action = target.action
                who = self.sessions[target.branch_id]
                instance = self.board.instances[action.list_key]
                headers = self._headers(target.branch_id, True, f"{origin}{instance.path}?{instance.listing().query()}")
                headers |= {"Content-Type": "application/x-www-form-urlencoded", "x-csrftoken": who.csrf}
                return Request("action", "POST", origin + action.post_path(target.row), headers,
                               action.body(target.row, who.csrf))
        if kind == "form":
            target = rng.choice(self.all[rng.choice(list(self.all))])
            instance = self.board.instances[target.action.list_key]
            current = f"{origin}{instance.path}?{instance.listing().query()}"
            return Request("form", "GET", origin + target.action.form_path(target.row),
                           self._headers(target.branch_id, True, current))
        branch = rng.choice(self.branches)
        if kind == "home":
            return Request("home", "GET", origin + "/", self._headers(branch, True, origin + "/"))
        if kind == "customer" and self.customers.get(branch):
            return Request("customer", "GET", f"{origin}/clientes/{rng.choice(self.customers[branch])}",
                           self._headers(branch, False))
        instance = rng.choice(self.instances)
        tab = rng.choice(instance.tabs).key
        q = rng.choice(SEARCHES) if rng.random() < 0.2 else ""
        page = 2 if rng.random() < 0.3 else 1
        chosen = instance.listing(tab, q, page)
        current = f"{origin}{instance.path}?{instance.listing(tab).query()}"
        return Request("list", "GET", f"{origin}{instance.path}?{chosen.query()}",
                       self._headers(branch, True, current))


def _due(request: Request, outcome: Outcome) -> Outcome:
    outcome.at = request.due
    return outcome


class Client:
    """Just enough HTTP/1.1 for the bench: keep-alive connections per port, Content-Length or
    chunked bodies. A connection is used by one request at a time; new ones open as needed."""

    def __init__(self) -> None:
        self.idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def request(self, method: str, port: int, path: str, headers: dict[str, str],
                      body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        idle = self.idle.setdefault(port, [])
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        while True:
            reused = bool(idle)
            reader, writer = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            try:
                first = await reader.readline()
            except ConnectionError:
                first = b""
            if first or not reused:
                break
            writer.close()  # the server closed the idle connection (keep-alive timeout): again on another
        try:
            status = int(first.split(b" ", 2)[1])
            got: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                got[name.strip().lower()] = value.strip()
            if "content-length" in got:
                content = await reader.readexactly(int(got["content-length"]))
            elif got.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while size := int((await reader.readline()).split(b";")[0], 16):
                    parts.append(await reader.readexactly(size))
                    await reader.readline()
                await reader.readline()
                content = b"".join(parts)
            else:
                content = await reader.read()
                got["connection"] = "close"
        except BaseException:
            writer.close()
            raise
        if got.get("connection", "").lower() == "close":
            writer.close()
        else:
            idle.append((reader, writer))
        return status, got, content

    def close(self) -> None:
        for connections in self.idle.values():
            for _, writer in connections:
                writer.close()


async def _fire(client: Client, request: Request, loop: asyncio.AbstractEventLoop) -> Outcome:
    sent = loop.time()
    port, path = int(request.url.split(":")[2].split("/")[0]), "/" + request.url.split("/", 3)[3]
    try:
        status, headers, body = await asyncio.wait_for(
            client.request(request.method, port, path, request.headers, request.body), 30)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as error:
        done = loop.time()
        return _due(request, Outcome(request.kind, port, 0, False, (done - request.due) * 1000,
                                     (sent - request.due) * 1000, type(error).__name__))
    done = loop.time()
    ok = status == 200 and (request.kind != "action" or b"panel-done" in body)
    error = "" if ok else f"{request.method} {path} → {status}: {load.text_of(body)[:200]}"
    timing = load.SERVER_TIMING.search(headers.get("server-timing", ""))
    return _due(request, Outcome(request.kind, port, status, ok, (done - request.due) * 1000,
                                 (sent - request.due) * 1000, error, float(timing.group(1)) if timing else None))


async def _drive(mix: Mix, rate: float, seconds: float, gets_only: bool, seed: int) -> tuple[list[Outcome], float]:
    """Sends requests at Poisson arrival times for `seconds`; returns the outcomes and the elapsed time."""
    loop = asyncio.get_running_loop()
    arrivals = random.Random(seed)
    client = Client()
    try:
        start = loop.time() + 0.2
        due, tasks = start, []
        while True:
            due += arrivals.expovariate(rate)
            if due >= start + seconds:
                break
            request = mix.next(gets_only)
            request.due = due
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_fire(client, request, loop)))
        outcomes = await asyncio.gather(*tasks)
        for o in outcomes:
            o.at = o.at - start
        return list(outcomes), loop.time() - start
    finally:
        client.close()


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50_ms": round(load.percentile(values, 50), 2), "p95_ms": round(load.percentile(values, 95), 2),
            "p99_ms": round(load.percentile(values, 99), 2), "max_ms": round(max(values), 2)}


async def _prepare(database: str, board: Board, branches: list[int], per: int, usernames: list[str]
                   ) -> tuple[bench_actions.Plan, list[int], dict[int, list[int]]]:
    conn = await asyncpg.connect(database)
    try:
        users = [r["id"] for r in await conn.fetch("SELECT id FROM app_user WHERE username = ANY($1::text[])",
                                                   usernames)]
        customers: dict[int, list[int]] = {}
        for branch in branches:
            rows = await conn.fetch(
                "SELECT customer FROM (SELECT DISTINCT ON (customer) customer, delivered_at FROM repair_order "
                "WHERE branch = $1 AND status = 'delivered' AND delivered_at > now() - INTERVAL '60 days' "
                "ORDER BY customer, delivered_at DESC) x ORDER BY delivered_at DESC LIMIT $2",
                branch, CUSTOMERS_PER_BRANCH)
            customers[branch] = [r["customer"] for r in rows]
        wanted = {a: dict.fromkeys(branches, per) for a in board.actions}
        return await bench_actions.plan(conn, wanted), users, customers
    finally:
        await conn.close()


async def _restore(database: str, plan: bench_actions.Plan, users: list[int]) -> dict[str, int]:
    conn = await asyncpg.connect(database)
    try:
        return await bench_actions.restore(conn, plan, users)
    finally:
        await conn.close()


def _run_loop(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency of uvicorn[standard]
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run(database: str, var_dir: Path, redis_url: str | None, redis_pid: int | None, secret: str,
        everyone: list[tuple[int, str]], sessions: dict[int, Any], board: Board, s: Any) -> list[dict[str, Any]]:
    from bench.measure import serve, sign_in

    figures = []
    with contextlib.ExitStack() as stack:
        servers = []
        for n in (1, 2):
            port = free_port()
            env = app_environment(database, var_dir / "app", redis_url, port, secret)  # one session store
            servers.append(stack.enter_context(serve(f"mixed-{n}", "app.asgi:create_app", env, port, var_dir)))
        ports = [srv.port for srv in servers]
        for branch_id, username in everyone:  # sessions live in Redis: those signed in before are still valid
            if branch_id not in sessions:
                sessions[branch_id] = sign_in(ports[0], username, branch_id)
        branches = sorted(sessions)
        actions_wanted = 0.10 * s.mixed_rate * s.mixed_seconds * 1.5
        per = math.ceil(actions_wanted / max(1, len(board.actions) * len(branches))) + 1
        plan, users, customers = asyncio.run(_prepare(database, board, branches, per,
                                                      [sessions[b].username for b in branches]))
        try:
            mix = Mix(board, sessions, ports, plan.targets, customers, s.seed)
            if s.mixed_warmup:
                _run_loop(_drive(mix, s.mixed_rate, s.mixed_warmup, True, s.seed + 1))
            pids = [srv.process.pid for srv in servers]
            app_before, pg_before = proc_cpu(pids), proc_cpu(name="postgres")
            redis_before = proc_cpu([redis_pid]) if redis_pid else {}
            me_before = resource.getrusage(resource.RUSAGE_SELF)
            box_before = machine_cpu()
            load_before = os.getloadavg()[0]
            wall = time.monotonic()
            outcomes, elapsed = _run_loop(_drive(mix, s.mixed_rate, s.mixed_seconds, False, s.seed + 2))
            wall = time.monotonic() - wall
            me_after = resource.getrusage(resource.RUSAGE_SELF)
            box = machine_cpu() - box_before
            app_after, pg_after = proc_cpu(pids), proc_cpu(name="postgres")
            redis_after = proc_cpu([redis_pid]) if redis_pid else {}
        finally:
            restored = asyncio.run(_restore(database, plan, users))
    totals = [o.total_ms for o in outcomes]
    by_kind = {}
    for kind, _ in MIX:
        mine = [o for o in outcomes if o.kind == kind]
        if mine:
            served_kind = [o.server_ms for o in mine if o.server_ms is not None]
            by_kind[kind] = {"requests": len(mine), **_stats([o.total_ms for o in mine]),
                             "server_p95_ms": round(load.percentile(served_kind, 95), 2) if served_kind else None,
                             "errors": sum(not o.ok for o in mine)}
    served = [o.server_ms for o in outcomes if o.server_ms is not None]
    timeline = []  # p50/p95 end to end and server-side per 10 s, to see a drift or a stall
    for first in range(0, s.mixed_seconds, 10):
        window = [o for o in outcomes if first <= o.at < first + 10]
        if window:
            timeline.append({"from_s": first, "requests": len(window),
                             "p50_ms": round(load.percentile([o.total_ms for o in window], 50), 1),
                             "p95_ms": round(load.percentile([o.total_ms for o in window], 95), 1),
                             "server_p95_ms": round(load.percentile(
                                 [o.server_ms for o in window if o.server_ms is not None] or [0.0], 95), 1)})
    errors = Counter(str(o.status) if o.status else o.error for o in outcomes if not o.ok)
    cpu = {f"app_{n}": round(app_after.get(pid, 0) - app_before.get(pid, 0), 2)
           for n, pid in enumerate(pids, start=1)}
    cpu["postgres"] = round(sum(v - pg_before.get(pid, 0) for pid, v in pg_after.items()), 2)
    if redis_pid:
        cpu["redis"] = round(redis_after.get(redis_pid, 0) - redis_before.get(redis_pid, 0), 2)
    mine = (me_after.ru_utime - me_before.ru_utime) + (me_after.ru_stime - me_before.ru_stime)
    cpu["load_generator"] = round(mine, 2)
    used = sum(cpu.values())
    figure = {
        "figure": "mixed_load", "processes": 2, "server": "uvicorn --workers 1, two processes on two ports",
        "branches": len(branches), "signed_in_users": len(sessions), "arrivals": "poisson (open loop)",
        "rate_target": s.mixed_rate, "seconds": s.mixed_seconds, "warmup_seconds": s.mixed_warmup,
        "requests": len(outcomes), "achieved_rps": round(len(outcomes) / elapsed, 1),
        "completed_rps": round(sum(o.status != 0 for o in outcomes) / wall, 1),
        **_stats(totals), "mean_ms": round(sum(totals) / len(totals), 2),
        "client_lag_p95_ms": round(load.percentile([o.lag_ms for o in outcomes], 95), 2),
        "client_lag_max_ms": round(max(o.lag_ms for o in outcomes), 2),
        "server_p50_ms": round(load.percentile(served, 50), 2) if served else None,
        "server_p95_ms": round(load.percentile(served, 95), 2) if served else None,
        "by_kind": by_kind, "mix": dict(MIX), "timeline": timeline,
        "by_process": dict(Counter(str(o.port) for o in outcomes)),
        "errors": sum(not o.ok for o in outcomes), "errors_by_status": dict(errors),
        "error_samples": [o.error for o in outcomes if not o.ok][:5],
        "action_targets": len(plan.targets), "restored": restored,
        "cpu_seconds": cpu, "cpu_busy_of_2_cores": round(used / (2 * elapsed), 2),
        "machine_cpu_seconds": round(box, 2), "machine_busy_of_2_cores": round(box / (2 * elapsed), 2),
        "other_processes_cpu_seconds": round(box - used, 2),
        "load_generator_share_of_cpu_used": round(cpu["load_generator"] / used, 3) if used else None,
        "loadavg_1min_before": round(load_before, 2),
        "target_p95_ms": TARGET_P95_MS,
    }
    figure["meets_target"] = figure["p95_ms"] <= TARGET_P95_MS and figure["errors"] == 0
    figures.append(figure)
    return figures
