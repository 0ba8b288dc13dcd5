"""The console's frame in a real browser: logging in and out, in Chinese, at desk and tablet
widths."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.factories import Account


def test_a_clerk_logs_in_lands_at_the_desk_with_the_scan_box_focused_and_logs_out(
    page: Page, desk: Account, live_server: str, console_login: Any, screenshot: Any
) -> None:
    page.goto(f"{live_server}/console/")
    expect(page.locator("h1")).to_have_text("健康积分")
    screenshot(page, "login")

    console_login(page, desk)

    expect(page).to_have_url(f"{live_server}/console/desk")
    expect(page.get_by_test_id("scan")).to_be_focused()
    screenshot(page, "desk")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "desk-tablet")

    page.get_by_test_id("logout").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    page.goto(f"{live_server}/console/desk")
    expect(page.locator("input[name=username]")).to_be_visible()


def test_a_wrong_password_is_told_in_chinese(
    page: Page, desk: Account, live_server: str, screenshot: Any
) -> None:
    page.goto(f"{live_server}/console/")
    page.fill("input[name=username]", desk.username or "")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit].primary")

    expect(page.get_by_test_id("result")).to_contain_text("用户名或密码")
    screenshot(page, "refused")
