"""Errors as pages: a Spanish page on a direct load, the notice partial
(retargeted to #notices) for htmx, JSON under /api — and never a stack trace,
an exception's text or Litestar's English."""

from __future__ import annotations

import json

import pytest
from litestar import Router, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery

from app.auth.access import EVERYONE, PUBLIC, allow
from app.errors import Forbidden, Invalid, NotFound, Refused, Stale
from tests.http import Client, page_problems

SECRET = "detalle-interno-7f3a"  # what the exceptions say; must never reach a user


@get("/403")
async def forbidden() -> None:
    raise Forbidden()


@get("/404")
async def not_found() -> None:
    raise NotFound()


@get("/409")
async def stale() -> None:
    raise Stale()


@get("/422")
async def invalid() -> None:
    raise Invalid(errors={"nombre": "Falta el nombre."})


@get("/refused")
async def refused() -> None:
    raise Refused("Esta oportunidad ya no está abierta.")


@get("/500")
async def broken() -> None:
    raise RuntimeError(f"Traceback simulado: {SECRET}")


@get("/english-404")
async def english() -> None:
    raise NotFoundException(f"Row {SECRET} not found")


@get("/english-409")
async def english_conflict() -> None:
    raise ClientException(f"Duplicate key {SECRET}", status_code=409)


@get("/400")
async def bad_query(n: FromQuery[int]) -> int:
    return n


HANDLERS = [forbidden, not_found, stale, invalid, refused, broken, english, english_conflict, bad_query]

CASES = [  # path, status, Spanish message shown
    ("403", 403, "Su rol no permite esta acción."),
    ("404", 404, "No encontramos lo que busca."),
    ("409", 409, "Otra persona acaba de modificar este registro."),
    ("422", 422, "Revise los datos marcados."),
    ("refused", 422, "Esta oportunidad ya no está abierta."),
    ("500", 500, "Ocurrió un error inesperado."),
    ("english-404", 404, "No encontramos lo que busca."),
    ("english-409", 409, "Conflicto"),
    ("400?n=uno", 400, "Algún dato no tiene el formato esperado."),
]
ENGLISH = ("Traceback", "Internal Server Error", "Not Found", "not found", "Duplicate", "Validation failed",
           "Exception", SECRET)


@pytest.fixture
async def probe(another_app):
    """A second app with routes that raise each error, as a page and under /api."""
    app = await another_app()
    app.register(Router("/prueba", route_handlers=HANDLERS, opt=PUBLIC))
    app.register(Router("/api/prueba", route_handlers=HANDLERS, opt=PUBLIC))
    app.register(Router("/firmado", route_handlers=HANDLERS, opt=allow(EVERYONE)))
    return app


def leaks(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


@pytest.mark.parametrize(("path", "status", "message"), CASES, ids=[c[0] for c in CASES])
async def test_a_spanish_page_on_a_direct_load(probe, path, status, message):
    async with Client(probe) as client:
        response = await client.get(f"/prueba/{path}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-test="error-page"' in response.text and 'lang="es-AR"' in response.text
    assert message in response.text and f'<p class="error-code">{status}</p>' in response.text
    assert not leaks(response.text) and not page_problems(response)


@pytest.mark.parametrize(("path", "status", "message"), CASES, ids=[c[0] for c in CASES])
async def test_a_notice_for_htmx(probe, path, status, message):
    async with Client(probe) as client:
        response = await client.get(f"/prueba/{path}", headers={"HX-Request": "true"})
    assert response.status_code == status
    assert response.headers["hx-retarget"] == "#notices" and response.headers["hx-reswap"] == "innerHTML"
    assert response.text.lstrip().startswith('<div class="notice notice-error"') and "<html" not in response.text
    assert message in response.text and 'role="alert"' in response.text
    assert not leaks(response.text)


@pytest.mark.parametrize(("path", "status", "message"), CASES, ids=[c[0] for c in CASES])
async def test_json_under_api(probe, path, status, message):
    async with Client(probe) as client:
        response = await client.get(f"/api/prueba/{path}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == status and message in body["detail"]
    assert not leaks(json.dumps(body, ensure_ascii=False))


async def test_a_signed_in_user_sees_the_error_inside_the_app(probe, make):
    branch = await make.branch()
    user = await make.user("coordinator", [branch])
    async with Client(probe) as client:
        await client.sign_in(user.username)
        response = await client.get("/firmado/500")
    assert response.status_code == 500 and 'data-test="sign-out"' in response.text
    assert not leaks(response.text)


async def test_invalid_lists_its_fields_under_api(probe):
    async with Client(probe) as client:
        body = (await client.get("/api/prueba/422")).json()
    assert body["errors"] == {"nombre": "Falta el nombre."}


async def test_routing_errors_are_spanish_too(client):
    missing = await client.get("/no-existe")
    assert missing.status_code == 404 and "No encontramos lo que busca." in missing.text
    api = await client.get("/api/v1/no-existe")
    assert api.status_code == 404 and api.json()["detail"] == "No encontramos lo que busca."
    wrong = await client.put("/ingresar")
    assert wrong.status_code in (403, 405) and not leaks(wrong.text)


async def test_an_expired_form_says_so(client):
    await client.ensure_csrf()
    page = await client.post("/ingresar", data={"username": "x", "password": "y"}, headers={"x-csrftoken": "viejo"})
    assert page.status_code == 403 and "El formulario venció. Recargue la página y pruebe de nuevo." in page.text
    assert 'data-test="error-page"' in page.text
    notice = await client.post("/ingresar", data={}, headers={"x-csrftoken": "viejo", "HX-Request": "true"})
    assert notice.status_code == 403 and "El formulario venció" in notice.text
    assert notice.headers["hx-retarget"] == "#notices"
    assert not leaks(page.text + notice.text)


async def test_unauthenticated_api_is_json_and_htmx_is_told_where_to_go(probe, client):
    async with Client(probe) as anonymous:
        api = await anonymous.get("/api/prueba/404", headers={"HX-Request": "true"})
        assert api.status_code == 404  # public route: the handler's own error
    htmx = await client.get("/turnos", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/ingresar?siguiente=%2Fturnos"
    assert htmx.text == ""
