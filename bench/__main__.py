"""python -m bench --scale small|large [--regenerate] [--runs 2] …  (make bench SCALE=…)

Generates (or reuses) the data set, measures the board home against the
bare-stack reference, writes bench/results.json and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RESULTS, SCALES, app_environment, database_url, reachable

TARGET_P95_MS = 15.0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    top.add_argument("--scale", choices=sorted(SCALES), default="small")
    top.add_argument("--regenerate", action="store_true", help="load the data set again even if it is there")
    top.add_argument("--generate-only", action="store_true", help="stop after generating")
    top.add_argument("--runs", type=int, default=2, help="measurement rounds on the same servers (default 2)")
    top.add_argument("--requests", type=int, help="sequential requests per target and run (default by scale)")
    top.add_argument("--seconds", type=int, default=10, help="seconds of load at 32 connections per target")
    top.add_argument("--sessions", choices=["auto", "redis", "file"], default="auto",
                     help="session store of the app: Redis as in production (auto: BENCH_REDIS_URL, else a "
                          "private redis-server when installed, else files), or files")
    top.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                     help="load generator for requests/s: wrk when installed (auto), or the asyncio client")
    top.add_argument("--output", type=Path, default=RESULTS)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    scale = SCALES[args.scale]
    url = database_url(scale.name)
    if not reachable(url, 5432):
        print(f"PostgreSQL no responde en {url} (BENCH_DATABASE_URL): no hay benchmark sin él.", file=sys.stderr)
        return 2
    # The generator hashes the bench password with the app's own hasher; the
    # app reads its settings from the environment (production: argon2 defaults).
    scratch = tempfile.TemporaryDirectory(prefix="retorno-bench-")
    os.environ.update(app_environment(url, Path(scratch.name)))

    from bench import generate, load, measure

    print(f"Retorno bench, escala {scale.name}: {url}")
    try:
        marker = asyncio.run(generate.ensure(scale, url, args.regenerate))
    except generate.BenchDatabaseError as error:
        print(str(error), file=sys.stderr)
        return 2
    if marker["reused"]:
        print(f"  datos reutilizados (generados {generate.describe_age(marker)}, "
              f"en {marker['seconds']['total']:.0f} s; --regenerate para volver a generarlos)")
    if args.generate_only:
        return 0

    sessions = "file"
    if args.sessions != "file":
        shared = os.environ.get("BENCH_REDIS_URL")
        if shared and reachable(shared, 6379):
            sessions = shared
        elif shutil.which("redis-server") and not shared:
            sessions = "private-redis"
        elif args.sessions == "redis":
            print(f"Redis no está disponible (ni redis-server ni BENCH_REDIS_URL={shared}).", file=sys.stderr)
            return 2
    if args.tool == "wrk" and not load.has_wrk():
        print("wrk no está instalado (apt-get install wrk).", file=sys.stderr)
        return 2
    tool = "wrk" if args.tool != "python" and load.has_wrk() else "python"
    requests = args.requests or scale.sequential
    print(f"  midiendo: {args.runs} rondas × ({requests} pedidos de a uno + {args.seconds} s a "
          f"{measure.CONNECTIONS} conexiones con {tool}); sesiones: {sessions}",
          flush=True)
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    try:
        figures = measure.run(url, marker["bench_user"], marker["bench_branch"], sessions, requests, scale.warmup,
                              args.runs, args.seconds, tool)
    except (load.LoadError, RuntimeError) as error:  # a server that did not start, a refused sign-in, a 500
        print(f"La medición falló: {error}", file=sys.stderr)
        return 1
    store = "file" if sessions == "file" else "redis (private redis-server)" if sessions == "private-redis" else "redis"
    results = assemble(scale.name, marker, figures, measured_at, store, tool)
    # The machine is shared: say how busy it was (1-minute load average, 2 cores).
    results[0]["loadavg_1min"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    args.output.write_text(json.dumps(merged(args.output, scale.name, results), indent=2, ensure_ascii=False) + "\n")
    print_summary(scale, marker, results)
    print(f"\n  → {args.output}")
    scratch.cleanup()
    return 0


def assemble(scale: str, marker: dict[str, Any], figures: list[dict[str, Any]], measured_at: str, sessions: str,
             tool: str) -> list[dict[str, Any]]:
    """bench/results.json: a list, one object per figure, the same keys in every object of a figure."""
    from bench.generate import BULK

    out: list[dict[str, Any]] = [{
        "figure": "environment", "scale": scale, "measured_at": measured_at, "cpus": os.cpu_count(),
        "python": platform.python_version(), "server": "uvicorn, 1 process", "sessions": sessions, "tool": tool,
        "bench_branch": marker["bench_branch"], "bench_user": marker["bench_user"],
    }]
    reused, generated_at = marker["reused"], marker["generated_at"]
    for table in BULK:
        row = marker["tables"][table]
        out.append({"figure": "generate", "scale": scale, "table": table, "rows": row["rows"],
                    "seconds": row["seconds"], "rows_per_s": row["rows_per_s"], "phase": "copy",
                    "generated_at": generated_at, "reused": reused})
    bulk = sum(row["rows"] for row in marker["tables"].values())
    out.append({"figure": "generate", "scale": scale, "table": "(all, with indexes and analyze)", "rows": bulk,
                "seconds": marker["seconds"]["total"], "rows_per_s": marker["overall_rows_per_s"],
                "phase": "total", "generated_at": generated_at, "reused": reused, "phases": marker["seconds"],
                "method": marker["method"]})
    bare = {(f["run"]): f for f in figures if f["variant"] == "bare"}
    for figure in figures:
        reference = bare[figure["run"]]
        ours = figure["variant"] != "bare"
        out.append({
            "figure": "board_home", "scale": scale, **figure,
            "ratio_to_bare": {
                "p50": round(figure["p50_ms"] / reference["p50_ms"], 2),
                "p95": round(figure["p95_ms"] / reference["p95_ms"], 2),
                "rps": round(figure["rps"] / reference["rps"], 2),
            } if ours else None,
            "target_p95_ms": TARGET_P95_MS if ours else None,
            "meets_target": figure["p95_ms"] <= TARGET_P95_MS if ours else None,
            "rows": marker["rows"], "measured_at": measured_at,
        })
    return out


def merged(path: Path, scale: str, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The file keeps the latest figures of every scale: this run replaces only its own scale's."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = []
    kept = [o for o in previous if isinstance(o, dict) and o.get("scale") in SCALES and o.get("scale") != scale]
    order = list(SCALES)
    return sorted([*kept, *results], key=lambda o: order.index(o["scale"]))  # stable: figure order kept


def print_summary(scale: Any, marker: dict[str, Any], results: list[dict[str, Any]]) -> None:
    env = results[0]
    print(f"\nGeneración ({'reutilizada, ' if marker['reused'] else ''}{marker['generated_at']}):")
    print(f"  {'tabla':<16}{'filas':>11}{'s':>8}{'filas/s':>11}")
    for row in results:
        if row["figure"] == "generate" and row["phase"] == "copy":
            print(f"  {row['table']:<16}{row['rows']:>11,}{row['seconds']:>8.1f}{row['rows_per_s']:>11,}")
    phases = marker["seconds"]
    print(f"  COPY {phases['copy']:.1f} s · índices {phases['indexes']:.1f} s · claves foráneas "
          f"{phases['foreign_keys']:.1f} s · VACUUM ANALYZE {phases['vacuum_analyze']:.1f} s · migraciones "
          f"{phases['migrate']:.1f} s → total {phases['total']:.1f} s "
          f"({marker['overall_rows_per_s']:,} filas/s en total, {marker['copy_rows_per_s']:,} en COPY)")
    board = [r for r in results if r["figure"] == "board_home"]
    print(f"\nInicio del tablero (seis cuentas), escala {scale.name} ({scale.branches} sucursales), sucursal "
          f"{env['bench_branch']}; {env['server']}; sesiones {env['sessions']}; carga {env['tool']} a "
          f"{board[0]['connections']} conexiones; carga de la máquina (1 min) {env['loadavg_1min']['before']} → "
          f"{env['loadavg_1min']['after']}. Tiempos en ms, del lado del servidor salvo 'cliente'.")
    print(f"  {'ronda':<6}{'variante':<14}{'p50':>7}{'p95':>7}{'p99':>7}{'cliente p50':>12}{'CPU/pedido':>11}"
          f"{'req/s':>9}{'p95÷bare':>10}{'req/s÷bare':>11}{'bytes':>7}")
    for row in board:
        ratio = row["ratio_to_bare"] or {}
        print(f"  {row['run']:<6}{row['variant']:<14}{row['p50_ms']:>7.2f}{row['p95_ms']:>7.2f}{row['p99_ms']:>7.2f}"
              f"{row['client_p50_ms']:>12.2f}{_num(row['cpu_ms_per_request']):>11}{row['rps']:>9.1f}"
              f"{_num(ratio.get('p95')):>10}{_num(ratio.get('rps')):>11}{row['bytes']:>7}")
    worst = max((r["p95_ms"] for r in board if r["variant"] != "bare"), default=0.0)
    verdict = "cumple" if worst <= TARGET_P95_MS else "NO cumple"
    print(f"  objetivo p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict} (peor p95 nuestro: {worst:.2f} ms); "
          f"cuentas de los botones: {board[0]['button_counts']}; parcial = referencia byte a byte: "
          f"{all(r['same_bytes_as_bare'] for r in board if r['variant'] == 'retorno_htmx')}")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
