"""Serves the app and the bare reference (one uvicorn process each), signs in
the bench coordinators, and times what bench.board discovers:

- home: the board home as a full page, as the htmx partial and bare (as before);
- lists: every tab of every registered list (and one search per list) as the
  htmx partial, next to the bare reference rendering the same partial;
  the customer page (full page) when it exists, next to its bare reference;
- actions: every action of bench.actions whose route exists — its form's GET
  into the panel and its POST (htmx: panel + out-of-band row, tabs, strip),
  each POST on a fresh target row with its current version; the data is put
  back afterwards (bench.actions.restore).

Per run and target: `warmup` unrecorded requests, then `requests` one at a
time (server-side time from Server-Timing, client-side time around the
request), then requests/s at 32 connections. The order of the targets is
reversed on every other run, so drift does not favour one side. The mixed
load (bench.mixed) runs afterwards on two app processes of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from bench import actions as bench_actions
from bench import load
from bench.board import Board
from bench.common import PASSWORD, PYTHON, ROOT, app_environment, free_port

CONNECTIONS = 32
CUSTOMERS = 20  # the customer page cycles over this many customers of the bench branch


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    log_path: Path


@dataclass(frozen=True)
class Target:
    variant: str
    server: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Session:
    username: str
    branch_id: int
    cookie: str
    csrf: str


@dataclass(frozen=True)
class Settings:
    """What one bench run measures and how much."""

    parts: tuple[str, ...]
    requests: int
    warmup: int
    runs: int
    seconds: int
    list_seconds: int
    action_requests: int
    list_requests: int
    tool: str
    mixed_rate: float
    mixed_seconds: int
    mixed_warmup: int
    logs: Path | None = None  # where to copy the servers' logs (else they go with the temporary directory)
    seed: int = 42


def _wait_listening(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
            return  # uvicorn listens once the lifespan start-up is done
        time.sleep(0.1)
    server.log.flush()
    raise RuntimeError(f"{server.name} no arrancó:\n{server.log_path.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def serve(name: str, factory: str, env: dict[str, str], port: int, log_dir: Path) -> Iterator[Server]:
    log_path = log_dir / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--timeout-graceful-shutdown", "2", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = Server(name, port, process, log, log_path)
    try:
        _wait_listening(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def private_redis(log_dir: Path) -> Iterator[tuple[str, int]]:
    """A Redis of our own for the sessions (a shared one may be flushed by other test runs)."""
    port = free_port()
    log = (log_dir / "redis.log").open("wb")
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server no arrancó")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def sign_in(port: int, username: str, branch_id: int = 0) -> Session:
    """Signs in like a browser; returns the Cookie header to reuse and the CSRF token."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False, timeout=30) as client:
        client.get("/ingresar").raise_for_status()
        token = client.cookies.get("retorno_csrf")
        if not token:
            raise RuntimeError("GET /ingresar no dejó la cookie CSRF")
        response = client.post("/ingresar", data={"username": username, "password": PASSWORD, "siguiente": "/",
                                                  "_csrf_token": token})
        if response.status_code != 303 or not client.cookies.get("retorno_sesion"):
            raise RuntimeError(f"no pude ingresar como {username}: {response.status_code} {response.text[:300]}")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return Session(username, branch_id, cookie, client.cookies.get("retorno_csrf") or token)


def _button_counts(html: bytes) -> list[str]:
    return re.findall(r'data-test="count">([^<]*)<', html.decode())


_TOKEN = re.compile(rb'(name="_csrf_token" value="|"x-csrftoken": ")[^"]*"')
_NONCE = re.compile(rb'nonce="[^"]*"')


def _masked(body: bytes) -> bytes:
    """A full page without what differs per request or session (the CSRF token, a CSP nonce)."""
    return _NONCE.sub(b'nonce=""', _TOKEN.sub(rb'\1"', body))


def _rows_of(body: bytes) -> int:
    return len(re.findall(rb'<tr id="row-', body))


