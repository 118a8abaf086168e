"""Headers every response carries, and the server-side time it took.

Litestar has no security-headers middleware (STACK-NOTES §2). The CSP allows
no inline script; inline <style> only with the per-request nonce (pygal
charts need it), which handlers read from `request.state.csp_nonce`.

Two pieces, because route middleware never sees the answers Litestar makes
outside the route stack (an unknown path's 404, a 405, the CSRF 403 raised in
its middleware): `CspNonce` stamps each routed request with its nonce and
start time before the handler runs, and the `security_headers` hook, which the
app calls on every message it sends, adds the headers to every response.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HSTS = b"max-age=63072000; includeSubDomains"
_STARTED = "request_started"


def content_security_policy(nonce: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def _stamp(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    state.setdefault("csp_nonce", secrets.token_urlsafe(16))
    return state


class CspNonce(ASGIMiddleware):
    """Gives each routed request its CSP nonce and start time."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        _stamp(scope)[_STARTED] = time.perf_counter()
        await next_app(scope, receive, send)


def security_headers(https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The app's before_send hook: the headers, on every response."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
            return
        state = _stamp(scope)  # a request that never reached a route was not stamped
        headers = list(message.get("headers", []))
        names = {name.lower() for name, _ in headers}
        extra = [
            (b"content-security-policy", content_security_policy(state["csp_nonce"]).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if _STARTED in state:
            extra.append((b"server-timing", f"app;dur={(time.perf_counter() - state[_STARTED]) * 1000:.2f}".encode()))
        if https or scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS))
        if not scope["path"].startswith("/static/") and b"cache-control" not in names:
            # Pages hold customer data: never from the back button after sign-out.
            extra.append((b"cache-control", b"no-store"))
        message["headers"] = headers + extra  # type: ignore[typeddict-unknown-key]

    return add_headers
