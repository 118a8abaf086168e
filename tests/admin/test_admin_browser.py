"""The settings screens in real Chromium: boosted forms, post/redirect/get,
422s shown in place, catalog rows swapped by htmx."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from app.tables import Branch, DiscardReason, User, UserBranch
from tests.browser import sign_in

pytestmark = pytest.mark.browser



def field(page, name: str):
    return page.locator(f'[data-test="field-{name}"]')


async def test_admin_creates_a_branch_and_a_user(page, make):
    world = await make.world()
    code = f"nav{make.serial()}"
    await sign_in(page, world.users["admin"].username)
    await page.goto("/admin")
    await page.locator('[data-test="nav-sucursales"]').click()
    await expect(page).to_have_url(re.compile(r"/admin/sucursales$"))
    await page.locator('[data-test="new-branch"]').click()
    await field(page, "code").fill(code)
    await field(page, "name").fill("Mendoza — Godoy Cruz")
    await field(page, "timezone").select_option("America/Argentina/Mendoza")
    await field(page, "city").fill("Godoy Cruz")
    await field(page, "phone").fill("261 12")  # too short: shown in place, nothing written
    await page.locator('[data-test="save"]').click()
    await expect(page.locator('[data-test="error-phone"]')).to_contain_text("No es un teléfono válido")
    await expect(field(page, "code")).to_have_value(code)
    assert not await Branch.exists().where(Branch.code == code)
    await field(page, "phone").fill("261 424-0000")
    await page.locator('[data-test="save"]').click()
    await expect(page.locator('[data-test="admin-notice"]')).to_contain_text("Sucursal creada")
    await expect(page).to_have_url(re.compile(r"/admin/sucursales\?aviso=sucursal-creada$"))
    await expect(page.locator('[data-test="branch-row"]', has_text="Mendoza — Godoy Cruz")).to_be_visible()
    branch = await Branch.select(Branch.id, Branch.phone, Branch.timezone).where(Branch.code == code).first()
    assert (branch["phone"], branch["timezone"]) == ("+542614240000", "America/Argentina/Mendoza")

    username = f"lucia{make.serial()}"
    await page.locator('[data-test="nav-usuarios"]').click()
    await page.locator('[data-test="new-user"]').click()
    await field(page, "username").fill(username)
    await field(page, "full_name").fill("Lucía Ferreyra")
    await field(page, "role").select_option("advisor")
    await page.locator(f'[data-test="branch-{code}"]').check()
    await field(page, "password").fill("dulce-de-leche")
    await field(page, "password_again").fill("dulce-de-leche")
    await page.locator('[data-test="save"]').click()
    await expect(page.locator('[data-test="admin-notice"]')).to_contain_text("Usuario creado")
    row = page.locator('[data-test="user-row"]', has_text=username)
    await expect(row.locator('[data-test="user-branches"]')).to_have_text("Mendoza — Godoy Cruz")
    user = await User.select(User.id, User.role).where(User.username == username).first()
    assert user["role"] == "advisor"
    assert await UserBranch.exists().where((UserBranch.user == user["id"]) & (UserBranch.branch == branch["id"]))


async def test_manager_edits_a_window_setting(page, make):
    world = await make.world()
    await sign_in(page, world.users["manager"].username)
    await page.goto("/admin")
    await expect(page.locator('[data-test="nav-usuarios"]')).to_have_count(0)
    await page.locator('[data-test="nav-sucursales"]').click()
    await page.locator('[data-test="branch-link"]', has_text=world.a.name).click()
    await expect(field(page, "code")).to_have_count(0)  # not his to change
    await field(page, "delivery_window_days").fill("45")
    await page.locator('[data-test="save"]').click()
    await expect(page.locator('[data-test="admin-notice"]')).to_have_text("Cambios guardados.")
    row = await Branch.select(Branch.delivery_window_days, Branch.version).where(Branch.id == world.a.id).first()
    assert (row["delivery_window_days"], row["version"]) == (45, world.a.version + 1)


async def test_manager_keeps_the_catalog_with_row_swaps(page, make):
    world = await make.world()
    await sign_in(page, world.users["manager"].username)
    await page.goto("/admin")
    await page.locator('[data-test="nav-catalogos"]').click()
    reasons = page.locator('[data-test="catalog-motivos"]')
    await reasons.locator('[data-test="new-name"]').fill("Se mudó de ciudad")
    await reasons.locator('[data-test="add"]').click()
    await expect(reasons.locator('[data-test="added"]')).to_be_visible()
    added = reasons.locator('[data-test="catalog-row"]').last
    await expect(added.locator('[data-test="item-name"]')).to_have_value("Se mudó de ciudad")
    await added.locator('[data-test="deactivate-item"]').click()
    await expect(added.locator('[data-test="item-state"]')).to_have_text("Inactivo")
    first = reasons.locator('[data-test="catalog-row"]').first
    await first.locator('[data-test="item-name"]').fill("Precio del servicio")
    await first.locator('[data-test="save-item"]').click()
    await expect(reasons.locator('[data-test="catalog-row"]').first.locator('[data-test="item-name"]')).to_have_value(
        "Precio del servicio")
    await reasons.locator('[data-test="catalog-row"]').first.locator('[data-test="move-down"]').click()
    await expect(reasons.locator('[data-test="catalog-row"]').nth(1).locator('[data-test="item-name"]')).to_have_value(
        "Precio del servicio")
    rows = await DiscardReason.select(DiscardReason.name, DiscardReason.active).where(
        DiscardReason.branch == world.a.id).order_by(DiscardReason.position)
    assert rows[1]["name"] == "Precio del servicio"
    assert {"name": "Se mudó de ciudad", "active": False} in rows
