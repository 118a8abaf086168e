"""Server-side sessions: the store, the cookie, a new id at every sign-in.

The session holds only ids and times; who the user is and what he may reach
is read from the database on every request (so deactivating a user or
resetting his password ends his sessions at once).
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.types import Empty, Message, Scope
from litestar.utils.dataclass import extract_dataclass_items

from app.config import Settings

COOKIE = "retorno_sesion"
STORE = "sessions"
_ROTATE = "rotate_session"
_LOADED = "session_as_loaded"
TOUCH_EVERY = 60  # seconds: how stale "seen" may get before it is written again
# Sent by requests the page makes by itself (the home's refresh every minute):
# they must not keep an unattended screen signed in.
BACKGROUND_HEADER = "x-retorno-background"


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's backend, plus: no cookie and no store entry for anonymous
    visitors, a fresh session id when a request asks for one, and a cookie
    that really goes when the session ends (Litestar's "null" cookie keeps
    the configured Max-Age, which wins over its Expires: browsers kept it).
    An unchanged session is not written back: no store write per request."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = dict(data)  # type: ignore[typeddict-item]
        return data

    async def store_in_message(self, scope_session: Any, message: Message, connection: ASGIConnection) -> None:
        incoming = connection.cookies.get(self.config.key)
        had_cookie = incoming not in (None, "", "null")
        scope: Scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        if scope_session is Empty or not scope_session:
            if had_cookie:
                await self.delete(incoming, store=store)  # type: ignore[arg-type]
                self._set_cookie(message, "", max_age=0, expires=0)
            return
        state = scope.get("state", {})
        if not state.get(_ROTATE):
            if scope_session != state.get(_LOADED):
                await super().store_in_message(scope_session, message, connection)
            return
        if had_cookie:
            await self.delete(incoming, store=store)  # type: ignore[arg-type]
        session_id = self.generate_session_id()
        await self.set(session_id, self.serialize_data(scope_session, scope), store=store)
        self._set_cookie(message, session_id)

    def _set_cookie(self, message: Message, value: str, **override: Any) -> None:
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=value, key=self.config.key, **(params | override)).to_header(header="")
        )


class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


def session_config(settings: Settings) -> SessionConfig:
    return SessionConfig(
        store=STORE,
        key=COOKIE,
        max_age=settings.session_idle_minutes * 60,  # re-set on every response: the store forgets idle sessions
        httponly=True,
        secure=settings.https,
        samesite="lax",
        # Anchored: /admin/pantallas has a session, /pantalla/… (the TV) has none.
        exclude=["^/static/", "^/healthz", "^/api/", "^/schema", "^/pantalla/"],
    )


def session_store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="retorno:sessions")
    return FileStore(settings.var_dir / "sessions", create_directories=True)


def start(connection: ASGIConnection, user_id: int, epoch: int, branch_id: int | None) -> None:
    """Begin a signed-in session under a new id (no fixation)."""
    now = int(time.time())
    connection.scope.setdefault("state", {})[_ROTATE] = True
    connection.set_session({"uid": user_id, "epoch": epoch, "branch": branch_id, "since": now, "seen": now})


def end(connection: ASGIConnection) -> None:
    """Destroy the session: the store entry goes and the cookie is cleared."""
    connection.clear_session()


def expired(session: dict[str, Any], settings: Settings, now: float) -> bool:
    since, seen = session.get("since", 0), session.get("seen", 0)
    return now - since > settings.session_max_hours * 3600 or now - seen > settings.session_idle_minutes * 60


def touch(session: dict[str, Any], now: float, background: bool) -> None:
    """Note the user's activity (at most once a minute, so most requests write nothing)."""
    if not background and now - session.get("seen", 0) >= TOUCH_EVERY:
        session["seen"] = int(now)
