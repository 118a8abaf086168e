"""The authorisation matrix, generated from the app's own route table.

Every registered route and method (but the few Litestar serves itself, listed
in SKIPPED) is called anonymously and as each role, with the ids in its path
(and id fields of its form) pointing at rows of the user's own branch, of
another branch of the same dealer, of another dealer, and at no row. The
expected answer comes from the route's declared policy (`opt["roles"]` or
`opt["public"]`, see app.auth.access):

- anonymous on a non-public route → 303 to /ingresar (401 + HX-Redirect for
  htmx, 401 JSON under /api);
- a role the route does not allow → 403, whatever the ids;
- an id the user cannot reach → 404 (a form field may also answer 422);
- otherwise anything but 401/403/404/405; never 500, even with an empty form.

Unsafe methods without the CSRF token are refused (403) and change nothing;
no GET changes the database. A route added later is in the matrix on its own:
a path parameter this module does not know fails its test and says where to
add it.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from app import db
from app.asgi import create_app
from app.tables import (
    ApiKey,
    Appointment,
    Branch,
    CallOutcome,
    Campaign,
    Concept,
    Customer,
    Delivery,
    DiscardReason,
    DisplayToken,
    ImportJob,
    Opportunity,
    RepairOrder,
    SyncSource,
    User,
    Vehicle,
)
from tests.factories import Factory
from tests.http import Client, page_problems

ROLES = ("advisor", "coordinator", "manager", "admin")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Served by Litestar itself, public by design: static files and the OpenAPI documents. And the reception
# TV, public by design too: its path holds a secret, not an id (tests/display checks that an unknown or
# revoked link shows nothing, that a link shows only its branch, and that no cookie is set).
SKIPPED = ("/static/", "/schema", "/pantalla/")
NO_ROW = 2_147_483_000

# --- path parameters: name → how to make a row of it in a branch -------------------


@dataclass(frozen=True)
class Target:
    """`level` is what decides reach: "branch" rows belong to a branch, "dealer"
    rows (users) to the dealer (see app.scope.rows)."""

    table: type
    build: Callable[[Factory, Any], Awaitable[Any]]
    level: str = "branch"


async def _branch(make: Factory, branch: Any) -> Any:
    return branch


async def _user(make: Factory, branch: Any) -> Any:
    return await make.user("advisor", [branch])


async def _campaign(make: Factory, branch: Any) -> Any:
    return (await Campaign.insert(Campaign(branch=branch.id, name="Campaña de prueba")).returning(Campaign.id))[0]


def _seeded(table: type) -> Callable[[Factory, Any], Awaitable[Any]]:
    async def build(make: Factory, branch: Any) -> Any:
        row = await table.select(table.id).where(table.branch == branch.id).first()
        if row is None:
            row = (await table.insert(table(branch=branch.id, name="Prueba")).returning(table.id))[0]
        return row

    return build


async def _concept(make: Factory, branch: Any) -> Any:
    return (await Concept.insert(Concept(branch=branch.id, code=f"C{make.serial()}", name="Service"))
            .returning(Concept.id))[0]


async def _api_key(make: Factory, branch: Any) -> Any:
    return (await ApiKey.insert(ApiKey(branch=branch.id, prefix="rk_test", key_hash=f"{make.serial():064d}"))
            .returning(ApiKey.id))[0]


async def _sync_source(make: Factory, branch: Any) -> Any:
    return (await SyncSource.insert(SyncSource(branch=branch.id, kind="customers", location="https://dms.example/x.csv"))
            .returning(SyncSource.id))[0]


async def _display_token(make: Factory, branch: Any) -> Any:
    row = DisplayToken(branch=branch.id, prefix="tv_test", token_hash=f"{make.serial():064d}")
    return (await DisplayToken.insert(row).returning(DisplayToken.id))[0]


async def _import_job(make: Factory, branch: Any) -> Any:
    return (await ImportJob.insert(ImportJob(branch=branch.id, kind="customers")).returning(ImportJob.id))[0]


# By name; a generic name is looked up by (path prefix, name) first.
PATH_TARGETS: dict[str | tuple[str, str], Target] = {
    "branch_id": Target(Branch, _branch),
    "user_id": Target(User, _user, level="dealer"),
    "customer_id": Target(Customer, lambda make, branch: make.customer(branch)),
    "vehicle_id": Target(Vehicle, lambda make, branch: make.vehicle(branch)),
    "opportunity_id": Target(Opportunity, lambda make, branch: make.opportunity(branch)),
    "opp_id": Target(Opportunity, lambda make, branch: make.opportunity(branch)),
    "appointment_id": Target(Appointment, lambda make, branch: make.appointment(branch)),
    "repair_order_id": Target(RepairOrder, lambda make, branch: make.repair_order(branch)),
    "ro_id": Target(RepairOrder, lambda make, branch: make.repair_order(branch)),
    "delivery_id": Target(Delivery, lambda make, branch: make.delivery(branch)),
    "campaign_id": Target(Campaign, _campaign),
    "discard_reason_id": Target(DiscardReason, _seeded(DiscardReason)),
    "reason_id": Target(DiscardReason, _seeded(DiscardReason)),
    "call_outcome_id": Target(CallOutcome, _seeded(CallOutcome)),
    "outcome_id": Target(CallOutcome, _seeded(CallOutcome)),
    "concept_id": Target(Concept, _concept),
    "import_id": Target(ImportJob, _import_job),
    "import_job_id": Target(ImportJob, _import_job),
    ("/importar/", "job_id"): Target(ImportJob, _import_job),
    "key_id": Target(ApiKey, _api_key),
    "source_id": Target(SyncSource, _sync_source),
    "link_id": Target(DisplayToken, _display_token),
    ("/admin/motivos/", "item_id"): Target(DiscardReason, _seeded(DiscardReason)),
    ("/admin/resultados/", "item_id"): Target(CallOutcome, _seeded(CallOutcome)),
}


def target_of(path: str, name: str) -> Target | None:
    for key, found in PATH_TARGETS.items():
        if isinstance(key, tuple) and path.startswith(key[0]) and key[1] == name:
            return found
    return PATH_TARGETS.get(name)


PLACES = ("own", "other_branch", "other_dealer", "no_row")

# --- the route table ---------------------------------------------------------------------


def _route_table() -> list[tuple[str, str]]:
    app = create_app()
    return sorted(
        (path, method)
        for path, methods in app.route_handler_method_map.items()
        if not path.startswith(SKIPPED)
        for method in methods
    )


ROUTES = _route_table()
PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _is_auto_options(handler: Any, method: str) -> bool:
    """The OPTIONS handler Litestar adds to every path (it lists the methods)."""
    return method == "OPTIONS" and handler.handler_name == "options_handler" and not handler.opt


def _form_fields(handler: Any) -> list[str]:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return []
    try:
        return list(typing.get_type_hints(data.annotation))
    except TypeError:
        return []


# --- the world: fixed for the module, one signed-in client per role ---------------------


@dataclass
class World:
    app: Any
    make: Factory
    branches: dict[str, Any]  # own / other_branch / other_dealer
    dealer_of: dict[str, int]
    users: dict[str, Any]
    clients: dict[str, Client]
    anonymous: Client
    rows: dict[tuple[Target, str], Any]

    def reach(self, role: str) -> set[str]:
        """The places whose branch-owned rows this role's user can reach."""
        return {"own", "other_branch"} if role == "admin" else {"own"}

    async def target(self, target: Target, place: str) -> str:
        if place == "no_row":
            return str(NO_ROW)
        key = (target, place)
        if key not in self.rows:
            built = await target.build(self.make, self.branches[place])
            self.rows[key] = built["id"] if isinstance(built, dict) else built.id
        return str(self.rows[key])

    async def restore(self) -> None:
        """Undo what an allowed call may have done to the world's own rows
        (deactivating the users' branch would change every later answer)."""
        await Branch.update({Branch.active: True}).where(Branch.id.is_in([b.id for b in self.branches.values()]))
        await User.update({User.active: True}).where(User.dealer.is_in(list(set(self.dealer_of.values()))))

    async def client(self, role: str) -> Client:
        """The role's client, signed in again if the last request ended its session."""
        client = self.clients[role]
        if not client.session_id:
            await client.sign_in(self.users[role].username)
        return client


