"""The console's frame in a real browser: logging in and out, in Chinese, at desk and tablet
widths."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account


def test_a_clerk_logs_in_lands_at_the_desk_with_the_scan_box_focused_and_logs_out(
    desk: Account, console: BrowserConsole
) -> None:
    page = console.open("/console/")
    expect(page.locator("h1")).to_have_text("健康积分")
    console.screenshot("login")

    console.log_in(desk)

    expect(page).to_have_url(console.url("/console/desk"))
    expect(page.get_by_test_id("scan")).to_be_focused()
    console.screenshot("desk")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("desk-tablet")

    page.get_by_test_id("logout").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    console.open("/console/desk")
    expect(page.locator("input[name=username]")).to_be_visible()


def test_a_wrong_password_is_told_in_chinese(desk: Account, console: BrowserConsole) -> None:
    page = console.submit_login(desk.username or "", "wrong password")

    expect(page.get_by_test_id("result")).to_contain_text("用户名或密码")
    console.screenshot("refused")