def _total_of(body: bytes) -> int | None:
    found = re.search(rb'data-test="range">[^<]*? de ([0-9.,\s\xc2\xa0]+)<', body)
    return int(re.sub(rb"\D", b"", found.group(1))) if found else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _seq_figure(seq: load.Sequential) -> dict[str, Any]:
    out = {**load.summary(seq.server_ms),
           **{f"client_{k}": v for k, v in load.summary(seq.client_ms).items() if k != "mean_ms"},
           "requests": len(seq.server_ms), "bytes": len(seq.body),
           "cpu_ms_per_request": _round(seq.cpu_ms_per_request)}
    if seq.query_ms:
        out["query_p50_ms"] = round(load.percentile(seq.query_ms, 50), 2)
        out["query_p95_ms"] = round(load.percentile(seq.query_ms, 95), 2)
    return out


def _load_figure(thr: load.Throughput) -> dict[str, Any]:
    return {"rps": round(thr.rps, 1), "connections": thr.connections, "load_seconds": round(thr.seconds, 2),
            "load_requests": thr.requests, "load_p50_ms": _round(thr.latency_ms.get("p50")),
            "load_p99_ms": _round(thr.latency_ms.get("p99")),
            "load_cpu_ms_per_request": _round(thr.cpu_ms_per_request), "tool": thr.tool}


# --- the home (six counts) ----------------------------------------------------------------------


def measure_home(servers: dict[str, Server], session: Session, s: Settings) -> list[dict[str, Any]]:
    throughput = load.with_wrk if s.tool == "wrk" else load.with_python
    targets = [
        Target("retorno", "retorno", {"Cookie": session.cookie}),
        Target("retorno_htmx", "retorno", {"Cookie": session.cookie, "HX-Request": "true"}),
        Target("bare", "bare", {}),
    ]
    figures: list[dict[str, Any]] = []
    for number in range(1, s.runs + 1):
        order = targets if number % 2 else targets[::-1]
        sequential: dict[str, load.Sequential] = {}
        for target in order:
            server = servers[target.server]
            sequential[target.variant] = load.sequential(server.port, "/", target.headers, s.requests, s.warmup,
                                                         server.process.pid)
        same_bytes = sequential["retorno_htmx"].body == sequential["bare"].body
        counts = _button_counts(sequential["bare"].body)
        if not same_bytes:
            print("  ¡atención! el parcial htmx del inicio y la referencia no devolvieron los mismos bytes")
        loaded: dict[str, load.Throughput] = {}
        for target in order:
            server = servers[target.server]
            loaded[target.variant] = throughput(server.port, "/", target.headers, CONNECTIONS, s.seconds,
                                                server.process.pid)
            if loaded[target.variant].errors:
                raise load.LoadError(f"{target.variant}: {loaded[target.variant].errors} respuestas con error "
                                     "bajo carga")
        for target in targets:
            load.sequential(servers[target.server].port, "/", target.headers, 1, 0)  # still signed in, still 200
        for target in targets:
            figures.append({
                "run": number, "variant": target.variant,
                "page": "htmx partial (HX-Request)" if target.variant == "retorno_htmx" else (
                    "full page" if target.variant == "retorno" else "partial template, bare stack"),
                **_seq_figure(sequential[target.variant]), **_load_figure(loaded[target.variant]),
                "same_bytes_as_bare": same_bytes if target.variant != "retorno" else None,
                "button_counts": counts,
            })
    return figures


# --- the lists and the customer page ------------------------------------------------------------


