"""Domain errors and the one place that turns any error into a response.

Handlers and commands raise these; `exception_handlers()` renders them:
JSON under /api, a notice partial for htmx, a Spanish error page otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.rules import Refused

log = logging.getLogger("retorno")

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound", "Refused", "Stale", "exception_handlers"]


class NotFound(HTTPException):
    """Also what another branch's or dealer's row looks like."""

    status_code = 404
    detail = "No encontramos lo que busca."


class Forbidden(HTTPException):
    status_code = 403
    detail = "Su rol no permite esta acción."


class Stale(HTTPException):
    """Someone else changed the row first; nothing was applied."""

    status_code = 409
    detail = "Otra persona acaba de modificar este registro. Recargue la página para ver los cambios."


class Conflict(HTTPException):
    status_code = 409
    detail = "La operación choca con datos existentes."


class Invalid(HTTPException):
    """Bad input: `errors` maps a field name to its Spanish message."""

    status_code = 422
    detail = "Revise los datos marcados."

    def __init__(self, detail: str | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail=detail or self.detail)
        self.errors = errors or {}


TITLES = {
    400: "Solicitud inválida",
    401: "Es necesario ingresar",
    403: "Acceso denegado",
    404: "No encontrado",
    405: "Acción no permitida",
    409: "Conflicto",
    413: "Archivo demasiado grande",
    422: "Datos inválidos",
    429: "Demasiados intentos",
    500: "Error del sistema",
    503: "Servicio no disponible",
}

SPANISH_DETAIL = {
    400: "La solicitud no se pudo interpretar.",
    401: "Su sesión terminó. Ingrese de nuevo.",
    403: "No tiene permiso para esta acción.",
    404: "No encontramos lo que busca.",
    405: "Esta dirección no admite esa acción.",
    413: "El archivo supera el tamaño permitido.",
    429: "Demasiados intentos. Espere un momento.",
    500: "Ocurrió un error inesperado. Ya quedó registrado; pruebe de nuevo en unos minutos.",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _message(exc: Exception, status: int) -> str:
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, (NotFound, Forbidden, Stale, Conflict, Invalid)):
        return str(exc.detail)
    if isinstance(exc, ValidationException):
        return "Algún dato no tiene el formato esperado. Revise el formulario."
    if status == 403 and "CSRF" in str(getattr(exc, "detail", "")):
        return "El formulario venció. Recargue la página y pruebe de nuevo."
    # Litestar's own messages are English: never show them to a user.
    return SPANISH_DETAIL.get(status, TITLES.get(status, "Error"))


def render_error(request: Request, exc: Exception, status: int) -> Response[Any]:
    message = _message(exc, status)
    headers = {"Vary": "HX-Request", "Cache-Control": "no-store"}
    if _is_api(request):
        if status == 401:
            message = "Falta la clave de API (X-Api-Key) o no es válida."
        body: dict[str, Any] = {"status_code": status, "detail": message}
        if isinstance(exc, Invalid) and exc.errors:
            body["errors"] = exc.errors
        elif isinstance(exc, ValidationException) and exc.extra:
            body["errors"] = exc.extra  # where in the batch, for the DMS's developers
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if _is_htmx(request):
        # The notice replaces #notices whatever the element that asked.
        headers |= {"HX-Retarget": "#notices", "HX-Reswap": "innerHTML"}
        return Template("_notice.html", context={"kind": "error", "message": message, "status": status},
                        status_code=status, headers=headers)
    # The signed-in user keeps the header (branch, sign-out) and the branch's language.
    return Template("error.html", context={"title": TITLES.get(status, "Error"), "message": message,
                                           "status": status, "access": request.state.get("access")},
                    status_code=status, headers=headers)


def handle_http(request: Request, exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        target = "/ingresar"
        if request.method == "GET" and request.url.path not in ("/", "/ingresar"):
            target += "?" + _next_query(request)
        if _is_htmx(request):
            return Response("", status_code=401, media_type=MediaType.TEXT, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    return render_error(request, exc, exc.status_code)


def _next_query(request: Request) -> str:
    from urllib.parse import urlencode

    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlencode({"siguiente": path})


def handle_refused(request: Request, exc: Refused) -> Response[Any]:
    return render_error(request, exc, 422)


def handle_unexpected(request: Request, exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return render_error(request, exc, HTTP_500_INTERNAL_SERVER_ERROR)


def exception_handlers() -> dict[Any, Any]:
    return {HTTPException: handle_http, Refused: handle_refused, Exception: handle_unexpected}
