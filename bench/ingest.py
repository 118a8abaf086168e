"""DMS ingestion speed: python -m bench.ingest [--rows 100000] [--engines sqlite,postgres]

On a fresh database per engine (a demo-free branch): a repair-order CSV of
`--rows` rows (semicolon, cp1252, dd/mm/aaaa, decimal comma; 40 % of the
vehicles come back, as in a real workshop) imported through the same job as
the web (`imports.run_import`), then the same file again (nothing to write);
an API batch of 1,000 repair orders (p50/p95 of 20 batches, server-side in
process); and push → board: the time from sending an order for a vehicle with
an appointment today to that appointment being in Últimos ingresos. Figures
go into bench/results.json as `dms_import` (one object per engine).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def make_csv(rows: int, seed: int = 7) -> bytes:
    from stdnum.ar import cuit

    from app.rules.vin import with_check_digit

    rng = random.Random(seed)
    vehicles = max(1, int(rows * 0.6))
    lines = ["Concesionaria Bench S.A.", "Listado de órdenes", "",
             "Nro OR;Fecha Apertura;Patente;Chasis;Cliente;CUIT;Teléfono;Asesor;Km;Estado;Fecha Entrega;Total"]
    start = dt.datetime(2026, 1, 1, 8, 0)
    for i in range(rows):
        v = rng.randrange(vehicles)
        body = f"20{v:08d}"
        opened = start + dt.timedelta(minutes=7 * i)
        delivered = rng.random() < 0.8
        lines.append(";".join([
            f"B-{i:07d}", opened.strftime("%d/%m/%Y %H:%M"), f"AA{v % 1000:03d}{chr(65 + v // 1000 % 26)}"
            f"{chr(65 + v // 26000 % 26)}", with_check_digit(f"8AJBA3CD0{v:08d}"), f"Cliente Número {v}",
            body + cuit.calc_check_digit(body), f"11 {4000 + v % 6000:04d}-{v % 10000:04d}",
            rng.choice(["Peña Luis", "Ríos Carla", "Gómez Ana"]), f"{rng.randrange(1000, 200000):,}".replace(",", "."),
            "Entregada" if delivered else "Abierta",
            (opened + dt.timedelta(hours=6)).strftime("%d/%m/%Y %H:%M") if delivered else "",
            f"{rng.randrange(10000, 900000)},{rng.randrange(100):02d}",
        ]))
    lines.append("Total;;;;;;;;;;;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


async def _measure(rows: int, data: bytes) -> dict[str, Any]:
    import httpx

    from app import db, jobs
    from app.asgi import create_app
    from app.audit import Actor
    from app.dms import api_keys, imports
    from app.tables import Appointment, Branch, Customer, Dealer, Vehicle

    await db.start()
    await db.run_migrations()
    dealer = (await Dealer.insert(Dealer(name="Bench")).returning(Dealer.id))[0]["id"]
    branch = (await Branch.insert(Branch(dealer=dealer, code=f"b{uuid.uuid4().hex[:6]}", name="Bench"))
              .returning(Branch.id))[0]["id"]
    out: dict[str, Any] = {"rows": rows, "file_bytes": len(data)}
    for label in ("first", "again"):
        started = time.perf_counter()
        upload = await imports.create_job(branch, "repair_orders", "bench.csv", data, user_id=None)
        job = await imports.job_summary(upload.job_id)
        await imports.confirm_mapping(upload.job_id, branch, "repair_orders", job["mapping"], None)
        await imports.run_import({}, upload.job_id)
        seconds = time.perf_counter() - started
        job = await imports.job_summary(upload.job_id)
        out[label] = {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
                      "created": job["created_count"], "updated": job["updated_count"],
                      "unchanged": job["unchanged_count"], "rejected": job["rejected_count"]}
    out["customers"] = await Customer.count().where(Customer.branch == branch)
    out["vehicles"] = await Vehicle.count().where(Vehicle.branch == branch)
    await db.stop()

    app = create_app()
    app.on_startup.clear()
    app.on_shutdown.clear()
    await db.start()
    await jobs.start(app.state.settings, run_cron=False)
    key = (await api_keys.create(branch, "bench", Actor(None, "bench", None))).key
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                 headers={"X-Api-Key": key}, timeout=60) as client:
        times = []
        for batch in range(21):
            items = [{"dms_id": f"API-{batch}-{i}", "opened_at": "2026-11-02T09:00:00-03:00",
                      "vin": None, "plate": f"AP{i % 1000:03d}ZZ", "customer_name": f"Cliente API {i}",
                      "phone_mobile": f"11 6{i:03d}-{i:04d}", "status": "abierta", "total_amount": "1.234,50"}
                     for i in range(1000)]
            for item in items:
                item.pop("vin")
            t0 = time.perf_counter()
            r = await client.post("/api/v1/repair-orders", json={"items": items})
            elapsed = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, r.text[:300]
            if batch:  # the first batch warms caches
                times.append(elapsed)
        times.sort()
        out["api_batch_1000"] = {"batches": len(times), "p50_ms": round(statistics.median(times), 1),
                                 "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}
        # push → board: an order for a vehicle with an appointment today, then the list that shows arrivals.
        vehicle = (await Vehicle.select(Vehicle.id, Vehicle.plate, Vehicle.owner).where(Vehicle.branch == branch)
                   .first())
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        await Appointment.insert(Appointment(branch=branch, customer=vehicle["owner"], vehicle=vehicle["id"],
                                             starts_at=now))
        t0 = time.perf_counter()
        await client.post("/api/v1/repair-orders", json={"items": [
            {"dms_id": "PUSH-1", "opened_at": now.isoformat(), "plate": vehicle["plate"]}]})
        arrived = await Appointment.select(Appointment.status).where(Appointment.vehicle == vehicle["id"]).first()
        out["push_to_board_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        out["push_arrived"] = arrived["status"] == "arrived"
    await jobs.stop()
    await db.stop()
    return out


def run_engine(engine: str, rows: int, data_path: str) -> dict[str, Any]:
    """Each engine in its own process: the database engine is chosen at import time."""
    env = dict(os.environ, RETORNO_ENV="test", RETORNO_VAR_DIR=tempfile.mkdtemp(prefix="bench-ingest-"))
    env.pop("REDIS_URL", None)
    name = None
    if engine == "postgres":
        import asyncpg

        name = f"bench_ingest_{uuid.uuid4().hex[:8]}"

        async def create() -> None:
            c = await asyncpg.connect(PG_ADMIN)
            await c.execute(f'CREATE DATABASE "{name}"')
            await c.close()

        asyncio.run(create())
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{env['RETORNO_VAR_DIR']}/bench.sqlite"
    try:
        done = subprocess.run([sys.executable, "-m", "bench.ingest", "--child", data_path, "--rows", str(rows)],
                              env=env, capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if name:
            import asyncpg

            async def drop() -> None:
                c = await asyncpg.connect(PG_ADMIN)
                await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await c.close()

            asyncio.run(drop())


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.ingest")
    top.add_argument("--rows", type=int, default=100_000)
    top.add_argument("--engines", default="sqlite,postgres")
    top.add_argument("--child")
    args = top.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_measure(args.rows, Path(args.child).read_bytes()))))
        return 0
    data = make_csv(args.rows)
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
        f.write(data)
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    figures = []
    for engine in args.engines.split(","):
        result = run_engine(engine, args.rows, f.name)
        print(f"{engine}: {json.dumps(result)}")
        figures.append({"figure": "dms_import", "engine": engine, "measured_at": measured_at, **result})
    Path(f.name).unlink()
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    kept = [o for o in existing if o.get("figure") != "dms_import"]
    RESULTS.write_text(json.dumps(kept + figures, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
