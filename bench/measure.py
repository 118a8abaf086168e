"""Serves the app and the bare reference (one uvicorn process each), signs in
as the bench coordinator, and times the board home on both.

Per run and target: `warmup` unrecorded requests, then `requests` one at a
time (server-side time from Server-Timing, client-side time around the
request), then requests/s at 32 connections. Targets: our home on a direct
load (the full page), our home as the htmx partial (HX-Request: true, the
same bytes as the bare reference), and the bare reference. The order of the
targets is reversed on every other run, so drift does not favour one side.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from bench import load
from bench.common import PASSWORD, PYTHON, ROOT, app_environment, free_port

CONNECTIONS = 32


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
         "--timeout-graceful-shutdown", "2", "--no-access-log", "--log-level", "warning"],
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
def private_redis(log_dir: Path) -> Iterator[str]:
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
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def sign_in(port: int, username: str) -> str:
    """Signs in like a browser; returns the Cookie header to reuse."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False, timeout=30) as client:
        client.get("/ingresar").raise_for_status()
        token = client.cookies.get("retorno_csrf")
        if not token:
            raise RuntimeError("GET /ingresar no dejó la cookie CSRF")
        response = client.post("/ingresar", data={"username": username, "password": PASSWORD, "siguiente": "/",
                                                  "_csrf_token": token})
        if response.status_code != 303 or not client.cookies.get("retorno_sesion"):
            raise RuntimeError(f"no pude ingresar como {username}: {response.status_code} {response.text[:300]}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _button_counts(html: bytes) -> list[str]:
    return re.findall(r'data-test="count">([^<]*)<', html.decode())


def run(database: str, bench_user: str, bench_branch: str, sessions: str, requests: int, warmup: int,
        runs: int, seconds: int, tool: str) -> list[dict[str, Any]]:
    """Every measured figure, as dicts (see bench.__main__ for the shape). `sessions`:
    "private-redis" (a redis-server started here), a redis:// URL, or "file"."""
    throughput = load.with_wrk if tool == "wrk" else load.with_python
    with tempfile.TemporaryDirectory(prefix="retorno-bench-") as tmp, contextlib.ExitStack() as stack:
        var_dir = Path(tmp)
        redis_url = None
        if sessions == "private-redis":
            redis_url = stack.enter_context(private_redis(var_dir))
        elif sessions.startswith("redis"):
            redis_url = sessions
        app_port, bare_port = free_port(), free_port()
        ours_env = app_environment(database, var_dir / "app", redis_url, app_port)
        bare_env = app_environment(database, var_dir / "bare", None, bare_port) | {"BENCH_BRANCH": bench_branch}
        servers = {
            "retorno": stack.enter_context(serve("retorno", "app.asgi:create_app", ours_env, app_port, var_dir)),
            "bare": stack.enter_context(serve("bare", "bench.bare:create_app", bare_env, bare_port, var_dir)),
        }
        cookie = sign_in(app_port, bench_user)
        targets = [
            Target("retorno", "retorno", {"Cookie": cookie}),
            Target("retorno_htmx", "retorno", {"Cookie": cookie, "HX-Request": "true"}),
            Target("bare", "bare", {}),
        ]
        figures: list[dict[str, Any]] = []
        for number in range(1, runs + 1):
            order = targets if number % 2 else targets[::-1]
            sequential: dict[str, load.Sequential] = {}
            for target in order:
                server = servers[target.server]
                sequential[target.variant] = load.sequential(server.port, "/", target.headers, requests, warmup,
                                                             server.process.pid)
            same_bytes = sequential["retorno_htmx"].body == sequential["bare"].body
            counts = _button_counts(sequential["bare"].body)
            if not same_bytes:
                print("  ¡atención! el parcial htmx y la referencia no devolvieron los mismos bytes")
            loaded: dict[str, load.Throughput] = {}
            for target in order:
                server = servers[target.server]
                loaded[target.variant] = throughput(server.port, "/", target.headers, CONNECTIONS, seconds,
                                                    server.process.pid)
                if loaded[target.variant].errors:
                    raise load.LoadError(f"{target.variant}: {loaded[target.variant].errors} respuestas con error "
                                         "bajo carga")
            for target in targets:
                # after the load: still signed in, still 200 (load.sequential raises otherwise)
                load.sequential(servers[target.server].port, "/", target.headers, 1, 0)
            for target in targets:
                seq, thr = sequential[target.variant], loaded[target.variant]
                figures.append({
                    "run": number, "variant": target.variant,
                    "page": "htmx partial (HX-Request)" if target.variant == "retorno_htmx" else (
                        "full page" if target.variant == "retorno" else "partial template, bare stack"),
                    **load.summary(seq.server_ms),
                    **{f"client_{k}": v for k, v in load.summary(seq.client_ms).items() if k != "mean_ms"},
                    "requests": len(seq.server_ms),
                    "bytes": len(seq.body),
                    "cpu_ms_per_request": _round(seq.cpu_ms_per_request),
                    "rps": round(thr.rps, 1),
                    "connections": thr.connections,
                    "load_seconds": round(thr.seconds, 2),
                    "load_requests": thr.requests,
                    "load_p50_ms": _round(thr.latency_ms.get("p50")),
                    "load_p99_ms": _round(thr.latency_ms.get("p99")),
                    "load_cpu_ms_per_request": _round(thr.cpu_ms_per_request),
                    "tool": thr.tool,
                    "same_bytes_as_bare": same_bytes if target.variant != "retorno" else None,
                    "button_counts": counts,
                })
        return figures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
