"""Signing in and out: credentials, the per-address lock, session ids that
change at every sign-in, sessions that end (sign-out, idle, absolute,
epoch, deactivation), the cookies, the redirect after sign-in, and the same
session life on Redis."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from app.auth import access as access_module
from app.auth import sessions
from app.tables import AuditEvent, SignInThrottle, User
from tests.http import CSRF_COOKIE, SESSION_COOKIE, Client

WRONG = "Usuario o contraseña incorrectos."


# --- helpers --------------------------------------------------------------------


async def events(username: str, action: str) -> list[dict]:
    return await AuditEvent.select(AuditEvent.user, AuditEvent.ip, AuditEvent.after).where(
        (AuditEvent.username == username) & (AuditEvent.action == action)
    ).order_by(AuditEvent.id)


async def replay(app, session_id: str, path: str = "/"):
    """A request from a different browser that presents only this session id."""
    async with Client(app) as other:
        return await other.get(path, headers={"Cookie": f"{SESSION_COOKIE}={session_id}"})


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 303 and urlsplit(response.headers["location"]).path == "/ingresar"


def set_cookies(response, name: str) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(f"{name}=")]


async def try_sign_in(client: Client, username: str, password: str, **form: str):
    await client.ensure_csrf()
    return await client.post("/ingresar", data={"username": username, "password": password, **form})


@pytest.fixture
async def user(make):
    branch = await make.branch()
    return await make.user("coordinator", [branch])


@pytest.fixture
def clock(monkeypatch):
    """Time as the session code sees it: `clock.now += seconds`."""
    fake = SimpleNamespace(now=1_900_000_000.0)
    fake.time = lambda: fake.now
    monkeypatch.setattr(access_module, "time", fake)
    monkeypatch.setattr(sessions, "time", fake)
    return fake


# --- credentials ------------------------------------------------------------------


async def test_sign_in_ok(client, user):
    response = await try_sign_in(client, user.username, "retorno-demo")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.session_id
    assert (await client.get("/")).status_code == 200
    [event] = await events(user.username, "auth.sign_in")
    assert event["user"] == user.id and event["ip"] == "127.0.0.1"
    row = await User.select(User.last_sign_in_at).where(User.id == user.id).first()
    assert row["last_sign_in_at"] is not None


async def test_username_is_not_case_sensitive(client, user):
    response = await try_sign_in(client, f"  {user.username.upper()} ", "retorno-demo")
    assert response.status_code == 303


async def test_wrong_password(client, user):
    response = await try_sign_in(client, user.username, "no-es-la-clave")
    assert response.status_code == 401
    assert WRONG in response.text and 'data-test="sign-in-error"' in response.text
    assert not set_cookies(response, SESSION_COOKIE) and client.session_id is None
    assert f'value="{user.username}"' in response.text  # the name stays typed, the password does not
    assert "no-es-la-clave" not in response.text
    [event] = await events(user.username, "auth.failure")
    assert event["user"] == user.id and event["ip"] == "127.0.0.1"
    assert is_sign_in_redirect(await client.get("/"))


async def test_unknown_user_gets_the_same_answer(client, user):
    known = await try_sign_in(client, user.username, "no-es-la-clave")
    unknown = await try_sign_in(client, "nadie.se.llama.asi", "no-es-la-clave")
    assert unknown.status_code == known.status_code == 401
    assert WRONG in unknown.text and client.session_id is None
    [event] = await events("nadie.se.llama.asi", "auth.failure")
    assert event["user"] is None


async def test_inactive_user_is_refused_even_with_the_right_password(client, make):
    branch = await make.branch()
    gone = await make.user("advisor", [branch], active=False)
    response = await try_sign_in(client, gone.username, "retorno-demo")
    assert response.status_code == 401 and WRONG in response.text
    assert client.session_id is None
    assert not await events(gone.username, "auth.sign_in")


async def test_empty_form_asks_for_both_fields(client, user):
    response = await try_sign_in(client, user.username, "")
    assert response.status_code == 422 and "Escriba su usuario y su contraseña." in response.text
    assert client.session_id is None


# --- the lock ----------------------------------------------------------------------


async def test_five_failures_from_one_address_lock_the_account_there(app, make, user):
    client = Client(app, ip="10.0.0.5")
    answers = [(await try_sign_in(client, user.username, f"mala-{n}")).status_code for n in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    locked = await try_sign_in(client, user.username, "retorno-demo")  # even the right password
    assert locked.status_code == 429 and client.session_id is None
    assert "bloqueado" in locked.text and "15 minutos" in locked.text
    [lock] = await events(user.username, "auth.lock")
    assert lock["ip"] == "10.0.0.5" and lock["after"]
    assert len(await events(user.username, "auth.failure")) == 5

    elsewhere = Client(app, ip="10.0.0.6")
    assert (await try_sign_in(elsewhere, user.username, "retorno-demo")).status_code == 303

    # Fifteen minutes later (the lock moved into the past) the right password works again.
    await SignInThrottle.update({SignInThrottle.locked_until: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
                                ).where(SignInThrottle.username == user.username)
    assert (await try_sign_in(client, user.username, "retorno-demo")).status_code == 303
    assert not await SignInThrottle.exists().where(
        (SignInThrottle.username == user.username) & (SignInThrottle.ip == "10.0.0.5"))
    for opened in (client, elsewhere):
        await opened.aclose()


async def test_unknown_names_lock_too(app):
    """Otherwise the lock would tell which user names exist."""
    async with Client(app, ip="10.0.1.5") as client:
        answers = [(await try_sign_in(client, "fantasma", "x" * 12)).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    assert [e["ip"] for e in await events("fantasma", "auth.lock")] == ["10.0.1.5"]


async def test_failures_from_different_addresses_do_not_add_up(app, user):
    for n in range(4):
        async with Client(app, ip=f"10.0.2.{n}") as client:
            assert (await try_sign_in(client, user.username, "mala")).status_code == 401
    async with Client(app, ip="10.0.2.9") as client:
        assert (await try_sign_in(client, user.username, "mala")).status_code == 401
        assert (await try_sign_in(client, user.username, "retorno-demo")).status_code == 303


async def test_a_success_forgives_earlier_failures(app, user):
    async with Client(app, ip="10.0.3.1") as client:
        for _ in range(4):
            await try_sign_in(client, user.username, "mala")
        assert (await try_sign_in(client, user.username, "retorno-demo")).status_code == 303
        client.cookies.clear()
        answers = [(await try_sign_in(client, user.username, "mala")).status_code for _ in range(4)]
    assert answers == [401] * 4


# --- the session id -----------------------------------------------------------------


async def test_a_planted_session_id_is_replaced_at_sign_in(app, as_user, make, user):
    """Fixation: the attacker's own session id, planted in the victim's
    browser, must not become the victim's session."""
    attacker = await as_user((await make.user("advisor", [await make.branch()])).username)
    planted = attacker.session_id
    async with Client(app) as victim:
        token = await victim.ensure_csrf()
        signed = await victim.post(
            "/ingresar", data={"username": user.username, "password": "retorno-demo"},
            headers={"Cookie": f"{CSRF_COOKIE}={token}; {SESSION_COOKIE}={planted}"})
        assert signed.status_code == 303
        [cookie] = set_cookies(signed, SESSION_COOKIE)
        assert planted not in cookie
    assert is_sign_in_redirect(await replay(app, planted))  # and the planted id holds nobody now


