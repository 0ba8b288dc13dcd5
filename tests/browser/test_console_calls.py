"""The call list in a real browser: the clerk sees who has no WeChat and is due a reminder,
shows the number, phones, and records that the resident was reached."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory
from tests.reminders.conftest import DISTRICT, at, registered_at_desk, run, schedule_followup


def test_a_clerk_phones_a_resident_without_wechat_and_records_it(
    app: Flask, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    resident_id = registered_at_desk(app, desk)
    today = datetime.now(DISTRICT).date()
    schedule_followup(app, make, resident_id, desk.center_id, today + timedelta(days=2))
    run(app, at(10, day=today - timedelta(days=1)))

    console.log_in(desk)
    page = console.open("/console/followups")
    page.get_by_test_id("call-list").click()

    (card,) = page.locator("[data-testid^=reminder-]").all()
    expect(card).to_contain_text("王芳")
    expect(card).to_contain_text("随访将到期")
    expect(card).to_contain_text("137****1111")
    console.screenshot("list")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("list-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    card.get_by_role("button", name="显示号码").click()
    expect(card.get_by_role("link", name="13700001111")).to_be_visible()
    card.get_by_text("已接通").click()
    card.get_by_role("button", name="保存通话记录").click()

    expect(page.get_by_test_id("result")).to_contain_text("通话已记录")
    console.screenshot("recorded")
    page.reload()
    expect(page.get_by_test_id("no-calls")).to_be_visible()
