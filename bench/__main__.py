"""python -m bench --scale small|large [--regenerate] [--parts home,lists,actions,mixed] …  (make bench SCALE=…)

Generates (or reuses) the data set, measures the board home, every list tab,
the customer page and every action against the bare-stack reference, runs the
mixed load on two app processes, writes bench/results.json and prints a
summary.
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

TARGET_P95_MS = 15.0  # the home
LIST_TARGET_P95_MS = 20.0
LIST_TARGET_RPS_RATIO = 0.5
ACTION_TARGET_P95_MS = 25.0
PARTS = ("home", "lists", "actions", "mixed")
# Figures each part writes (a run replaces only its own parts' figures of its scale).
FIGURES = {"home": ("board_home",), "lists": ("board_list", "board_customer"), "actions": ("board_action",),
           "mixed": ("mixed_load",)}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    top.add_argument("--scale", choices=sorted(SCALES), default="small")
    top.add_argument("--regenerate", action="store_true", help="load the data set again even if it is there")
    top.add_argument("--generate-only", action="store_true", help="stop after generating")
    top.add_argument("--parts", default=",".join(PARTS),
                     help=f"what to measure, comma-separated among {', '.join(PARTS)} (default: all)")
    top.add_argument("--runs", type=int, default=2, help="measurement rounds on the same servers (default 2)")
    top.add_argument("--requests", type=int, help="sequential requests on the home per variant and run "
                                                  "(default by scale)")
    top.add_argument("--list-requests", type=int, help="sequential requests per list tab, variant and run "
                                                       "(default by scale)")
    top.add_argument("--seconds", type=int, default=10, help="seconds of load at 32 connections on the home")
    top.add_argument("--list-seconds", type=int, default=5,
                     help="seconds of load at 32 connections per list tab and variant (default 5)")
    top.add_argument("--action-requests", type=int, help="POSTs per action and run (default by scale)")
    top.add_argument("--mixed-rate", type=float, default=60.0, help="mixed load: requests per second (default 60)")
    top.add_argument("--mixed-seconds", type=int, default=60, help="mixed load: seconds measured (default 60)")
    top.add_argument("--mixed-warmup", type=int, default=5, help="mixed load: seconds of GETs before (default 5)")
    top.add_argument("--sessions", choices=["auto", "redis", "file"], default="auto",
                     help="session store of the app: Redis as in production (auto: BENCH_REDIS_URL, else a "
                          "private redis-server when installed, else files), or files")
    top.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                     help="load generator for requests/s: wrk when installed (auto), or the asyncio client")
    top.add_argument("--logs", type=Path, help="copy the servers' logs into this directory")
    top.add_argument("--output", type=Path, default=RESULTS)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    scale = SCALES[args.scale]
    parts = tuple(p for p in PARTS if p in {x.strip() for x in args.parts.split(",")})
    if not parts:
        print(f"--parts: elija entre {', '.join(PARTS)}", file=sys.stderr)
        return 2
    url = database_url(scale.name)
    if not reachable(url, 5432):
        print(f"PostgreSQL no responde en {url} (BENCH_DATABASE_URL): no hay benchmark sin él.", file=sys.stderr)
        return 2
    # The generator hashes the bench password with the app's own hasher; the
    # app reads its settings from the environment (production: argon2 defaults).
    scratch = tempfile.TemporaryDirectory(prefix="retorno-bench-")
    os.environ.update(app_environment(url, Path(scratch.name)))

    from bench import board, generate, load, measure

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
    found = board.discover()
    settings = measure.Settings(
        parts=parts, requests=args.requests or scale.sequential, warmup=scale.warmup, runs=args.runs,
        seconds=args.seconds, list_seconds=args.list_seconds,
        action_requests=args.action_requests or scale.action_requests,
        list_requests=args.list_requests or scale.list_requests, tool=tool,
        mixed_rate=args.mixed_rate, mixed_seconds=args.mixed_seconds, mixed_warmup=args.mixed_warmup,
        logs=args.logs,
    )
    print(f"  listas: {', '.join(sorted({t.key for t in found.lists}))}; página del cliente: "
          f"{'sí' if found.customer_page else 'no'}; acciones: {len(found.actions)} "
          f"(sin ruta todavía: {', '.join(found.skipped_actions) or 'ninguna'})")
    print(f"  midiendo {', '.join(parts)}: {args.runs} rondas × pedidos de a uno (inicio {settings.requests}, cada "
          f"lista {settings.list_requests}, cada acción {settings.action_requests}); req/s a {measure.CONNECTIONS} "
          f"conexiones con {tool}; "
          f"sesiones: {sessions}", flush=True)
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    try:
        figures = measure.run(url, marker, sessions, found, settings)
    except (load.LoadError, RuntimeError) as error:  # a server that did not start, a refused sign-in, a 500
        print(f"La medición falló: {error}", file=sys.stderr)
        return 1
    store = "file" if sessions == "file" else "redis (private redis-server)" if sessions == "private-redis" else "redis"
    results = assemble(scale.name, marker, figures, measured_at, store, tool, found, settings)
    # The machine is shared: say how busy it was (1-minute load average, 2 cores).
    results[0]["loadavg_1min"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    args.output.write_text(json.dumps(merged(args.output, scale.name, parts, results), indent=2,
                                      ensure_ascii=False) + "\n")
    print_summary(scale, marker, results)
    print(f"\n  → {args.output}")
    scratch.cleanup()
    return 0


def _ratio(mine: float, reference: float) -> float:
    return round(mine / reference, 2) if reference else 0.0


def assemble(scale: str, marker: dict[str, Any], figures: dict[str, list[dict[str, Any]]], measured_at: str,
             sessions: str, tool: str, found: Any, settings: Any) -> list[dict[str, Any]]:
    """bench/results.json: a list, one object per figure, the same keys in every object of a figure."""
    from bench.generate import BULK

    out: list[dict[str, Any]] = [{
        "figure": "environment", "scale": scale, "measured_at": measured_at, "cpus": os.cpu_count(),
        "python": platform.python_version(), "server": "uvicorn, 1 process (mixed load: 2)", "sessions": sessions,
        "tool": tool, "bench_branch": marker["bench_branch"], "bench_user": marker["bench_user"],
        "parts": list(settings.parts), "runs": settings.runs, "sequential_requests": settings.requests,
        "list_requests": settings.list_requests, "action_requests": settings.action_requests,
        "list_load_seconds": settings.list_seconds,
        "lists": sorted({t.key for t in found.lists}), "customer_page": found.customer_page,
        "actions": [a.key for a in found.actions], "actions_skipped_no_route": found.skipped_actions,
        "note": "2 shared cores: compare ratios within a run, not absolute figures across runs",
    }]
    reused, generated_at = marker["reused"], marker["generated_at"]
    for table in BULK:
        row = marker["tables"].get(table)
        if row is None:
            continue
        out.append({"figure": "generate", "scale": scale, "table": table, "rows": row["rows"],
                    "seconds": row["seconds"], "rows_per_s": row["rows_per_s"],
                    "phase": "copy" if "method" not in row else "insert-select",
                    "generated_at": generated_at, "reused": reused})
    bulk = sum(row["rows"] for row in marker["tables"].values())
    out.append({"figure": "generate", "scale": scale, "table": "(all, with indexes and analyze)", "rows": bulk,
                "seconds": marker["seconds"]["total"], "rows_per_s": marker["overall_rows_per_s"],
                "phase": "total", "generated_at": generated_at, "reused": reused, "phases": marker["seconds"],
                "method": marker["method"]})
    home = figures.get("home", [])
    bare = {f["run"]: f for f in home if f["variant"] == "bare"}
    for figure in home:
        reference = bare[figure["run"]]
        ours = figure["variant"] != "bare"
        out.append({
            "figure": "board_home", "scale": scale, **figure,
            "ratio_to_bare": {
                "p50": _ratio(figure["p50_ms"], reference["p50_ms"]),
                "p95": _ratio(figure["p95_ms"], reference["p95_ms"]),
                "rps": _ratio(figure["rps"], reference["rps"]),
            } if ours else None,
            "target_p95_ms": TARGET_P95_MS if ours else None,
            "meets_target": figure["p95_ms"] <= TARGET_P95_MS if ours else None,
            "rows": marker["rows"], "measured_at": measured_at,
        })
    for figure in figures.get("lists", []):
        ours = figure["variant"] != "bare"
        listed = figure["figure"] == "board_list"
        meets = None
        if ours:
            meets = figure["p95_ms"] <= LIST_TARGET_P95_MS and (
                not listed or figure["ratio_to_bare"]["rps"] >= LIST_TARGET_RPS_RATIO)
        out.append({"scale": scale, **figure,
                    "target_p95_ms": LIST_TARGET_P95_MS if ours else None,
                    "target_rps_ratio": LIST_TARGET_RPS_RATIO if ours and listed else None,
                    "meets_target": meets, "measured_at": measured_at})
    for figure in figures.get("actions", []):
        if "skipped" in figure:
            out.append({"scale": scale, **figure, "measured_at": measured_at})
            continue
        post = figure["kind"] == "post"
        out.append({"scale": scale, **figure,
                    "target_p95_ms": ACTION_TARGET_P95_MS if post else None,
                    "meets_target": (figure["p95_ms"] <= ACTION_TARGET_P95_MS and not figure["errors"]) if post
                    else None, "measured_at": measured_at})
    for figure in figures.get("mixed", []):
        out.append({"scale": scale, **figure, "measured_at": measured_at})
    return out


def merged(path: Path, scale: str, parts: tuple[str, ...], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The file keeps the latest figures of every scale and part: this run replaces only its own
    scale's figures of the parts it measured (and that scale's environment and generation figures,
    when it measured every part)."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = []
    replaced = {f for p in parts for f in FIGURES[p]}
    everything = set(parts) == set(PARTS)
    def kept(o: dict[str, Any]) -> bool:
        if not isinstance(o, dict) or o.get("scale") not in SCALES:
            return False
        if o.get("scale") != scale:
            return True
        if o.get("figure") == "environment":
            return not everything and not set(o.get("parts") or PARTS) <= set(parts)
        if o.get("figure") == "generate":
            return False
        return o.get("figure") not in replaced

    order = list(SCALES)
    return sorted([*(o for o in previous if kept(o)), *results], key=lambda o: order.index(o["scale"]))


def print_summary(scale: Any, marker: dict[str, Any], results: list[dict[str, Any]]) -> None:
    env = results[0]
    print(f"\nGeneración ({'reutilizada, ' if marker['reused'] else ''}{marker['generated_at']}):")
    print(f"  {'tabla':<18}{'filas':>11}{'s':>8}{'filas/s':>11}")
    for row in results:
        if row["figure"] == "generate" and row["phase"] != "total":
            print(f"  {row['table']:<18}{row['rows']:>11,}{row['seconds']:>8.1f}{row['rows_per_s']:>11,}")
    phases = marker["seconds"]
    print(f"  COPY + INSERT … SELECT {phases['copy']:.1f} s · índices {phases['indexes']:.1f} s · claves foráneas "
          f"{phases['foreign_keys']:.1f} s · VACUUM ANALYZE {phases['vacuum_analyze']:.1f} s · migraciones "
          f"{phases['migrate']:.1f} s → total {phases['total']:.1f} s "
          f"({marker['overall_rows_per_s']:,} filas/s en total)")
    print(f"\nEscala {scale.name} ({scale.branches} sucursales), sucursal {env['bench_branch']}; sesiones "
          f"{env['sessions']}; req/s con {env['tool']} a 32 conexiones; carga de la máquina (1 min) "
          f"{env['loadavg_1min']['before']} → {env['loadavg_1min']['after']}. Tiempos en ms del lado del servidor "
          "(Server-Timing), de a un pedido.")
    board = [r for r in results if r["figure"] == "board_home"]
    if board:
        print("\nInicio del tablero (seis cuentas):")
        print(f"  {'ronda':<6}{'variante':<14}{'p50':>7}{'p95':>7}{'p99':>7}{'req/s':>9}{'p95÷bare':>10}"
              f"{'req/s÷bare':>11}{'bytes':>7}")
        for row in board:
            ratio = row["ratio_to_bare"] or {}
            print(f"  {row['run']:<6}{row['variant']:<14}{row['p50_ms']:>7.2f}{row['p95_ms']:>7.2f}"
                  f"{row['p99_ms']:>7.2f}{row['rps']:>9.1f}{_num(ratio.get('p95')):>10}{_num(ratio.get('rps')):>11}"
                  f"{row['bytes']:>7}")
        worst = max((r["p95_ms"] for r in board if r["variant"] != "bare"), default=0.0)
        print(f"  objetivo p95 ≤ {TARGET_P95_MS:.0f} ms: {'cumple' if worst <= TARGET_P95_MS else 'NO cumple'} "
              f"(peor p95 nuestro {worst:.2f} ms); parcial = referencia byte a byte: "
              f"{all(r['same_bytes_as_bare'] for r in board if r['variant'] == 'retorno_htmx')}")
    lists = [r for r in results if r["figure"] in ("board_list", "board_customer")]
    if lists:
        print(f"\nListas (parcial htmx, 50 filas) y página del cliente: objetivo p95 ≤ {LIST_TARGET_P95_MS:.0f} ms y "
              f"req/s ≥ {LIST_TARGET_RPS_RATIO:.0%} de la referencia. Peor de las rondas; 'consulta' = la función "
              "de consulta sola, en la referencia.")
        print(f"  {'lista · pestaña':<42}{'filas':>6}{'total':>7}{'p50':>7}{'p95':>7}{'bare p95':>9}{'consulta':>9}"
              f"{'req/s':>7}{'bare':>7}{'÷bare':>7}{'=bytes':>7}  ")
        keys = []
        for r in lists:
            key = (r["list"], r["tab"], r["q"])
            if key not in keys:
                keys.append(key)
        misses = []
        for key in keys:
            mine = [r for r in lists if (r["list"], r["tab"], r["q"]) == key and r["variant"] != "bare"]
            theirs = [r for r in lists if (r["list"], r["tab"], r["q"]) == key and r["variant"] == "bare"]
            p95 = max(r["p95_ms"] for r in mine)
            ratio = min(r["ratio_to_bare"]["rps"] for r in mine)
            label = " · ".join(x for x in (key[0], key[1], f"q={key[2]}" if key[2] else "") if x)
            ok = all(r["meets_target"] for r in mine)
            if not ok:
                misses.append(label)
            print(f"  {label:<42}{_int(mine[0].get('rows_on_page')):>6}{_int(mine[0].get('total')):>7}"
                  f"{max(r['p50_ms'] for r in mine):>7.2f}{p95:>7.2f}{max(r['p95_ms'] for r in theirs):>9.2f}"
                  f"{_num(max((r.get('query_p50_ms') or 0) for r in theirs)):>9}"
                  f"{min(r['rps'] for r in mine):>7.0f}{min(r['rps'] for r in theirs):>7.0f}{ratio:>7.2f}"
                  f"{'sí' if all(r['same_bytes_as_bare'] for r in mine) else 'NO':>7}  {'' if ok else '✗'}")
        print(f"  {'todas cumplen' if not misses else 'NO cumplen: ' + ', '.join(misses)}")
    acts = [r for r in results if r["figure"] == "board_action" and "skipped" not in r]
    if acts:
        print(f"\nAcciones (htmx: panel + fila, pestañas y botones fuera de banda): objetivo POST p95 ≤ "
              f"{ACTION_TARGET_P95_MS:.0f} ms. Peor de las rondas.")
        print(f"  {'acción':<28}{'POST p50':>9}{'p95':>7}{'p99':>7}{'errores':>8}{'form p50':>9}{'p95':>7}{'bytes':>7}")
        names = []
        for r in acts:
            if r["action"] not in names:
                names.append(r["action"])
        for name in names:
            posts = [r for r in acts if r["action"] == name and r["kind"] == "post"]
            forms = [r for r in acts if r["action"] == name and r["kind"] == "form"]
            ok = all(r["meets_target"] for r in posts)
            print(f"  {name:<28}{max(r['p50_ms'] for r in posts):>9.2f}{max(r['p95_ms'] for r in posts):>7.2f}"
                  f"{max(r['p99_ms'] for r in posts):>7.2f}{sum(r['errors'] for r in posts):>8}"
                  f"{max(r['p50_ms'] for r in forms):>9.2f}{max(r['p95_ms'] for r in forms):>7.2f}"
                  f"{posts[-1]['bytes']:>7}  {'' if ok else '✗'}")
    skipped = [r for r in results if r["figure"] == "board_action" and "skipped" in r]
    for r in skipped:
        print(f"  {r['action']}: no medida ({r['skipped']})")
    if env.get("actions_skipped_no_route"):
        print(f"  sin ruta en la app (no medidas): {', '.join(env['actions_skipped_no_route'])}")
    for m in (r for r in results if r["figure"] == "mixed_load"):
        print(f"\nCarga mixta: {m['processes']} procesos, {m['signed_in_users']} usuarios de {m['branches']} "
              f"sucursales, llegadas Poisson a {m['rate_target']:g}/s durante {m['seconds']} s (lazo abierto): "
              f"{m['requests']} pedidos, {m['achieved_rps']}/s. De punta a punta: p50 {m['p50_ms']} · p95 "
              f"{m['p95_ms']} · p99 {m['p99_ms']} · máx {m['max_ms']} ms; errores {m['errors']} "
              f"{m['errors_by_status'] or ''}; objetivo p95 ≤ {m['target_p95_ms']:.0f} ms sin errores: "
              f"{'cumple' if m['meets_target'] else 'NO cumple'}.")
        for kind, k in m["by_kind"].items():
            print(f"  {kind:<9}{k['requests']:>6} pedidos  p50 {k['p50_ms']:>7.2f}  p95 {k['p95_ms']:>7.2f}  "
                  f"p99 {k['p99_ms']:>7.2f}  (servidor p95 {_num(k['server_p95_ms'])})  errores {k['errors']}")
        print("  por 10 s (p50 / p95 de punta a punta / p95 servidor): " + " · ".join(
            f"{w['p50_ms']:.0f}/{w['p95_ms']:.0f}/{w['server_p95_ms']:.0f}" for w in m["timeline"]))
        print(f"  CPU (s): {m['cpu_seconds']} → {m['cpu_busy_of_2_cores']:.0%} de los 2 núcleos; el generador de "
              f"carga usó {m['load_generator_share_of_cpu_used']:.0%} de esa CPU; retraso del generador p95 "
              f"{m['client_lag_p95_ms']} ms; la máquina entera: {m['machine_busy_of_2_cores']:.0%} "
              f"({m['other_processes_cpu_seconds']} s de otros procesos)")
        for sample in m["error_samples"]:
            print(f"    {sample}")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


if __name__ == "__main__":
    sys.exit(main())
