"""What the admin tests share: a valid branch form, reading rows back, audit lookups."""

from __future__ import annotations

import itertools
import re
from typing import Any

from app.tables import AuditEvent, Branch, User

_codes = itertools.count(1)

ADMIN_PAGES = ("/admin", "/admin/concesionario", "/admin/sucursales", "/admin/sucursales/nueva", "/admin/usuarios",
               "/admin/usuarios/nuevo", "/admin/catalogos")
HTMX = {"HX-Request": "true"}


def new_code() -> str:
    return f"adm{next(_codes)}x"


def branch_form(**overrides: Any) -> dict[str, Any]:
    """Every field of a valid Argentine branch, as the browser posts it."""
    values = {
        "code": new_code(), "name": "Córdoba — Cerro", "country": "AR", "locale": "es-AR",
        "timezone": "America/Argentina/Cordoba", "currency": "ARS", "street": "Av. Rafael Núñez 4200",
        "city": "Córdoba", "state": "Córdoba", "postal_code": "X5009", "phone": "351 481-4200",
        "bookings_phone": "0351 15 555-4201", "whatsapp_number": "+54 9 351 555 4202",
        "email": "posventa.cerro@example.com", "delivery_window_days": "30", "opportunity_window_days": "15",
        "no_show_window_days": "7", "done_window_days": "15", "attempt_limit": "5", "first_service_days": "180",
        "first_service_km": "10.000", "service_interval_days": "365", "service_interval_km": "10000",
    }
    return values | overrides


MANAGER_FIELDS = ("street", "city", "state", "postal_code", "phone", "bookings_phone", "whatsapp_number", "email",
                  "delivery_window_days", "opportunity_window_days", "no_show_window_days", "done_window_days",
                  "attempt_limit", "first_service_days", "first_service_km", "service_interval_days",
                  "service_interval_km")


def manager_form(**overrides: Any) -> dict[str, Any]:
    return {k: v for k, v in branch_form().items() if k in MANAGER_FIELDS} | overrides


async def branch_row(branch_id: int) -> dict[str, Any]:
    return await Branch.select(*Branch.all_columns()).where(Branch.id == branch_id).first()


async def user_row(user_id: int) -> dict[str, Any]:
    return await User.select(User.id, User.username, User.full_name, User.email, User.role, User.active,
                             User.session_epoch, User.version).where(User.id == user_id).first()


async def events(action: str, entity_id: int | None = None) -> list[dict[str, Any]]:
    query = AuditEvent.select(AuditEvent.action, AuditEvent.user, AuditEvent.username, AuditEvent.entity_id,
                              AuditEvent.branch, AuditEvent.dealer, AuditEvent.before,
                              AuditEvent.after).where(AuditEvent.action == action)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return await query.order_by(AuditEvent.id).output(load_json=True)


def error_of(html: str, field: str) -> str:
    """The message shown next to a field (data-test="error-<field>")."""
    found = re.search(rf'data-test="error-{re.escape(field)}"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def marked_invalid(html: str, field: str) -> bool:
    tag = re.search(rf'<(?:input|select)[^>]*name="{re.escape(field)}"[^>]*>', html)
    return bool(tag and 'aria-invalid="true"' in tag.group(0))