async def test_the_session_id_changes_at_every_sign_in_and_the_old_one_dies(app, as_user, user):
    client = await as_user(user.username)
    first = client.session_id
    assert (await replay(app, first)).status_code == 200  # a stolen cookie works until...
    await client.sign_in(user.username)
    second = client.session_id
    assert second and second != first
    assert is_sign_in_redirect(await replay(app, first))  # ... the next sign-in
    assert (await client.get("/")).status_code == 200
    assert await app.stores.get(sessions.STORE).get(first) is None


async def test_sign_out_destroys_the_session(app, as_user, user):
    client = await as_user(user.username)
    old = client.session_id
    response = await client.post("/salir")
    assert response.status_code == 303 and response.headers["location"] == "/ingresar"
    [cleared] = set_cookies(response, SESSION_COOKIE)
    assert "expires=" in cleared.lower() or "max-age=0" in cleared.lower()
    assert client.session_id is None
    assert await app.stores.get(sessions.STORE).get(old) is None
    assert is_sign_in_redirect(await replay(app, old))
    assert is_sign_in_redirect(await client.get("/"))
    [event] = await events(user.username, "auth.sign_out")
    assert event["user"] == user.id


async def test_get_salir_only_asks(as_user, user):
    client = await as_user(user.username)
    page = await client.get("/salir")
    assert page.status_code == 200 and 'action="/salir"' in page.text
    assert (await client.get("/")).status_code == 200
    assert not await events(user.username, "auth.sign_out")


