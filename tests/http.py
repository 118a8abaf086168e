"""An HTTP client for tests that behaves like the browser: keeps cookies,
sends the CSRF token on unsafe requests, talks to the app in-process."""

from __future__ import annotations

import re
from typing import Any

import httpx

CSRF_COOKIE = "retorno_csrf"
SESSION_COOKIE = "retorno_sesion"


class Client(httpx.AsyncClient):
    def __init__(self, app: Any, ip: str = "127.0.0.1", csrf: bool = True,
                 base_url: str = "http://testserver") -> None:
        # base_url="https://…" makes the request scheme https (and Secure cookies come back).
        super().__init__(
            transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
            base_url=base_url,
            follow_redirects=False,
            event_hooks={"request": [self._add_csrf]} if csrf else {},
        )

    async def _add_csrf(self, request: httpx.Request) -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS") and "x-csrftoken" not in request.headers:
            token = self.cookies.get(CSRF_COOKIE)
            if token:
                request.headers["x-csrftoken"] = token

    async def ensure_csrf(self) -> str:
        if not self.cookies.get(CSRF_COOKIE):
            await self.get("/ingresar")
        return self.cookies[CSRF_COOKIE]

    async def sign_in(self, username: str, password: str = "retorno-demo") -> httpx.Response:
        await self.ensure_csrf()
        response = await self.post("/ingresar", data={"username": username, "password": password})
        assert response.status_code == 303, f"no pudo ingresar {username}: {response.status_code} {response.text[:300]}"
        return response

    @property
    def session_id(self) -> str | None:
        return self.cookies.get(SESSION_COOKIE)


def text_of(html: str, data_test: str) -> list[str]:
    """The text of every element with data-test=<name> (tags stripped)."""
    pattern = re.compile(rf'data-test="{re.escape(data_test)}"[^>]*>(.*?)</', re.S)
    return [re.sub(r"<[^>]+>", "", m).strip() for m in pattern.findall(html)]


SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
SCRIPT_SRC = re.compile(r"""\bsrc=["']/static/[^"']+["']""", re.I)


def page_problems(response: httpx.Response) -> list[str]:
    """What is wrong with the security headers or the markup of one answer
    (empty when nothing is): every answer carries the CSP, nosniff and the
    referrer policy; pages are never stored; HTML has no inline script."""
    headers = response.headers
    problems = []
    csp = {d.split(" ", 1)[0]: d for d in (p.strip() for p in headers.get("content-security-policy", "").split(";"))}
    if "script-src" not in csp or "'unsafe-inline'" in csp["script-src"] or "'unsafe-eval'" in csp["script-src"]:
        problems.append(f"CSP sin script-src estricto: {headers.get('content-security-policy')!r}")
    if csp.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append("CSP sin frame-ancestors 'none'")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("falta X-Content-Type-Options: nosniff")
    if not headers.get("referrer-policy"):
        problems.append("falta Referrer-Policy")
    if not response.request.url.path.startswith("/static/") and "no-store" not in headers.get("cache-control", ""):
        problems.append(f"Cache-Control sin no-store: {headers.get('cache-control')!r}")
    if headers.get("content-type", "").startswith("text/html"):
        inline = [m.group(0) for m in SCRIPT.finditer(response.text) if not SCRIPT_SRC.search(m.group(1))]
        if inline:
            problems.append(f"script fuera de /static: {inline}")
    return problems
