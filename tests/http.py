"""An HTTP client for tests that behaves like the browser: keeps cookies,
sends the CSRF token on unsafe requests, talks to the app in-process."""

from __future__ import annotations

import re
from typing import Any

import httpx

CSRF_COOKIE = "retorno_csrf"
SESSION_COOKIE = "retorno_sesion"


class Client(httpx.AsyncClient):
    def __init__(self, app: Any, ip: str = "127.0.0.1", csrf: bool = True) -> None:
        super().__init__(
            transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
            base_url="http://testserver",
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
