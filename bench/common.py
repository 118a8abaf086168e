"""What every bench step shares: scales, addresses, the environment of the
processes it starts. Imports nothing of the app (piccolo_conf reads
DATABASE_URL when first imported, so app modules are imported only after
`app_environment()` has been applied, or in subprocesses)."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results.json"
PASSWORD = "retorno-bench-2026"  # noqa: S105 - the bench users' published password


@dataclass(frozen=True)
class Scale:
    name: str
    branches: int
    customers: int
    vehicles: int
    deliveries: int
    repair_orders: int
    opportunities: int
    appointments: int
    sequential: int  # requests one at a time, per target and run
    warmup: int
    action_requests: int  # POSTs per action and run (each on a fresh target row)
    list_requests: int  # requests one at a time per list tab (and variant) and run


# Same density per branch at both scales (10k customers, 12.5k vehicles, 50k
# repair orders, 25k opportunities, 7.5k appointments, 1.5k sales deliveries
# per branch over three years), so a branch's board counts are alike and the
# scales differ only in how much else the tables hold.
SCALES = {
    "small": Scale("small", 2, 20_000, 25_000, 3_000, 100_000, 50_000, 15_000, sequential=300, warmup=50,
                   action_requests=100, list_requests=150),
    "large": Scale("large", 40, 400_000, 500_000, 60_000, 2_000_000, 1_000_000, 300_000, sequential=500, warmup=100,
                   action_requests=200, list_requests=300),
}


def database_url(scale: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"postgresql://postgres@127.0.0.1:5432/retorno_bench_{scale}"


def maintenance_url(url: str) -> str:
    """The same server, database `postgres` (to create and drop the bench database)."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_name(url: str) -> str:
    return urlsplit(url).path.strip("/")


def reachable(url: str, default_port: int, timeout: float = 2.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(database: str, var_dir: Path, redis_url: str | None = None, port: int | None = None,
                    secret_key: str | None = None) -> dict[str, str]:
    """The environment of the app under test: production mode, the bench
    database, sessions in Redis when given (else files under var_dir)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "BASE_URL")}
    env.update(
        RETORNO_ENV="production",
        DATABASE_URL=database,
        SECRET_KEY=secret_key or secrets.token_urlsafe(48),
        RETORNO_VAR_DIR=str(var_dir),
        BASE_URL=f"http://127.0.0.1:{port or 8000}",
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env
