"""EXPLAIN (ANALYZE, BUFFERS) of the board's home counts on the bench data,
with the parameters the app computes for the bench branch right now.

    .venv/bin/python -m bench.explain --scale large [--branch s01] [--repeat 5] [--generic]

The parameters come from app.board.queries.home_counts itself (its database
call is intercepted), so the plan is the one the app's query gets.
--generic also shows the generic plan (what PostgreSQL may cache after five
executions when plan_cache_mode is auto).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench.common import SCALES, app_environment, database_url


async def home_counts_query(branch: dict[str, Any]) -> tuple[str, list[Any]]:
    from piccolo.querystring import QueryString

    from app.board import queries
    from app.rules.windows import Windows

    captured: dict[str, Any] = {}

    async def capture(sql: str, *args: Any) -> list[dict[str, Any]]:
        captured.update(sql=sql, args=args)
        return [dict.fromkeys(queries.HomeCounts.__dataclass_fields__, 0)]

    windows = Windows(branch["delivery_window_days"], branch["opportunity_window_days"],
                      branch["no_show_window_days"], branch["done_window_days"])
    with mock.patch.object(queries.db, "fetch", capture):
        await queries.home_counts(branch["id"], branch["timezone"], windows, dt.datetime.now(dt.UTC))
    sql, args = QueryString(captured["sql"], *captured["args"]).compile_string(engine_type="postgres")
    return sql, list(args)


async def explain(url: str, code: str, repeat: int, generic: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, server_settings={"plan_cache_mode": "force_custom_plan"})
    try:
        branch = await conn.fetchrow("SELECT * FROM branch WHERE code = $1", code)
        if branch is None:
            raise SystemExit(f"no branch {code}")
        sql, args = await home_counts_query(dict(branch))
        print(f"-- branch {code} (id {branch['id']}), parameters: {args}\n")
        statement = await conn.prepare(sql)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            row = await statement.fetchrow(*args)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"-- counts: {dict(row)}")
        print(f"-- {repeat} executions of the prepared statement (ms, client side): "
              f"{', '.join(f'{t:.2f}' for t in timings)}\n")
        for line in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args):
            print(line[0])
        if generic:
            # An unnamed statement always gets a custom plan: PREPARE a named one.
            types = ", ".join("integer" if isinstance(a, int) else "timestamptz" for a in args)
            await conn.execute(f"PREPARE home_counts ({types}) AS {sql}")
            await conn.execute("SET plan_cache_mode = force_generic_plan")
            print("\n-- generic plan (plan_cache_mode = force_generic_plan):")
            literals = ", ".join(str(a) if isinstance(a, int) else f"'{a.isoformat()}'" for a in args)
            for line in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE home_counts({literals})"):
                print(line[0])
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.explain")
    top.add_argument("--scale", choices=sorted(SCALES), default="large")
    top.add_argument("--branch", default="s01")
    top.add_argument("--repeat", type=int, default=5)
    top.add_argument("--generic", action="store_true")
    args = top.parse_args(argv)
    url = database_url(args.scale)
    with tempfile.TemporaryDirectory(prefix="retorno-bench-") as scratch:
        os.environ.update(app_environment(url, Path(scratch)))
        asyncio.run(explain(url, args.branch, args.repeat, args.generic))
    return 0


if __name__ == "__main__":
    sys.exit(main())