@pytest.fixture(scope="module")
async def world(app):
    make = Factory()
    dealer = await make.dealer()
    own = await make.branch(dealer, "AR")
    other_branch = await make.branch(dealer, "MX")
    other_dealer = await make.branch(None, "AR")
    users = {role: await make.user(role, [own]) for role in ROLES if role != "admin"}
    users["admin"] = await make.user("admin", dealer=dealer)
    clients = {role: Client(app) for role in ROLES}
    anonymous = Client(app)
    await anonymous.ensure_csrf()
    built = World(app, make, {"own": own, "other_branch": other_branch, "other_dealer": other_dealer},
                  {"own": dealer.id, "other_branch": dealer.id, "other_dealer": other_dealer.dealer},
                  users, clients, anonymous, {})
    yield built
    await built.restore()
    for client in [*clients.values(), anonymous]:
        await client.aclose()


# --- a fingerprint of the whole database -------------------------------------------------


def _tables() -> list[type]:
    from piccolo.table import Table

    import app.tables as tables

    return [t for t in vars(tables).values() if isinstance(t, type) and issubclass(t, Table) and t is not Table
            and t.__module__ == tables.__name__]


def _fingerprint_sql() -> str:
    parts = []
    for table in _tables():
        names = {c._meta.db_column_name for c in table._meta.columns}
        name = table._meta.tablename
        version = "MAX(version)" if "version" in names else "NULL"
        updated = "CAST(MAX(updated_at) AS TEXT)" if "updated_at" in names else "NULL"
        parts.append(f"SELECT '{name}' AS t, COUNT(*) AS n, MAX(id) AS i, {version} AS v, "  # noqa: S608 - our tables
                     f'{updated} AS u FROM "{name}"')
    return " UNION ALL ".join(parts)


