"""Load generators: one request at a time (server- and client-side times), and
32 connections for requests/s (wrk when installed, else an asyncio client)."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any


class LoadError(Exception):
    """A target answered something else than 200 (signed out, error page…)."""


@dataclass
class Sequential:
    server_ms: list[float]
    client_ms: list[float]
    body: bytes
    cpu_ms_per_request: float | None
    query_ms: list[float] = field(default_factory=list)  # the bare reference's query function alone
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # the first few unexpected answers, shortened
    unexpected: int = 0  # recorded answers that were not the expected one


@dataclass(frozen=True)
class Call:
    """One request of a sequence."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass
class Throughput:
    tool: str
    connections: int
    seconds: float
    requests: int
    rps: float
    errors: int
    latency_ms: dict[str, float] = field(default_factory=dict)  # under load: p50, p99
    cpu_ms_per_request: float | None = None


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process (Linux /proc), to compare CPU per request."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
QUERY_TIMING = re.compile(r"query;dur=([0-9.]+)")


def sequential(port: int, path: str, headers: dict[str, str], requests: int, warmup: int,
               pid: int | None = None) -> Sequential:
    """`requests` GETs one after another on one keep-alive connection, after `warmup` unrecorded ones;
    anything but a 200 stops the run (LoadError)."""
    call = Call("GET", path, headers)
    return sequence(port, [call] * (warmup + requests), warmup, pid, strict=True)


def sequence(port: int, calls: list[Call], warmup: int, pid: int | None = None, strict: bool = False,
             ok: Any = None) -> Sequential:
    """The calls one after another on one keep-alive connection, the first `warmup` unrecorded.
    `ok(status, body)` says whether an answer is the expected one (default: a 200); with `strict`
    an unexpected answer raises LoadError, else it is counted in `statuses`/`failures` and timed."""
    expected = ok or (lambda status, body: status == 200)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    result = Sequential([], [], b"", None)
    cpu_before = None
    recorded = max(1, len(calls) - warmup)
    try:
        for i, call in enumerate(calls):
            if i == warmup:
                cpu_before = cpu_seconds(pid)
            started = time.perf_counter()
            conn.request(call.method, call.path, body=call.body, headers=call.headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            good = expected(response.status, body)
            if not good and strict:
                raise LoadError(f"{call.method} {call.path} → {response.status} {body[:300]!r}")
            header = response.getheader("server-timing") or ""
            timing = SERVER_TIMING.search(header)
            if timing is None and good:
                raise LoadError(f"{call.method} {call.path}: sin encabezado Server-Timing")
            if i < warmup:
                continue
            result.server_ms.append(float(timing.group(1)) if timing else elapsed)
            result.client_ms.append(elapsed)
            if query := QUERY_TIMING.search(header):
                result.query_ms.append(float(query.group(1)))
            result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
            result.unexpected += 0 if good else 1
            if not good and len(result.failures) < 3:
                result.failures.append(f"{call.method} {call.path} → {response.status}: "
                                       f"{text_of(body)[:240]}")
            result.body = body
    finally:
        conn.close()
    cpu_after = cpu_seconds(pid)
    if cpu_before is not None and cpu_after is not None:
        result.cpu_ms_per_request = (cpu_after - cpu_before) * 1000 / recorded
    return result


def text_of(body: bytes) -> str:
    """An answer shortened to its words (for a failure's line)."""
    return " ".join(re.sub(r"<[^>]+>", " ", body.decode(errors="replace")).split())


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def with_wrk(port: int, path: str, headers: dict[str, str], connections: int, seconds: int,
             pid: int | None = None) -> Throughput:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    before = cpu_seconds(pid)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = cpu_seconds(pid)
    out = done.stdout
    total = re.search(r"(\d+) requests in ([0-9.]+)(ms|s|m)", out)
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if total is None or rps is None:
        raise LoadError(f"no entiendo la salida de wrk:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    latency = {f"p{q}": _ms(v) for q, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M)}
    requests = int(total.group(1))
    cpu = None if before is None or after is None else (after - before) * 1000 / max(1, requests)
    return Throughput("wrk", connections, _ms(total.group(2) + total.group(3)) / 1000, requests,
                      float(rps.group(1)), errors, latency, cpu)


def with_python(port: int, path: str, headers: dict[str, str], connections: int, seconds: int,
                pid: int | None = None) -> Throughput:
    """The fallback: httpx with `connections` concurrent tasks (it competes with the server for the CPU)."""
    import httpx

    async def run() -> tuple[int, int, list[float], float]:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        latencies: list[float] = []
        counts = {"ok": 0, "bad": 0}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits,
                                     timeout=30) as client:
            started = time.perf_counter()
            deadline = started + seconds

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    response = await client.get(path)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    counts["ok" if response.status_code == 200 else "bad"] += 1

            await asyncio.gather(*(worker() for _ in range(connections)))
            return counts["ok"], counts["bad"], latencies, time.perf_counter() - started

    before = cpu_seconds(pid)
    ok, bad, latencies, elapsed = asyncio.run(run())
    after = cpu_seconds(pid)
    requests = ok + bad
    cpu = None if before is None or after is None else (after - before) * 1000 / max(1, requests)
    latency = {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)} if latencies else {}
    return Throughput("python", connections, elapsed, requests, requests / elapsed, bad, latency, cpu)


def summary(values: list[float]) -> dict[str, Any]:
    return {"p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
            "p99_ms": round(percentile(values, 99), 2), "mean_ms": round(statistics.fmean(values), 2)}
