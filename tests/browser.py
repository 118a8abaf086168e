"""What every Chromium test does first: sign in through the form, as a user does."""

from __future__ import annotations

from playwright.async_api import expect


async def sign_in(page, username: str, password: str = "retorno-demo") -> None:
    await page.goto("/ingresar")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await expect(page.locator('[data-test="user-name"]')).to_be_visible()