def measure_lists(servers: dict[str, Server], session: Session, board: Board, customers: list[int],
                  s: Settings) -> list[dict[str, Any]]:
    """Every list target (and the customer page): ours as htmx partial and bare, one at a time
    then at 32 connections. Figures: one per run, target and variant."""
    throughput = load.with_wrk if s.tool == "wrk" else load.with_python
    ours, bare = servers["retorno"], servers["bare"]
    origin = f"http://127.0.0.1:{ours.port}"
    figures: list[dict[str, Any]] = []
    warm = max(10, s.warmup // 3)
    work: list[tuple[dict[str, Any], list[load.Call], list[load.Call], bool]] = []
    for t in board.lists:
        headers = {"Cookie": session.cookie, "HX-Request": "true", "HX-Current-URL": origin + t.current}
        meta = {"figure": "board_list", "list": t.key, "tab": t.tab, "q": t.q, "path": t.path}
        n = warm + s.list_requests
        work.append((meta, [load.Call("GET", t.path, headers)] * n, [load.Call("GET", t.path, {})] * n, False))
    if board.customer_page and customers:
        paths = [f"/clientes/{customers[i % len(customers)]}" for i in range(warm + s.list_requests)]
        meta = {"figure": "board_customer", "list": "clientes", "tab": "", "q": "", "path": paths[-1],
                "customers": len(customers)}
        work.append((meta, [load.Call("GET", p, {"Cookie": session.cookie}) for p in paths],
                     [load.Call("GET", p, {}) for p in paths], True))
    for number in range(1, s.runs + 1):
        started = time.monotonic()
        for meta, our_calls, bare_calls, full_page in (work if number % 2 else work[::-1]):
            pair = [("retorno_htmx" if not full_page else "retorno", ours, our_calls), ("bare", bare, bare_calls)]
            if not number % 2:
                pair.reverse()
            seq = {v: load.sequence(srv.port, calls, warm, srv.process.pid, strict=True) for v, srv, calls in pair}
            ours_seq, bare_seq = seq["retorno" if full_page else "retorno_htmx"], seq["bare"]
            same = (_masked(ours_seq.body) == _masked(bare_seq.body)) if full_page else ours_seq.body == bare_seq.body
            if not same:
                print(f"  ¡atención! {meta['path']}: nuestra respuesta y la referencia difieren "
                      f"({len(ours_seq.body)} / {len(bare_seq.body)} bytes)")
            loaded = {}
            for variant, srv, calls in pair:
                thr = throughput(srv.port, calls[-1].path, calls[-1].headers, CONNECTIONS, s.list_seconds,
                                 srv.process.pid)
                if thr.errors:
                    raise load.LoadError(f"{meta['path']} ({variant}): {thr.errors} respuestas con error bajo carga")
                loaded[variant] = thr
            reference = {**_seq_figure(bare_seq), **_load_figure(loaded["bare"])}
            for variant, _srv, _calls in sorted(pair, key=lambda p: p[0] == "bare"):
                figure = {**_seq_figure(seq[variant]), **_load_figure(loaded[variant])}
                figures.append({
                    **meta, "run": number, "variant": variant,
                    "page": "full page" if full_page and variant != "bare" else (
                        "htmx partial (HX-Request)" if variant != "bare" else "same template, bare stack"),
                    **figure,
                    "rows_on_page": _rows_of(seq[variant].body) if not full_page else None,
                    "total": _total_of(seq[variant].body) if not full_page else None,
                    "same_bytes_as_bare": same,
                    "ratio_to_bare": None if variant == "bare" else {
                        "p50": round(figure["p50_ms"] / reference["p50_ms"], 2),
                        "p95": round(figure["p95_ms"] / reference["p95_ms"], 2),
                        "rps": round(figure["rps"] / reference["rps"], 2),
                    },
                })
            mine, ref = loaded[pair[0][0] if pair[0][0] != "bare" else pair[1][0]], loaded["bare"]
            print(f"    ronda {number} {meta['path'][:44]:<44} p95 {load.percentile(ours_seq.server_ms, 95):6.2f} ms "
                  f"(bare {load.percentile(bare_seq.server_ms, 95):5.2f}) · {mine.rps:5.0f} req/s "
                  f"(bare {ref.rps:5.0f}, {mine.rps / ref.rps:4.2f})", flush=True)
        print(f"  listas, ronda {number}: {time.monotonic() - started:.0f} s", flush=True)
    load.sequential(ours.port, "/", {"Cookie": session.cookie}, 1, 0)  # still signed in after the load
    return figures


# --- the actions --------------------------------------------------------------------------------


def _action_ok(status: int, body: bytes) -> bool:
    return status == 200 and b"panel-done" in body


def measure_actions(servers: dict[str, Server], database: str, sessions: dict[int, Session], board: Board,
                    s: Settings) -> list[dict[str, Any]]:
    """Each action, one request at a time: its form's GET (into the panel) on the targets, then its
    POST once per target. Targets spread over the signed-in branches; the data is put back after
    each action."""
    ours = servers["retorno"]
    origin = f"http://127.0.0.1:{ours.port}"
    branches = sorted(sessions)
    figures: list[dict[str, Any]] = []
    warm = max(5, s.warmup // 10)
    for number in range(1, s.runs + 1):
        for action in (board.actions if number % 2 else board.actions[::-1]):
            instance = board.instances[action.list_key]
            current = f"{origin}{instance.path}?{instance.listing().query()}"
            wanted = {action: bench_actions.spread(branches, s.action_requests + warm)}
            plan, user_ids = asyncio.run(_plan(database, wanted, [sessions[b].username for b in branches]))
            targets = bench_actions.interleave(plan.targets)
            try:
                if len(targets) < warm + 10:
                    figures.append({"figure": "board_action", "run": number, "action": action.key,
                                    "skipped": f"solo {len(targets)} filas candidatas"})
                    continue
                gets, posts = [], []
                for t in targets:
                    who = sessions[t.branch_id]
                    headers = {"Cookie": who.cookie, "HX-Request": "true", "HX-Current-URL": current}
                    gets.append(load.Call("GET", action.form_path(t.row), headers))
                    posts.append(load.Call("POST", action.post_path(t.row), headers | {
                        "Content-Type": "application/x-www-form-urlencoded", "x-csrftoken": who.csrf},
                        action.body(t.row, who.csrf)))
                form = load.sequence(ours.port, gets, warm, ours.process.pid)
                post = load.sequence(ours.port, posts, warm, ours.process.pid, ok=_action_ok)
            finally:
                touched = asyncio.run(_restore(database, plan, user_ids))
            for kind, seq in (("form", form), ("post", post)):
                figures.append({
                    "figure": "board_action", "run": number, "action": action.key, "kind": kind,
                    "method": "GET" if kind == "form" else "POST", "path": action.path, "list": action.list_key,
                    **_seq_figure(seq), "statuses": {str(k): v for k, v in sorted(seq.statuses.items())},
                    "errors": seq.unexpected, "failures": seq.failures, "branches": len({t.branch_id for t in targets}),
                    "restored": touched if kind == "post" else None,
                })
            print(f"    ronda {number} {action.key:<28} POST p95 {load.percentile(post.server_ms, 95):6.2f} ms, "
                  f"formulario p95 {load.percentile(form.server_ms, 95):6.2f} ms; {len(targets)} filas"
                  + (f"; ¡{figures[-1]['errors']} con error! {post.failures[:1]}" if figures[-1]["errors"] else ""),
                  flush=True)
    return figures


async def _plan(database: str, wanted: dict[bench_actions.Action, dict[int, int]],
                usernames: list[str]) -> tuple[bench_actions.Plan, list[int]]:
    conn = await asyncpg.connect(database)
    try:
        users = [r["id"] for r in await conn.fetch("SELECT id FROM app_user WHERE username = ANY($1::text[])",
                                                   usernames)]
        return await bench_actions.plan(conn, wanted), users
    finally:
        await conn.close()


async def _restore(database: str, plan: bench_actions.Plan, users: list[int]) -> dict[str, int]:
    conn = await asyncpg.connect(database)
    try:
        return await bench_actions.restore(conn, plan, users)
    finally:
        await conn.close()


async def branch_users(database: str) -> list[tuple[int, str]]:
    """(branch id, username) of every bench coordinator, by branch code."""
    conn = await asyncpg.connect(database)
    try:
        return [(r["id"], f"bench.{r['code']}") for r in await conn.fetch("SELECT id, code FROM branch ORDER BY code")]
    finally:
        await conn.close()


async def customers_of(database: str, branch_id: int, count: int) -> list[int]:
    """Customers a user opens from the lists: those of the branch's latest delivered repair orders."""
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT customer FROM (SELECT DISTINCT ON (customer) customer, delivered_at FROM repair_order "
            "WHERE branch = $1 AND status = 'delivered' ORDER BY customer, delivered_at DESC) x "
            "ORDER BY delivered_at DESC LIMIT $2", branch_id, count)
        return [r["customer"] for r in rows]
    finally:
        await conn.close()


# --- everything ---------------------------------------------------------------------------------


def run(database: str, marker: dict[str, Any], redis: str, board: Board, s: Settings) -> dict[str, Any]:
    """Every measured figure by part (see bench.__main__ for the shape). `redis`: "private-redis"
    (a redis-server started here), a redis:// URL, or "file"."""
    from bench import mixed

    out: dict[str, Any] = {}
    random.seed(s.seed)
    with tempfile.TemporaryDirectory(prefix="retorno-bench-") as tmp, contextlib.ExitStack() as stack:
        var_dir = Path(tmp)
        redis_url, redis_pid = None, None
        if redis == "private-redis":
            redis_url, redis_pid = stack.enter_context(private_redis(var_dir))
        elif redis.startswith("redis"):
            redis_url = redis
        secret = secrets.token_urlsafe(48)  # one for every app process: sessions, CSRF
        everyone = asyncio.run(branch_users(database))
        bench_branch = next(b for b, u in everyone if u == marker["bench_user"])
        sessions: dict[int, Session] = {}
        if set(s.parts) & {"home", "lists", "actions"}:
            with contextlib.ExitStack() as servers_stack:
                app_port, bare_port = free_port(), free_port()
                ours_env = app_environment(database, var_dir / "app", redis_url, app_port, secret)
                bare_env = app_environment(database, var_dir / "bare", None, bare_port) | {
                    "BENCH_USER": marker["bench_user"]}
                servers = {
                    "retorno": servers_stack.enter_context(serve("retorno", "app.asgi:create_app", ours_env, app_port,
                                                                 var_dir)),
                    "bare": servers_stack.enter_context(serve("bare", "bench.bare:create_app", bare_env, bare_port,
                                                              var_dir)),
                }
                who = [(b, u) for b, u in everyone if b == bench_branch or "actions" in s.parts or "mixed" in s.parts]
                for branch_id, username in who:
                    sessions[branch_id] = sign_in(app_port, username, branch_id)
                me = sessions[bench_branch]
                if "home" in s.parts:
                    print("  inicio …", flush=True)
                    out["home"] = measure_home(servers, me, s)
                if "lists" in s.parts:
                    print(f"  listas: {len(board.lists)} pestañas/búsquedas"
                          f"{' + la página del cliente' if board.customer_page else ''} …", flush=True)
                    customers = asyncio.run(customers_of(database, bench_branch, CUSTOMERS))
                    out["lists"] = measure_lists(servers, me, board, customers, s)
                if "actions" in s.parts:
                    print(f"  acciones: {', '.join(a.key for a in board.actions)} …", flush=True)
                    out["actions"] = measure_actions(servers, database, sessions, board, s)
        try:
            if "mixed" in s.parts:
                print(f"  carga mixta: 2 procesos, {s.mixed_rate:g} pedidos/s durante {s.mixed_seconds} s …",
                      flush=True)
                out["mixed"] = mixed.run(database, var_dir, redis_url, redis_pid, secret, everyone, sessions, board,
                                         s)
        finally:
            if s.logs:
                s.logs.mkdir(parents=True, exist_ok=True)
                for log in var_dir.glob("*.log"):
                    shutil.copy(log, s.logs / log.name)
    return out