async def test_sign_out_without_the_csrf_token_is_refused(app, as_user, user):
    client = await as_user(user.username)
    async with Client(app, csrf=False) as forger:
        forger.cookies = client.cookies
        refused = await forger.post("/salir")
    assert refused.status_code == 403 and "formulario venció" in refused.text
    assert (await client.get("/")).status_code == 200


# --- sessions end by themselves -------------------------------------------------------


async def test_idle_timeout(as_user, user, clock, settings):
    client = await as_user(user.username)
    idle = settings.session_idle_minutes * 60
    for _ in range(3):  # activity keeps it alive
        clock.now += idle - 30
        assert (await client.get("/")).status_code == 200
    old = client.session_id
    clock.now += idle + 1
    response = await client.get("/entregas")
    assert is_sign_in_redirect(response)
    assert response.headers["location"] == "/ingresar?siguiente=%2Fentregas"
    assert client.session_id is None
    clock.now -= idle + 1  # the session was destroyed, not only refused
    assert is_sign_in_redirect(await replay(client._transport.app, old))


async def test_absolute_timeout_even_while_active(as_user, user, clock, settings):
    client = await as_user(user.username)
    step = settings.session_idle_minutes * 60 - 60
    limit = settings.session_max_hours * 3600
    elapsed = 0
    while elapsed + step <= limit:
        clock.now += step
        elapsed += step
        assert (await client.get("/")).status_code == 200, f"cortada a los {elapsed} s"
    clock.now += limit - elapsed + 1
    assert is_sign_in_redirect(await client.get("/"))


async def test_the_pages_own_refresh_does_not_keep_an_unattended_screen_signed_in(as_user, user, clock, settings):
    client = await as_user(user.username)
    idle = settings.session_idle_minutes * 60
    refresh = {"HX-Request": "true", "X-Retorno-Background": "1"}  # what the home's every-minute poll sends
    clock.now += idle - 60
    assert (await client.get("/", headers=refresh)).status_code == 200
    clock.now += 120
    ended = await client.get("/", headers=refresh)
    assert ended.status_code == 401 and ended.headers["hx-redirect"] == "/ingresar"


async def test_a_request_within_the_minute_writes_no_session(as_user, user, clock):
    client = await as_user(user.username)
    quiet = await client.get("/")
    assert quiet.status_code == 200 and "retorno_sesion" not in quiet.headers.get("set-cookie", "")
    clock.now += sessions.TOUCH_EVERY
    noted = await client.get("/")
    assert f"retorno_sesion={client.session_id}" in noted.headers.get("set-cookie", "")


async def test_bumping_the_epoch_ends_existing_sessions(as_user, user):
    client = await as_user(user.username)
    await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id == user.id)
    assert is_sign_in_redirect(await client.get("/"))
    assert client.session_id is None
    await client.sign_in(user.username)  # a new sign-in carries the new epoch
    assert (await client.get("/")).status_code == 200


async def test_deactivating_a_user_ends_his_sessions(as_user, user):
    client = await as_user(user.username)
    await User.update({User.active: False}).where(User.id == user.id)
    assert is_sign_in_redirect(await client.get("/"))
    htmx = await client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/ingresar"


