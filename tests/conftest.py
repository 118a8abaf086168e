"""The test session: a fresh database migrated from zero, the app running in
the session's event loop, HTTP clients that sign in, and real Chromium.

Which database: TEST_DATABASE=sqlite (default, a temporary file) or
TEST_DATABASE=postgres (a fresh database on TEST_POSTGRES_URL, dropped at the
end). `make test` runs the suite on both. A service that is not there skips
its tests with one line, except with CI=true, where it fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
_VAR = Path(tempfile.mkdtemp(prefix="retorno-test-"))
_PG_DATABASE: str | None = None


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def missing(what: str) -> None:
    """A service a test needs is not there: fail under CI, skip otherwise."""
    if CI:
        pytest.fail(f"CI=true y {what}", pytrace=False)
    pytest.skip(what)


async def _create_pg_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop_pg_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def pytest_configure(config: pytest.Config) -> None:
    global _PG_DATABASE
    os.environ["RETORNO_ENV"] = "test"
    os.environ["RETORNO_VAR_DIR"] = str(_VAR)
    os.environ.pop("REDIS_URL", None)  # the app under test runs jobs in-process; redis tests opt in
    os.environ.pop("SMTP_HOST", None)
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind == "postgres":
        if not reachable(POSTGRES_URL, 5432):
            if CI:
                raise pytest.UsageError(f"CI=true y PostgreSQL no responde en {POSTGRES_URL}")
            pytest.exit(f"omitido: PostgreSQL no responde en {POSTGRES_URL}", returncode=0)
        _PG_DATABASE = f"retorno_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_create_pg_database(_PG_DATABASE))
        parts = urlsplit(POSTGRES_URL)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{_PG_DATABASE}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{_VAR / 'test.sqlite'}"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PG_DATABASE:
        asyncio.run(_drop_pg_database(_PG_DATABASE))
    shutil.rmtree(_VAR, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str:
    return f"retorno: DATABASE_URL={os.environ.get('DATABASE_URL')} CI={CI}"


# --- the app ------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings() -> Any:
    from app.config import get_settings

    return get_settings()


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[Any]:
    """The app, migrated from zero and started once for the session."""
    from app import db
    from app.asgi import create_app

    await db.start()
    await db.run_migrations()
    await db.stop()
    async with running(create_app()) as application:
        yield application


@contextlib.asynccontextmanager
async def running(application: Any) -> AsyncIterator[Any]:
    """The app's ASGI lifespan (start-up hooks, stores) around the block.

    The lifespan holds a task group, which must end in the task it began in;
    pytest-asyncio tears fixtures down in another task, so it gets its own."""
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application.lifespan():
            started.set()
            await stopping.wait()

    lifespan = asyncio.create_task(run())
    await asyncio.wait([lifespan, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if lifespan.done():
        lifespan.result()  # start-up failed: raise it here
    try:
        yield application
    finally:
        stopping.set()
        await lifespan


@pytest.fixture
async def another_app(app: Any) -> AsyncIterator[Any]:
    """`await another_app(BASE_URL="https://…", REDIS_URL=…)` → a second app built
    by create_app() from the test environment plus these variables, running its
    own lifespan (its stores: a RedisStore closes its client there).

    It shares the session app's database and job queue: those are process-wide
    (app.db, app.jobs), so its start-up/shut-down hooks are dropped — starting
    them again would warn (PostgreSQL pool exists) and stopping them would close
    the session app's pool and queue."""
    from app.asgi import create_app
    from app.config import Settings

    async with contextlib.AsyncExitStack() as stack:

        async def build(**environ: str) -> Any:
            application = create_app(Settings.from_env(os.environ | environ))
            application.on_startup.clear()
            application.on_shutdown.clear()
            return await stack.enter_async_context(running(application))

        yield build


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    """An anonymous browser-like client (cookies kept, CSRF header added)."""
    from tests.http import Client

    anonymous = Client(app)
    yield anonymous
    await anonymous.aclose()


@pytest.fixture
async def as_user(app: Any) -> AsyncIterator[Any]:
    """`await as_user("coordinador.ar")` → a signed-in client."""
    from tests.http import Client

    clients: list[Client] = []

    async def sign_in(username: str, password: str = "retorno-demo", ip: str = "127.0.0.1") -> Client:
        signed = Client(app, ip=ip)
        clients.append(signed)
        await signed.sign_in(username, password)
        return signed

    yield sign_in
    for opened in clients:
        await opened.aclose()


@pytest.fixture
async def make(app: Any) -> Any:
    """Factories with domain defaults: `await make.branch()`, `await make.opportunity(branch=b)`."""
    from tests.factories import Factory

    return Factory()


@pytest.fixture(scope="session")
async def demo(app: Any) -> Any:
    """The demo dealership, loaded once (its users sign in with retorno-demo)."""
    from app import demo as demo_module

    await demo_module.load()
    return demo_module


# --- outside services -----------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not reachable(REDIS_URL, 6379):
        missing(f"Redis no responde en {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        missing(f"Chromium no está instalado en {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
async def server(app: Any) -> AsyncIterator[str]:
    """The session's app served over real HTTP in this event loop (for Chromium)."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                            timeout_graceful_shutdown=1)
    web = uvicorn.Server(config)
    task = asyncio.create_task(web.serve())
    while not web.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    await task


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any, server: str) -> AsyncIterator[Any]:
    """A fresh browser context; fails the test on any CSP violation or console error."""
    context = await browser.new_context(base_url=server, locale="es-AR", viewport={"width": 1366, "height": 850})
    opened = await context.new_page()
    problems: list[str] = []
    # An intended 4xx logs "Failed to load resource"; anything else red is a defect.
    opened.on("console", lambda m: problems.append(m.text)
              if m.type == "error" and "Failed to load resource" not in m.text else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    yield opened
    await context.close()
    assert not problems, f"errores en la consola del navegador: {problems}"
