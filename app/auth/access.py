"""Who is asking and what he may reach.

Every route declares its policy in `opt` (see `allow()` and `PUBLIC`); the
app-wide guard `authorize` resolves the signed-in user into an `Access`,
refuses roles the route does not allow (403), and leaves the Access in
`request.state.access` for handlers (as the `access` dependency). A route
without a policy is refused: access is never granted by omission.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.htmx import HTMXRequest

from app import db, i18n
from app.auth import sessions
from app.dms import api_keys
from app.errors import Forbidden
from app.rules.windows import Windows
from app.tables import Role

EVERYONE = frozenset(r.value for r in Role)
MANAGERS = frozenset({Role.manager.value, Role.admin.value})
ADMINS = frozenset({Role.admin.value})
PUBLIC: dict[str, Any] = {"public": True}

ROLE_NAMES = {
    Role.advisor.value: "Asesor de servicio",
    Role.coordinator.value: "Coordinador/a",
    Role.manager.value: "Gerente de servicio",
    Role.admin.value: "Administrador/a",
}


def allow(roles: frozenset[str]) -> dict[str, Any]:
    return {"roles": roles}


@dataclass(frozen=True)
class BranchInfo:
    id: int
    code: str
    name: str
    locale: str
    timezone: str
    country: str
    currency: str
    windows: Windows
    dms_synced_at: dt.datetime | None = None  # when the DMS last sent data (the header says how old it is)


@dataclass(frozen=True)
class Access:
    user_id: int
    username: str
    full_name: str
    role: str
    dealer_id: int
    dealer_name: str
    branches: tuple[BranchInfo, ...]
    branch: BranchInfo | None  # the one the user is working in now
    ip: str = ""
    branch_ids: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "branch_ids", frozenset(b.id for b in self.branches))

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    def may(self, roles: frozenset[str]) -> bool:
        return self.role in roles


def client_ip(connection: ASGIConnection) -> str:
    client = connection.scope.get("client")
    return client[0] if client else ""


# One statement (the user, his dealer and the branches he reaches) because it
# runs on every request: two Piccolo selects in a transaction cost ~3.4 ms of
# the home page at the large group, this ~1.3 ms (bench/README.md).
ACCESS_SQL = """
SELECT u.id, u.username, u.full_name, u.role, u.dealer, d.name AS dealer_name,
       b.id AS branch_id, b.code, b.name, b.locale, b.timezone, b.country, b.currency,
       b.delivery_window_days, b.opportunity_window_days, b.no_show_window_days, b.done_window_days,
       b.dms_synced_at
  FROM app_user u
  JOIN dealer d ON d.id = u.dealer
  LEFT JOIN branch b ON b.dealer = u.dealer AND b.active
       AND (u.role = 'admin' OR b.id IN (SELECT ub.branch FROM user_branch ub WHERE ub."user" = u.id))
 WHERE u.id = {} AND u.active AND u.session_epoch = {}
 ORDER BY b.name
"""


async def load_access(session: dict[str, Any], ip: str) -> Access | None:
    """The Access for a session, or None when the user is gone, inactive or
    his sessions were ended (epoch bumped)."""
    user_id, epoch = session.get("uid"), session.get("epoch")
    if not isinstance(user_id, int) or not isinstance(epoch, int):
        return None
    rows = await db.fetch(ACCESS_SQL, user_id, epoch)
    if not rows:
        return None
    user = rows[0]
    infos = tuple(_branch_info(row) for row in rows if row["branch_id"] is not None)
    current = next((b for b in infos if b.id == session.get("branch")), infos[0] if infos else None)
    return Access(
        user_id=user["id"], username=user["username"], full_name=user["full_name"], role=user["role"],
        dealer_id=user["dealer"], dealer_name=user["dealer_name"], branches=infos, branch=current, ip=ip,
    )


def _branch_info(row: dict[str, Any]) -> BranchInfo:
    spans = Windows(row["delivery_window_days"], row["opportunity_window_days"], row["no_show_window_days"],
                    row["done_window_days"])
    return BranchInfo(id=row["branch_id"], code=row["code"], name=row["name"], locale=row["locale"],
                      timezone=row["timezone"], country=row["country"], currency=row["currency"], windows=spans,
                      dms_synced_at=row["dms_synced_at"])


async def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The app-wide guard."""
    opt = handler.opt
    if opt.get("public"):
        return
    if opt.get("api_key"):
        await api_keys.require_key(connection)  # the DMS: no session, one branch per key
        return
    roles = opt.get("roles")
    if roles is None:
        raise Forbidden(f"La ruta {connection.url.path} no declara quién puede usarla.")
    session = connection.scope.get("session")
    if not isinstance(session, dict) or "uid" not in session:
        raise NotAuthorizedException()
    now = time.time()
    access = None
    if not sessions.expired(session, connection.app.state.settings, now):
        access = await load_access(session, client_ip(connection))
    if access is None:
        sessions.end(connection)
        raise NotAuthorizedException()
    sessions.touch(session, now, background=connection.headers.get(sessions.BACKGROUND_HEADER) == "1")
    connection.state.access = access
    if access.branch:
        i18n.activate(access.branch.locale, access.branch.timezone)
    if not access.may(roles):
        raise Forbidden()


async def provide_access(request: HTMXRequest) -> Access:
    return request.state.access


# What handlers declare: `access: CurrentAccess` (Litestar 3 wants named dependencies marked).
CurrentAccess = NamedDependency[Access]

