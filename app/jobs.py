"""Background work: one enqueue interface, two backends.

With REDIS_URL the jobs go to arq and run in `python -m app worker`
processes (cron jobs too). Without it they run in the app process: an asyncio
task per job and a minute ticker for the cron jobs, calling the same job
functions with a ctx that has no "redis" key (jobs must not assume one).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from arq import ArqRedis, create_pool, cron
from arq.connections import RedisSettings
from arq.jobs import Job
from arq.worker import func

from app import db
from app.board.appointments.no_shows import mark_no_shows
from app.campaigns.commands import process_campaign
from app.config import Settings
from app.dms import imports, sync
from app.generators.run import generate as generate_opportunities
from app.messaging import outbox
from app.messaging.daily_pack import send_daily_pack

log = logging.getLogger("retorno.jobs")

JobFunction = Callable[..., Awaitable[Any]]

# Every job the worker knows, by name.
FUNCTIONS: dict[str, JobFunction] = {
    "deliver_message": outbox.deliver_message,
    "sweep_outbox": outbox.sweep_outbox,
    "mark_no_shows": mark_no_shows,
    "run_import": imports.run_import,
    "sync_sources": sync.sync_sources,
    "sync_source_now": sync.sync_source_now,
    "process_campaign": process_campaign,
    "generate_opportunities": generate_opportunities,
    "send_daily_pack": send_daily_pack,
}


@dataclass(frozen=True)
class Cron:
    name: str
    minutes: frozenset[int]  # minutes of the hour it runs at


CRONS = [
    Cron("sweep_outbox", frozenset(range(0, 60, 5))),
    # Hourly: each branch's local midnight passes at a different UTC hour.
    Cron("mark_no_shows", frozenset({7})),
    # Each source says how often it wants to run; this only looks for the due ones.
    Cron("sync_sources", frozenset(range(3, 60, 5))),
    # Hourly, so each branch's new local day is seen within the hour; running again makes nothing twice.
    Cron("generate_opportunities", frozenset({23})),
    # Each branch's end of day (default 18:00 local) is caught within 10 minutes; each list goes once.
    Cron("send_daily_pack", frozenset(range(1, 60, 10))),
]


class InProcessQueue:
    """What the app uses when no Redis is configured."""

    backend = "in-process"

    def __init__(self, concurrency: int = 4) -> None:
        self._limit = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None

    async def enqueue(self, name: str, *args: Any) -> asyncio.Task[Any]:
        ctx = {"job_id": uuid.uuid4().hex, "job_try": 1, "enqueue_time": dt.datetime.now(dt.UTC)}
        task = asyncio.create_task(self._run(name, ctx, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, name: str, ctx: dict[str, Any], args: tuple[Any, ...]) -> Any:
        async with self._limit:
            try:
                return await FUNCTIONS[name](ctx, *args)
            except Exception:
                log.exception("job %s failed", name)
                raise

    def start_cron(self) -> None:
        self._ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            now = dt.datetime.now(dt.UTC)
            await asyncio.sleep(60 - now.second - now.microsecond / 1e6)
            minute = dt.datetime.now(dt.UTC).minute
            for job in CRONS:
                if minute in job.minutes:
                    await self.enqueue(job.name)

    async def close(self) -> None:
        pending = [*self._tasks, *([self._ticker] if self._ticker else [])]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class ArqQueue:
    backend = "arq"

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool  # its default queue is settings.job_queue

    async def enqueue(self, name: str, *args: Any) -> Job | None:
        return await self.pool.enqueue_job(name, *args)

    async def close(self) -> None:
        await self.pool.aclose()


_queue: InProcessQueue | ArqQueue | None = None


def redis_settings(settings: Settings) -> RedisSettings:
    assert settings.redis_url
    return RedisSettings.from_dsn(settings.redis_url)


async def start(settings: Settings, run_cron: bool = True) -> None:
    global _queue
    if settings.redis_url:
        _queue = ArqQueue(await create_pool(redis_settings(settings), default_queue_name=settings.job_queue))
    else:
        _queue = InProcessQueue()
        if run_cron:
            _queue.start_cron()


async def stop() -> None:
    global _queue
    if _queue is not None:
        await _queue.close()
        _queue = None


def backend() -> str:
    return _queue.backend if _queue else "none"


async def enqueue(name: str, *args: Any) -> Any:
    """The one way to start background work. Call it after the transaction
    that wrote what the job reads has committed."""
    if name not in FUNCTIONS:
        raise KeyError(f"unknown job {name!r}")
    if _queue is None:
        raise RuntimeError("jobs.start() was not called")
    return await _queue.enqueue(name, *args)


# --- the arq worker (python -m app worker) -----------------------------------


async def _worker_startup(ctx: dict[str, Any]) -> None:
    await db.start()


async def _worker_shutdown(ctx: dict[str, Any]) -> None:
    await db.stop()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [func(fn, name=name) for name, fn in FUNCTIONS.items()]
    cron_jobs: ClassVar[list[Any]] = [cron(FUNCTIONS[c.name], name=c.name, minute=set(c.minutes), second=0, unique=True)
                 for c in CRONS]
    on_startup = _worker_startup
    on_shutdown = _worker_shutdown
    max_jobs = 10
    job_timeout = 300
    keep_result = 3600

