"""Security headers on every answer: pages, partials, redirects, and the
errors Litestar makes outside the route stack (unknown path, wrong method,
CSRF). HSTS only over HTTPS; no inline script anywhere; static files cached
for long. The matrix (test_matrix.py) checks the same on every route."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import get
from litestar.plugins.htmx import HTMXRequest

from app.auth.access import PUBLIC
from app.web import HTMX_FILE, static_url
from tests.http import Client, page_problems


@pytest.fixture
async def world(make):
    branch = await make.branch()
    return branch, await make.user("advisor", [branch])


async def answers(app, username: str, base_url: str = "http://testserver") -> dict[str, httpx.Response]:
    """One of each kind of answer the app gives a browser."""
    out = {}
    async with Client(app, base_url=base_url) as anonymous:
        out["sign-in page"] = await anonymous.get("/ingresar")
        out["redirect to sign in"] = await anonymous.get("/entregas")
        out["unknown path (404)"] = await anonymous.get("/no-existe")
        out["static file"] = await anonymous.get(static_url("js/app.js"))
        out["missing static file"] = await anonymous.get("/static/no-existe.css")
        out["sign-in refused (401)"] = await anonymous.post("/ingresar", data={"username": "x", "password": "y"})
        out["empty sign-in (422)"] = await anonymous.post("/ingresar", data={})
        out["no CSRF token (403)"] = await anonymous.post("/ingresar", data={"username": "x"},
                                                          headers={"x-csrftoken": ""})
        out["healthz (JSON)"] = await anonymous.get("/healthz")
    async with Client(app, base_url=base_url) as signed:
        await signed.sign_in(username)
        out["home"] = await signed.get("/")
        out["home partial (htmx)"] = await signed.get("/", headers={"HX-Request": "true"})
        out["a list"] = await signed.get("/turnos")
        out["wrong method (405)"] = await signed.get("/sucursal")
        out["role refused (403)"] = await signed.get("/admin/correo")
        out["role refused, htmx (403)"] = await signed.get("/admin/correo", headers={"HX-Request": "true"})
        out["out of reach (404)"] = await signed.post("/sucursal", data={"branch_id": "2147483000"})
        out["bad form (400)"] = await signed.post("/sucursal", data={"branch_id": "uno"})
        out["sign-out redirect"] = await signed.post("/salir")
    return out


async def test_every_kind_of_answer_carries_the_headers(app, world):
    got = await answers(app, world[1].username)
    assert got["wrong method (405)"].status_code == 405 and got["no CSRF token (403)"].status_code == 403
    problems = {kind: page_problems(r) for kind, r in got.items() if page_problems(r)}
    assert not problems
    for kind, response in got.items():
        assert "strict-transport-security" not in response.headers, f"HSTS sobre http: {kind}"


async def test_hsts_when_served_over_https(app, another_app, world):
    secure = await another_app(BASE_URL="https://retorno.example.com")
    for kind, response in (await answers(secure, world[1].username, "https://testserver")).items():
        assert response.headers.get("strict-transport-security", "").startswith("max-age="), kind
    # A proxy that says https (scheme) gets it even when BASE_URL does not.
    async with Client(app, base_url="https://testserver") as client:
        assert "strict-transport-security" in (await client.get("/ingresar")).headers
        assert "strict-transport-security" in (await client.get("/no-existe")).headers


async def test_csp_forbids_inline_script_and_framing(client):
    csp = (await client.get("/ingresar")).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


async def test_the_nonce_in_the_header_is_the_one_handlers_get(another_app):
    @get("/prueba/nonce", opt=PUBLIC)
    async def nonce(request: HTMXRequest) -> str:
        return request.state.csp_nonce

    app = await another_app()
    app.register(nonce)
    async with Client(app) as client:
        first, second = await client.get("/prueba/nonce"), await client.get("/prueba/nonce")
    assert f"'nonce-{first.text}'" in first.headers["content-security-policy"]
    assert first.text != second.text and len(first.text) >= 16


async def test_static_files_are_cached_for_long(client):
    for path in (static_url("css/screen.css"), static_url(f"js/{HTMX_FILE}"), static_url("js/app.js")):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "max-age=31536000, public"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers  # a shared cache would hand it to everyone
        assert not page_problems(response)
    assert re.fullmatch(r"/static/js/app\.js\?v=[0-9a-f]{10}", static_url("js/app.js"))


async def test_pages_load_scripts_only_from_static(as_user, world, client):
    signed = await as_user(world[1].username)
    for response in (await client.get("/ingresar"), await signed.get("/"), await signed.get("/salir")):
        scripts = re.findall(r"<script\b[^>]*>", response.text)
        assert scripts and all(re.search(r'src="/static/js/[^"]+"', s) for s in scripts)
        assert not re.search(r"\son[a-z]+=", response.text), "manejadores inline (onclick=…) violan la CSP"
        assert "hx-on" not in response.text


def test_the_checker_catches_what_it_should():
    """page_problems() is what every other test here relies on."""
    request = httpx.Request("GET", "http://testserver/")
    good = {"content-security-policy": "script-src 'self'; frame-ancestors 'none'", "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin", "cache-control": "no-store", "content-type": "text/html"}
    ok = httpx.Response(200, headers=good, text='<script src="/static/js/a.js"></script>', request=request)
    assert page_problems(ok) == []
    inline = httpx.Response(200, headers=good, text="<script>alert(1)</script>", request=request)
    assert any("script" in p for p in page_problems(inline))
    lax = httpx.Response(200, headers=good | {"content-security-policy": "script-src 'self' 'unsafe-inline'"},
                         request=request)
    assert len(page_problems(lax)) == 2  # the script-src and the missing frame-ancestors
    bare = httpx.Response(200, headers={"content-type": "text/html"}, request=request)
    assert len(page_problems(bare)) == 5
