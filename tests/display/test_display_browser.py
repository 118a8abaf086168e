"""The reception TV in real Chromium: a check-in made in another browser shows on the TV within 2 seconds
without a reload; a revoked link goes dark within 2 seconds; with two app processes on Redis, a check-in on
one reaches a TV served by the other."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from playwright.async_api import expect

from app.audit import Actor
from app.config import ROOT
from app.display import tokens
from tests.browser import sign_in
from tests.display.test_display import _screen, today_at

pytestmark = pytest.mark.browser



async def test_a_check_in_reaches_the_tv_and_a_revoked_link_goes_dark(browser, server, page, make):
    branch, new = await _screen(make)
    coordinator = await make.user("coordinator", [branch])
    arriving = await make.appointment(branch, starts_at=today_at(branch, 8))
    tv_context = await browser.new_context(base_url=server, viewport={"width": 1920, "height": 1080})
    tv = await tv_context.new_page()
    await tv.goto(f"/pantalla/{new.token}")
    rows = tv.locator("[data-test='tv-row']")
    await expect(rows).to_have_count(3)
    await expect(tv.locator("[data-test='clock']")).to_have_text(__import__("re").compile(r"^\d\d:\d\d$"))
    await tv.wait_for_timeout(500)  # the stream is open
    assert await tv_context.cookies() == []

    await sign_in(page, coordinator.username)
    started = time.perf_counter()
    response = await page.request.post(f"/turnos/{arriving.id}/ingreso", form={"version": "1"},
                                       headers={"x-csrftoken": next(c["value"] for c in await page.context.cookies()
                                                                    if c["name"] == "retorno_csrf")})
    assert response.status == 303 or response.ok, await response.text()
    await expect(rows.first.locator("[data-test='tv-state']")).to_have_text("llegó", timeout=2000)
    print(f"check-in → TV: {(time.perf_counter() - started) * 1000:.0f} ms")

    started = time.perf_counter()
    await tokens.revoke(new.id, None, Actor(None, "test", None))
    await expect(tv.locator("[data-test='tv-dark']")).to_be_visible(timeout=2000)
    await expect(tv.locator("[data-test='tv-row']")).to_have_count(0)
    print(f"revoke → dark: {(time.perf_counter() - started) * 1000:.0f} ms")
    await tv_context.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT,
                               env=env | {"PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(150):
            try:
                if (await client.get(f"{url}/healthz")).status_code in (200, 503):
                    return process, url
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    process.terminate()
    raise AssertionError(process.communicate(timeout=10)[0].decode()[-2000:])


async def test_two_processes_on_redis_a_check_in_on_one_reaches_a_tv_on_the_other(browser, make, redis_url):
    branch, new = await _screen(make)
    coordinator = await make.user("coordinator", [branch])
    arriving = await make.appointment(branch, starts_at=today_at(branch, 8))
    env = os.environ | {"REDIS_URL": redis_url, "JOB_QUEUE": f"retorno:test:{new.id}"}
    a, a_url = await _serve(env)
    b, b_url = await _serve(env)
    try:
        context = await browser.new_context(viewport={"width": 1920, "height": 1080})
        tv = await context.new_page()
        await tv.goto(f"{b_url}/pantalla/{new.token}")
        rows = tv.locator("[data-test='tv-row']")
        await expect(rows).to_have_count(3)
        await tv.wait_for_timeout(800)  # subscribed on B
        async with httpx.AsyncClient(base_url=a_url) as on_a:
            await on_a.get("/ingresar")
            await on_a.post("/ingresar", data={"username": coordinator.username, "password": "retorno-demo",
                                               "_csrf_token": on_a.cookies["retorno_csrf"]})
            done = await on_a.post(f"/turnos/{arriving.id}/ingreso", data={"version": "1"},
                                   headers={"x-csrftoken": on_a.cookies["retorno_csrf"], "HX-Request": "true"})
            assert done.status_code == 200, done.text[:300]
        await expect(rows.first.locator("[data-test='tv-state']")).to_have_text("llegó", timeout=2000)
        await context.close()
    finally:
        for process in (a, b):
            process.terminate()
            process.communicate(timeout=15)


async def test_the_tv_says_sin_conexion_and_recovers_by_itself(browser, make):
    _, new = await _screen(make)
    port = _free_port()
    env = os.environ | {"PORT": str(port)}

    async def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                try:
                    await client.get(f"http://127.0.0.1:{port}/healthz")
                    return process
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        raise AssertionError("el servidor no arrancó")

    server = await start()
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tv = await context.new_page()
        await tv.goto(f"http://127.0.0.1:{port}/pantalla/{new.token}")
        await expect(tv.locator("[data-test='tv-row']")).to_have_count(2)
        offline = tv.locator("[data-test='offline']")
        await expect(offline).to_be_hidden()
        server.terminate()
        server.communicate(timeout=15)
        await expect(offline).to_be_visible(timeout=15_000)
        await expect(tv.locator("[data-test='tv-row']")).to_have_count(2)  # the last list stays on screen
        server = await start()
        await expect(offline).to_be_hidden(timeout=20_000)
    finally:
        await context.close()
        server.terminate()
        server.communicate(timeout=15)
