"""Campaign speed: python -m bench.campaigns [--vins 50000] [--engines postgres,sqlite]

On a fresh database per engine: a branch with `--vins` vehicles (each with its
customer), two coordinators and a manager. Through the app in process, as the
manager's browser does it: step 1 with a file of all the VINs (plus 100
unknown and 20 malformed ones), step 2's first page, step 3 (processing in the
background job, timed until done), and processing again (nothing new). Figures
go into bench/results.json as `campaign` (one object per engine).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
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
PASSWORD = "retorno-bench-2026"  # noqa: S105 - a throwaway database's user


def vin_of(i: int) -> str:
    from app.rules.vin import with_check_digit

    return with_check_digit(f"9BWAB45U0{i:08d}")


async def _fleet(branch_id: int, count: int) -> None:
    """Customers and vehicles written set-at-a-time (the DMS import's bulk path)."""
    from app import db
    from app.dms.bulk import Bulk

    now = dt.datetime.now(dt.UTC)
    for start in range(0, count, 5_000):
        ids = range(start, min(count, start + 5_000))
        async with db.write_transaction() as transaction:
            bulk = Bulk(transaction)
            customer_ids = await bulk.new_ids("customer", len(ids))
            await bulk.insert("customer", ("id", "branch", "name", "created_at", "updated_at"),
                              [(c, branch_id, f"Cliente {i}", now, now)
                               for c, i in zip(customer_ids, ids, strict=True)])
            vehicle_ids = await bulk.new_ids("vehicle", len(ids))
            await bulk.insert("vehicle", ("id", "branch", "vin", "plate", "make", "model", "model_year", "owner"),
                              [(v, branch_id, vin_of(i), f"AB{i % 1000:03d}{chr(65 + i // 1000 % 26)}"
                                f"{chr(65 + i // 26000 % 26)}", "Volkswagen", "Amarok", 2020 + i % 5, c)
                               for v, c, i in zip(vehicle_ids, customer_ids, ids, strict=True)])


async def _measure(count: int) -> dict[str, Any]:
    import httpx

    from app import db, jobs
    from app.asgi import create_app
    from app.auth.passwords import hash_now
    from app.tables import Branch, Campaign, Dealer, Opportunity, User, UserBranch

    await db.start()
    await db.run_migrations()
    dealer = (await Dealer.insert(Dealer(name="Bench")).returning(Dealer.id))[0]["id"]
    branch = (await Branch.insert(Branch(dealer=dealer, code=f"c{uuid.uuid4().hex[:6]}", name="Bench"))
              .returning(Branch.id))[0]["id"]
    hashed = hash_now(PASSWORD)
    people = {}
    for username, role in (("gerente.bench", "manager"), ("coord.uno", "coordinator"), ("coord.dos", "coordinator")):
        user = (await User.insert(User(dealer=dealer, username=f"{username}.{branch}", full_name=username, role=role,
                                       password_hash=hashed)).returning(User.id))[0]["id"]
        await UserBranch.insert(UserBranch(user=user, branch=branch))
        people[role if role == "manager" else username] = user
    t0 = time.perf_counter()
    await _fleet(branch, count)
    out: dict[str, Any] = {"vins": count, "fleet_seconds": round(time.perf_counter() - t0, 1)}
    await db.stop()

    app = create_app()
    app.on_startup.clear()
    app.on_shutdown.clear()
    await db.start()
    await jobs.start(app.state.settings, run_cron=False)
    pasted = "\n".join([vin_of(i) for i in range(count)] + [vin_of(10_000_000 + i) for i in range(100)]
                       + [f"MAL{i}" for i in range(20)]).encode()
    out["file_bytes"] = len(pasted)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600) as c:
        await c.get("/ingresar")
        csrf = c.cookies["retorno_csrf"]
        signed = await c.post("/ingresar", data={"username": f"gerente.bench.{branch}", "password": PASSWORD,
                                                 "_csrf_token": csrf})
        assert signed.status_code == 303, signed.text[:300]
        headers = {"x-csrftoken": c.cookies["retorno_csrf"]}
        t0 = time.perf_counter()
        created = await c.post("/campanas/nueva", headers=headers, data={"kind": "recall", "name": "Bench recall"},
                               files={"vins_file": ("vins.txt", pasted, "text/plain")})
        out["step1_search_seconds"] = round(time.perf_counter() - t0, 2)
        assert created.status_code == 303, created.text[:500]
        campaign_id = int(re.search(r"/campanas/(\d+)$", created.headers["location"]).group(1))
        t0 = time.perf_counter()
        units = await c.get(f"/campanas/{campaign_id}")
        out["step2_page_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        out["unknown_listed"] = units.text.count("<code>") >= 100

        async def process() -> tuple[float, int]:
            version = (await Campaign.select(Campaign.version).where(Campaign.id == campaign_id).first())["version"]
            before = await Opportunity.count().where(Opportunity.campaign == campaign_id)
            t = time.perf_counter()
            r = await c.post(f"/campanas/{campaign_id}/procesar", headers=headers, data={
                "due_on": (dt.date.today() + dt.timedelta(days=10)).isoformat(), "version": version,
                "coordinators": [people["coord.uno"], people["coord.dos"]]})
            assert r.status_code == 303, r.text[:500]
            for _ in range(100_000):  # the job runs elsewhere: its row is the signal
                row = await Campaign.select(Campaign.process_status).where(Campaign.id == campaign_id).first()
                if row["process_status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.05)
            after = await Opportunity.count().where(Opportunity.campaign == campaign_id)
            return time.perf_counter() - t, after - before

        seconds, made = await process()
        out["process"] = {"seconds": round(seconds, 2), "opportunities": made,
                          "per_s": round(made / seconds) if seconds else None}
        seconds, made = await process()
        out["process_again"] = {"seconds": round(seconds, 2), "opportunities": made}
    await jobs.stop()
    await db.stop()
    return out


def run_engine(engine: str, count: int) -> dict[str, Any]:
    """Each engine in its own process: the database engine is chosen at import time."""
    env = dict(os.environ, RETORNO_ENV="test", RETORNO_VAR_DIR=tempfile.mkdtemp(prefix="bench-campaign-"))
    env.pop("REDIS_URL", None)
    name = None
    if engine == "postgres":
        import asyncpg

        name = f"bench_campaign_{uuid.uuid4().hex[:8]}"

        async def admin(sql: str) -> None:
            connection = await asyncpg.connect(PG_ADMIN)
            await connection.execute(sql)
            await connection.close()

        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{env['RETORNO_VAR_DIR']}/bench.sqlite"
    try:
        done = subprocess.run([sys.executable, "-m", "bench.campaigns", "--child", "--vins", str(count)],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if name:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.campaigns")
    top.add_argument("--vins", type=int, default=50_000)
    top.add_argument("--engines", default="postgres,sqlite")
    top.add_argument("--child", action="store_true")
    args = top.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_measure(args.vins))))
        return 0
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    figures = []
    for engine in args.engines.split(","):
        result = run_engine(engine, args.vins)
        print(f"{engine}: {json.dumps(result)}")
        figures.append({"figure": "campaign", "engine": engine, "measured_at": measured_at, **result})
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    measured = {f["engine"] for f in figures}
    kept = [o for o in existing if not (o.get("figure") == "campaign" and o.get("engine") in measured)]
    RESULTS.write_text(json.dumps(kept + figures, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
