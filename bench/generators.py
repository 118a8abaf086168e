"""Generator speed: python -m bench.generators [--scale large]

Each overnight generator over the whole group (every branch), on a copy of the
bench database (`CREATE DATABASE … TEMPLATE`, so the board benchmarks keep
their data): how long it takes and how many opportunities it makes, then the
whole set again (which must make nothing). Figures go into bench/results.json
as `generators`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import SCALES, database_name, database_url, maintenance_url
from bench.generate import ensure

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"


async def _measure() -> dict[str, Any]:
    from app import db
    from app.generators.run import GENERATORS, generate

    await db.start()
    out: dict[str, Any] = {}
    for name in GENERATORS:
        t0 = time.perf_counter()
        made = await generate({}, only=name)
        out[name] = {"seconds": round(time.perf_counter() - t0, 2), "made": made[name]}
    t0 = time.perf_counter()
    again = await generate({})
    out["all_again"] = {"seconds": round(time.perf_counter() - t0, 2), "made": sum(again.values())}
    await db.stop()
    return out


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(maintenance_url(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.generators")
    top.add_argument("--scale", default="large", choices=sorted(SCALES))
    top.add_argument("--child", action="store_true")
    args = top.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_measure())))
        return 0
    source = database_url(args.scale)
    marker = asyncio.run(ensure(SCALES[args.scale], source, False))
    copy = f"{database_name(source)}_generators"
    copy_url = source.rsplit("/", 1)[0] + f"/{copy}"
    asyncio.run(_admin(source, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
    t0 = time.perf_counter()
    asyncio.run(_admin(source, f'CREATE DATABASE "{copy}" TEMPLATE "{database_name(source)}"'))
    copied = round(time.perf_counter() - t0, 1)
    env = dict(os.environ, RETORNO_ENV="test", RETORNO_VAR_DIR=tempfile.mkdtemp(prefix="bench-generators-"),
               DATABASE_URL=copy_url)
    env.pop("REDIS_URL", None)
    try:
        done = subprocess.run([sys.executable, "-m", "bench.generators", "--child"], env=env, capture_output=True,
                              text=True)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        asyncio.run(_admin(source, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
    figure = {"figure": "generators", "scale": args.scale, "engine": "postgres",
              "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "rows": marker.get("rows"), "copy_seconds": copied, **result}
    print(json.dumps(figure, indent=2))
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    kept = [o for o in existing if not (o.get("figure") == "generators" and o.get("scale") == args.scale)]
    RESULTS.write_text(json.dumps([*kept, figure], indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