# --- cookies -------------------------------------------------------------------------


def attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    return {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}


async def test_cookies_are_httponly_and_lax(client, user):
    page = await client.get("/ingresar")
    [csrf] = set_cookies(page, CSRF_COOKIE)
    signed = await try_sign_in(client, user.username, "retorno-demo")
    [session] = set_cookies(signed, SESSION_COOKIE)
    for header in (csrf, session):
        attrs = attributes(header)
        assert "httponly" in attrs and attrs["samesite"].lower() == "lax" and attrs["path"] == "/"
        assert "secure" not in attrs  # plain http in development
    assert int(attributes(session)["max-age"]) == 120 * 60


async def test_cookies_are_secure_behind_https(another_app, user):
    app = await another_app(BASE_URL="https://retorno.example.com")
    async with Client(app, base_url="https://testserver") as client:
        page = await client.get("/ingresar")
        [csrf] = set_cookies(page, CSRF_COOKIE)
        signed = await try_sign_in(client, user.username, "retorno-demo")
        assert signed.status_code == 303
        [session] = set_cookies(signed, SESSION_COOKIE)
        for header in (csrf, session):
            attrs = attributes(header)
            assert "secure" in attrs and "httponly" in attrs and attrs["samesite"].lower() == "lax"
        assert (await client.get("/")).status_code == 200
        cleared = set_cookies(await client.post("/salir"), SESSION_COOKIE)
        assert cleared and "secure" in attributes(cleared[0])


# --- where to go after signing in ---------------------------------------------------------


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "/\n/evil.example", " //evil.example", "http:evil.example", "javascript:alert(1)", "",
])
async def test_siguiente_never_leaves_the_site(app, user, target):
    async with Client(app) as client:
        signed = await try_sign_in(client, user.username, "retorno-demo", siguiente=target)
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        again = await client.get("/ingresar", params={"siguiente": target})
        assert again.status_code == 303 and again.headers["location"] == "/"


async def test_siguiente_takes_you_back_where_you_were(client, user):
    bounced = await client.get("/entregas?orden=fecha")
    assert bounced.headers["location"] == "/ingresar?siguiente=%2Fentregas%3Forden%3Dfecha"
    page = await client.get(bounced.headers["location"])
    assert 'name="siguiente" value="/entregas?orden=fecha"' in page.text
    signed = await try_sign_in(client, user.username, "retorno-demo", siguiente="/entregas?orden=fecha")
    assert signed.headers["location"] == "/entregas?orden=fecha"


# --- the same session life on Redis -----------------------------------------------------------


@pytest.fixture
async def redis_app(another_app, redis_url):
    from redis.asyncio import Redis

    url = urlsplit(redis_url)._replace(path="/14").geturl()  # a database of its own
    app = await another_app(REDIS_URL=url)
    raw = Redis.from_url(url)
    yield SimpleNamespace(app=app, redis=raw)
    keys = await raw.keys("retorno:sessions:*")
    if keys:
        await raw.delete(*keys)
    await raw.aclose()


@pytest.mark.redis
async def test_sessions_live_in_redis(redis_app, user, settings):
    from litestar.stores.redis import RedisStore

    app, raw = redis_app.app, redis_app.redis
    assert isinstance(app.stores.get(sessions.STORE), RedisStore)
    async with Client(app) as client:
        await client.sign_in(user.username)
        first = client.session_id
        key = f"retorno:sessions:{first}"
        assert await raw.exists(key)
        assert 0 < await raw.ttl(key) <= settings.session_idle_minutes * 60
        assert (await client.get("/")).status_code == 200

        await client.sign_in(user.username)  # rotation
        second = client.session_id
        assert second != first and not await raw.exists(key)
        assert await raw.exists(f"retorno:sessions:{second}")
        assert is_sign_in_redirect(await replay(app, first))

        assert (await client.post("/salir")).status_code == 303
        assert not await raw.exists(f"retorno:sessions:{second}")
        assert is_sign_in_redirect(await replay(app, second))
