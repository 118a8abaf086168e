"""Headers every response carries, and the server-side time it took.

Litestar has no security-headers middleware (STACK-NOTES §2). The CSP allows
no inline script; inline <style> only with the per-request nonce (pygal
charts need it), which handlers read from `request.state.csp_nonce`.
"""

from __future__ import annotations

import secrets
import time

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HSTS = b"max-age=63072000; includeSubDomains"


def content_security_policy(nonce: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


class SecurityHeaders(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, https: bool) -> None:
        self.https = https

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        https = self.https or scope.get("scheme") == "https"
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", content_security_policy(nonce).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
                    (b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()),
                ]
                if https:
                    extra.append((b"strict-transport-security", HSTS))
                if not static and b"cache-control" not in names:
                    # Pages hold customer data: never from the back button after sign-out.
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = headers + extra
            await send(message)

        await next_app(scope, receive, send_with_headers)