FINGERPRINT = _fingerprint_sql()


async def fingerprint() -> dict[str, tuple[Any, ...]]:
    return {r["t"]: (r["n"], r["i"], r["v"], r["u"]) for r in await db.fetch(FINGERPRINT)}


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [f"{t}: {before[t]} → {after[t]}" for t in before if before[t] != after[t]]


# --- the matrix ----------------------------------------------------------------------------


@dataclass
class Call:
    who: str
    path: str
    form: dict[str, str]
    places: dict[str, str]  # parameter or field → place
    htmx: bool = False


class Matrix:
    def __init__(self, world: World, path: str, method: str) -> None:
        self.world, self.path, self.method = world, path, method
        self.handler = world.app.route_handler_method_map[path][method]
        self.problems: list[str] = []

    async def send(self, call: Call, client: Client, csrf: bool = True) -> Any:
        headers = {"HX-Request": "true"} if call.htmx else {}
        if self.method in UNSAFE:
            if not csrf:
                headers["x-csrftoken"] = ""
            # What a browser sends for a form, even an empty one (httpx would send no body at all).
            headers["content-type"] = "application/x-www-form-urlencoded"
            response = await client.request(self.method, call.path, content=urlencode(call.form), headers=headers)
        else:
            response = await client.request(self.method, call.path, headers=headers)
        label = f"{self.method} {call.path} {call.form or ''} como {call.who}" + (" (htmx)" if call.htmx else "") + (
            " sin token CSRF" if not csrf else "")
        if response.status_code == 500:
            self.problems.append(f"{label}: 500")
        self.problems += [f"{label}: {p}" for p in page_problems(response)]
        return label, response

    def expect(self, ok: bool, label: str, response: Any, wanted: str) -> None:
        if not ok:
            self.problems.append(f"{label}: {response.status_code}, se esperaba {wanted}")

    async def calls(self, who: str) -> list[Call]:
        """One call per place for the ids the route takes (one call when it takes none)."""
        names = PARAM.findall(self.path)
        if _is_auto_options(self.handler, self.method):
            return [Call(who, PARAM.sub(str(NO_ROW), self.path), {}, {})]
        unknown = [n for n in names if target_of(self.path, n) is None]
        assert not unknown, (
            f"{self.method} {self.path}: el parámetro {unknown} no está en PATH_TARGETS de "
            f"tests/security/test_matrix.py; agregalo (tabla y cómo crear una fila en una sucursal) para que "
            f"la matriz pruebe otra sucursal y otro concesionario.")
        fields = [f for f in _form_fields(self.handler) if target_of(self.path, f)] if self.method in UNSAFE else []
        if not names and not fields:
            return [Call(who, self.path, {}, {})]
        result = []
        for place in PLACES:
            values = {n: await self.world.target(target_of(self.path, n), place)  # type: ignore[arg-type]
                      for n in {*names, *fields}}
            path = PARAM.sub(lambda m, v=values: v[m.group(1)], self.path)
            result.append(Call(who, path, {f: values[f] for f in fields}, dict.fromkeys({*names, *fields}, place)))
        return result

    def unreachable(self, call: Call, role: str) -> tuple[bool, bool]:
        """(a path id is out of reach, a form id is out of reach)."""
        reach = self.world.reach(role)
        names = set(PARAM.findall(self.path))

        def out(name: str, place: str) -> bool:
            if place == "no_row":
                return True
            if target_of(self.path, name).level == "dealer":  # type: ignore[union-attr]
                return place == "other_dealer"
            return place not in reach

        in_path = any(out(n, p) for n, p in call.places.items() if n in names)
        in_form = any(out(n, p) for n, p in call.places.items() if n not in names)
        return in_path, in_form


