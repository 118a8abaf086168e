"""EXPLAIN (ANALYZE, BUFFERS) of the board's home counts, or of the
statements one list page runs, on the bench data, with the parameters the
app computes for the bench branch right now.

    .venv/bin/python -m bench.explain --scale large [--branch s01] [--repeat 5] [--generic]
    .venv/bin/python -m bench.explain --scale large --list turnos --tab por-confirmar [--q gonz] [--page 2]

The parameters come from the app's own functions (home_counts: its database
call is intercepted; a list: every app.db.fetch of the instance's page loader
is recorded while it runs for real), so the plans are the ones the app's
queries get. A list also gets its time split: the page loader as a whole,
each statement, and rendering the list template alone.
--generic also shows the generic plan of the home counts (what PostgreSQL
may cache after five executions when plan_cache_mode is auto).
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


async def explain_list(url: str, code: str, key: str, tab: str, q: str, page: int, repeat: int) -> None:
    import asyncpg
    from piccolo.querystring import QueryString

    import app.asgi  # noqa: F401 - every route module registers its list
    from app import db, i18n
    from app.auth.access import load_access
    from app.board.registry import INSTANCES

    instance = INSTANCES.get(key)
    if instance is None:
        raise SystemExit(f"no list {key}: {', '.join(INSTANCES)}")
    conn = await asyncpg.connect(url, server_settings={"plan_cache_mode": "force_custom_plan"})
    await db.start()
    try:
        user = await conn.fetchrow("SELECT id, session_epoch FROM app_user WHERE username = $1", f"bench.{code}")
        access = await load_access({"uid": user["id"], "epoch": user["session_epoch"]}, "")
        assert access is not None and access.branch is not None
        i18n.activate(access.branch.locale, access.branch.timezone)
        chosen = instance.listing(tab, q, page)
        recorded: list[tuple[str, tuple[Any, ...], float]] = []
        real_fetch = db.fetch

        async def recording(sql: str, *args: Any) -> list[dict[str, Any]]:
            started = time.perf_counter()
            rows = await real_fetch(sql, *args)
            recorded.append((sql, args, (time.perf_counter() - started) * 1000))
            return rows

        timings = []
        result = None
        for _ in range(repeat):
            recorded.clear()
            with mock.patch.object(db, "fetch", recording):
                started = time.perf_counter()
                result = await instance.page(access, chosen)
                timings.append((time.perf_counter() - started) * 1000)
        assert result is not None
        print(f"-- {instance.path}?{chosen.query()} as bench.{code}: {len(result.rows)} rows of {result.total}; "
              f"counts {result.counts}")
        print(f"-- page loader, {repeat} runs (ms): {', '.join(f'{t:.2f}' for t in timings)}")
        render = _render_times(instance, result, access, repeat)
        print(f"-- rendering {instance.list_template} alone, {repeat} runs (ms): "
              f"{', '.join(f'{t:.2f}' for t in render)}\n")
        for number, (sql, args, ms) in enumerate(recorded, start=1):
            compiled, values = QueryString(sql, *args).compile_string(engine_type="postgres")
            print(f"-- statement {number} ({ms:.2f} ms in the last run), parameters {list(values)}:")
            for line in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", *values):
                print(line[0])
            print()
    finally:
        await db.stop()
        await conn.close()


def _render_times(instance: Any, page: Any, access: Any, repeat: int) -> list[float]:
    from litestar.plugins.jinja import JinjaTemplateEngine

    from app.web import TEMPLATES, configure

    engine = JinjaTemplateEngine(directory=TEMPLATES)
    configure(engine)
    template = engine.engine.get_template(instance.list_template)
    context = {"instance": instance, "page": page, "strip": None, "notice": None, "access": access}
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        template.render(context)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m bench.explain")
    top.add_argument("--scale", choices=sorted(SCALES), default="large")
    top.add_argument("--branch", default="s01")
    top.add_argument("--repeat", type=int, default=5)
    top.add_argument("--generic", action="store_true")
    top.add_argument("--list", help="a list's key (app.board.registry): explain its page instead of the home")
    top.add_argument("--tab", default="")
    top.add_argument("--q", default="")
    top.add_argument("--page", type=int, default=1)
    args = top.parse_args(argv)
    url = database_url(args.scale)
    with tempfile.TemporaryDirectory(prefix="retorno-bench-") as scratch:
        os.environ.update(app_environment(url, Path(scratch)))
        if args.list:
            asyncio.run(explain_list(url, args.branch, args.list, args.tab, args.q, args.page, args.repeat))
        else:
            asyncio.run(explain(url, args.branch, args.repeat, args.generic))
    return 0


if __name__ == "__main__":
    sys.exit(main())
