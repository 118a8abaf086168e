"""Reports and TV speed: python -m bench.reports [--scale large] [--tvs 50]

On the bench database (generated when missing), one app process in production
mode: last month's report for one branch and for the whole group (server-side
time from Server-Timing, p50/p95, one request at a time), the Excel export of a
group period of at least 100k opportunities (seconds, and the server's peak
RSS), and `--tvs` TV screens on one process: each DMS push of an appointment
for today, from the API call's start to the redrawn list reaching every screen
(p50/p95 over all screens and pushes). Figures go into bench/results.json as
`reports` (with `tv`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.common import PASSWORD, PYTHON, ROOT, SCALES, app_environment, database_url, free_port
from bench.generate import ensure

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
TV_TOKEN = "tv_bench_screen_0000000000000000000000"  # noqa: S105 - a bench database's screen
API_KEY = "rk_bench_reports_000000000000000000000000000000000"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1)


async def _prepare(url: str) -> dict[str, Any]:
    """An admin of the bench dealer (the group view), a TV link and an API key for branch s01."""
    from app.auth.passwords import hash_now

    conn = await asyncpg.connect(url)
    try:
        branch = await conn.fetchrow("SELECT id, dealer FROM branch ORDER BY code LIMIT 1")
        if not await conn.fetchval("SELECT 1 FROM app_user WHERE username = 'bench.admin'"):
            await conn.execute("INSERT INTO app_user (dealer, username, full_name, email, role, password_hash, active, "
                               "session_epoch, created_at, version) VALUES ($1, 'bench.admin', 'Bench Admin', '', "
                               "'admin', $2, TRUE, 1, now(), 1)", branch["dealer"], hash_now(PASSWORD))
        await conn.execute("DELETE FROM display_token WHERE prefix = 'tv_bench'")
        await conn.execute("INSERT INTO display_token (branch, name, prefix, token_hash, created_at) "
                           "VALUES ($1, 'bench', 'tv_bench', $2, now())", branch["id"],
                           hashlib.sha256(TV_TOKEN.encode()).hexdigest())
        await conn.execute("DELETE FROM api_key WHERE prefix = 'rk_benchre'")
        await conn.execute("INSERT INTO api_key (branch, name, prefix, key_hash, created_at) "
                           "VALUES ($1, 'bench', 'rk_benchre', $2, now())", branch["id"],
                           hashlib.sha256(API_KEY.encode()).hexdigest())
        plate = await conn.fetchval("SELECT plate FROM vehicle WHERE branch = $1 AND plate <> '' LIMIT 1", branch["id"])
        return {"branch": branch["id"], "plate": plate}
    finally:
        await conn.close()


def _sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    client.get("/ingresar")
    done = client.post("/ingresar", data={"username": username, "password": PASSWORD,
                                          "_csrf_token": client.cookies["retorno_csrf"]})
    if done.status_code != 303:
        raise RuntimeError(f"no pude ingresar como {username}: {done.status_code}")
    return client


def _server_ms(response: httpx.Response) -> float:
    timing = re.search(r"dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(timing.group(1)) if timing else float("nan")


def _timed(client: httpx.Client, path: str, n: int) -> dict[str, Any]:
    client.get(path)  # warm
    times = []
    for _ in range(n):
        response = client.get(path)
        assert response.status_code == 200, response.text[:300]
        times.append(_server_ms(response))
    return {"requests": n, "p50_ms": _p(times, 0.5), "p95_ms": _p(times, 0.95)}


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def _tvs(base: str, count: int, pushes: int, plate: str) -> dict[str, Any]:
    """`count` screens on the stream; each push's latency to every screen."""
    arrived: dict[int, list[float]] = {}
    started: dict[int, float] = {}
    ready = asyncio.Event()
    connected = 0

    async def screen(client: httpx.AsyncClient) -> None:
        nonlocal connected
        seen = 0
        async with client.stream("GET", f"/pantalla/{TV_TOKEN}/eventos") as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif not line and event == "arrivals":
                    if seen == 0:
                        connected += 1
                        if connected == count:
                            ready.set()
                    elif seen in started:
                        arrived.setdefault(seen, []).append(time.perf_counter() - started[seen])
                    seen += 1
                    if seen > pushes:
                        return

    limits = httpx.Limits(max_connections=count + 10)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        tasks = [asyncio.create_task(screen(client)) for _ in range(count)]
        await asyncio.wait_for(ready.wait(), 60)
        await asyncio.sleep(1)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        for push in range(1, pushes + 1):
            started[push] = time.perf_counter()
            response = await client.post("/api/v1/appointments", headers={"X-Api-Key": API_KEY}, json={"items": [
                {"dms_id": f"BENCH-TV-{now:%H%M%S}-{push}", "starts_at": now.isoformat(), "plate": plate,
                 "customer_name": "Bench"}]})
            assert response.status_code == 200, response.text[:300]
            for _ in range(3_000):  # every screen redrew, or 30 s
                if len(arrived.get(push, [])) >= count:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    latencies = [ms * 1000 for values in arrived.values() for ms in values]
    return {"screens": count, "pushes": pushes, "p50_ms": _p(latencies, 0.5), "p95_ms": _p(latencies, 0.95),
            "max_ms": round(max(latencies), 1)}


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.reports")
    top.add_argument("--scale", default="large", choices=sorted(SCALES))
    top.add_argument("--tvs", type=int, default=50)
    args = top.parse_args(argv)
    url = database_url(args.scale)
    marker = asyncio.run(ensure(SCALES[args.scale], url, False))
    prepared = asyncio.run(_prepare(url))
    port = free_port()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    env = app_environment(url, var_dir, redis_url="redis://127.0.0.1:6379/14", port=port)
    server = subprocess.Popen([PYTHON, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=(var_dir / "server.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        branch = _sign_in(base, marker["bench_user"])
        admin = _sign_in(base, "bench.admin")
        out: dict[str, Any] = {
            "month_one_branch": _timed(branch, "/reportes?periodo=mes-anterior", 20),
            "month_group": _timed(admin, "/reportes?periodo=mes-anterior&sucursal=todas", 10),
            "grid_month_group": _timed(admin, "/reportes/grilla?reporte=oportunidades&periodo=mes-anterior"
                                              "&sucursal=todas", 10),
        }
        today = dt.date.today()
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=100)
        rss_before = _peak_rss_mb(server.pid)
        t0 = time.perf_counter()
        export = admin.get("/reportes/excel", params={"reporte": "oportunidades", "periodo": "elegido",
                                                      "desde": first.isoformat(), "hasta": today.isoformat(),
                                                      "sucursal": "todas"})
        seconds = time.perf_counter() - t0
        assert export.status_code == 200, export.text[:300]
        from io import BytesIO

        from openpyxl import load_workbook

        rows = sum(1 for _ in load_workbook(BytesIO(export.content), read_only=True).active.iter_rows()) - 2
        out["excel"] = {"rows": rows, "seconds": round(seconds, 1), "bytes": len(export.content),
                        "server_peak_rss_mb_before": rss_before, "server_peak_rss_mb_after": _peak_rss_mb(server.pid)}
        out["tv"] = asyncio.run(_tvs(base, args.tvs, 20, prepared["plate"]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    figure = {"figure": "reports", "scale": args.scale, "engine": "postgres",
              "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **out}
    print(json.dumps(figure, indent=2))
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    kept = [o for o in existing if not (o.get("figure") == "reports" and o.get("scale") == args.scale)]
    RESULTS.write_text(json.dumps([*kept, figure], indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