def _ids(route: tuple[str, str]) -> str:
    return f"{route[1]} {route[0]}"


@pytest.fixture
async def restored(world):
    yield world
    await world.restore()


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[_ids(r) for r in ROUTES])
async def test_route(restored, path, method):
    world = restored
    matrix = Matrix(world, path, method)
    handler = matrix.handler
    api = path.startswith("/api/")
    for role in ROLES:  # signing in and building the target rows write: done before the fingerprint
        await world.client(role)
    calls = {who: await matrix.calls(who) for who in ("anónimo", *ROLES)}
    before = await fingerprint()

    if _is_auto_options(handler, method):
        for call in calls["anónimo"]:
            await matrix.send(call, world.anonymous)
        assert not matrix.problems, "\n".join(matrix.problems)
        assert not changed(before, await fingerprint())
        return

    opt = handler.opt
    if opt.get("api_key"):
        # The DMS's API: a session (any role) is no key → 401, nothing changes. Keys: tests/dms/test_api.py.
        for who in ("anónimo", *ROLES):
            for call in calls[who]:
                label, response = await matrix.send(call, world.anonymous if who == "anónimo"
                                                    else await world.client(who))
                matrix.expect(response.status_code == 401, label, response, "401 (falta la clave de API)")
        assert not matrix.problems, "\n".join(matrix.problems)
        assert not changed(before, await fingerprint())
        return
    public, roles = bool(opt.get("public")), opt.get("roles")
    assert public or roles is not None, (
        f"{method} {path} no declara quién puede usarla: opt=allow(ROLES) o opt=PUBLIC (app.auth.access).")
    assert public or set(roles) <= set(ROLES), f"{method} {path}: roles desconocidos {set(roles) - set(ROLES)}"

    # Anonymous, and without the CSRF token: refused, nothing changes.
    for call in calls["anónimo"]:
        if not public:
            label, response = await matrix.send(call, world.anonymous)
            if api:
                matrix.expect(response.status_code == 401, label, response, "401")
            else:
                location = urlsplit(response.headers.get("location", "")).path
                matrix.expect(response.status_code == 303 and location == "/ingresar", label, response,
                              "303 a /ingresar")
                label, response = await matrix.send(Call(**{**call.__dict__, "htmx": True}), world.anonymous)
                matrix.expect(response.status_code == 401
                              and response.headers.get("hx-redirect", "").startswith("/ingresar"),
                              label, response, "401 con HX-Redirect a /ingresar")
        if method in UNSAFE and not api:
            label, response = await matrix.send(call, world.anonymous, csrf=False)
            matrix.expect(response.status_code == 403, label, response, "403 (falta el token CSRF)")
    if method in UNSAFE and not api:
        for role in ROLES:
            for call in calls[role]:
                label, response = await matrix.send(call, await world.client(role), csrf=False)
                matrix.expect(response.status_code == 403 and "formulario venció" in response.text, label,
                              response, "403 «el formulario venció»")
    refused_changes = changed(before, await fingerprint())

    # Each role, each place: refusals first, then what is allowed.
    allowed: list[tuple[str, Call]] = []
    for role in ROLES:
        for call in calls[role]:
            in_path, in_form = matrix.unreachable(call, role)
            if not public and role not in roles:
                label, response = await matrix.send(call, await world.client(role))
                matrix.expect(response.status_code == 403, label, response, "403 (el rol no puede)")
            elif in_path:
                label, response = await matrix.send(call, await world.client(role))
                matrix.expect(response.status_code == 404, label, response, "404 (fuera de su alcance)")
            elif in_form:
                label, response = await matrix.send(call, await world.client(role))
                matrix.expect(response.status_code in (404, 422), label, response, "404 o 422 (fuera de su alcance)")
            else:
                allowed.append((role, call))
    refused_changes += changed(before, await fingerprint())
    if method in UNSAFE:
        assert not refused_changes, f"{method} {path}: un pedido rechazado cambió la base: {refused_changes}"

    for role, call in allowed:  # signed in right before, so a refusal here is the route's own
        label, response = await matrix.send(call, await world.client(role))
        matrix.expect(response.status_code not in (401, 403, 404, 405), label, response,
                      "una respuesta para un rol permitido")
    if method not in UNSAFE:
        assert not changed(before, await fingerprint()), f"{method} {path} cambió la base: " + "; ".join(
            changed(before, await fingerprint()))
    assert not matrix.problems, "\n".join(matrix.problems)


def test_the_matrix_sees_the_whole_route_table():
    """The skipped prefixes hide only what Litestar serves itself."""
    app = create_app()
    skipped = {path for path in app.route_handler_method_map if path.startswith(SKIPPED)}
    assert skipped and all(path.startswith(("/static/", "/schema", "/pantalla/")) for path in skipped)
    assert ("/", "GET") in ROUTES and ("/salir", "POST") in ROUTES and ("/ingresar", "POST") in ROUTES


async def test_a_route_added_later_is_in_the_matrix(app):
    """What a new route with an unknown path parameter meets."""
    from litestar import get
    from litestar.params import FromPath

    from app.auth.access import EVERYONE, allow

    @get("/prueba/{widget_id:int}", opt=allow(EVERYONE))
    async def widget(widget_id: FromPath[int]) -> str:  # pragma: no cover - never called
        return ""

    probe = create_app()
    probe.register(widget)
    assert "/prueba/{widget_id:int}" in probe.route_handler_method_map
    world = World(probe, Factory(), {}, {}, {}, {}, None, {})  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="PATH_TARGETS"):
        await Matrix(world, "/prueba/{widget_id:int}", "GET").calls("admin")
