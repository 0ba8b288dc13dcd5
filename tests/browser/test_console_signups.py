"""Who signed up for an event (报名), in a real browser, in Chinese: the count against the
places, each name with a masked phone, and who of them has checked in."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import expect

from core.db import db, utcnow
from events import signups
from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory


def test_the_desk_sees_who_signed_up_and_who_of_them_came(
    app: Flask, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(
        desk.center_id, title="糖尿病饮食讲座", starts_in=timedelta(minutes=20), capacity=30
    )
    names = ("黄秀英", "李建国", "王芳")
    residents = [make.resident(desk.center_id, name=name) for name in names]
    with app.app_context():
        for resident in residents:
            signups.sign_up(resident.id, event_id, utcnow())
        db.session.commit()
    make.checkin(event_id, residents[0].id)
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")
    expect(page.get_by_test_id("signups")).to_have_text("3 / 30 个名额")

    page.get_by_role("link", name="报名名单").click()

    expect(page.get_by_test_id("signup-count")).to_have_text("已报名 3 人 / 共 30 个名额")
    rows = page.get_by_test_id("signup-list").locator("tbody tr")
    expect(rows).to_have_count(3)
    came = page.get_by_test_id(f"signup-{residents[0].id}")
    expect(came).to_contain_text("黄秀英")
    expect(came).to_contain_text("****")
    expect(came).to_contain_text("已签到")
    expect(page.get_by_test_id(f"signup-{residents[1].id}")).to_contain_text("未签到")
    console.screenshot("signups")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("signups-tablet")


def test_an_event_nobody_signed_up_for_says_so(
    make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    console.log_in(desk)

    page = console.open(f"/console/events/{event_id}/signups")

    expect(page.get_by_test_id("signup-count")).to_have_text("已报名 0 人")
    expect(page.get_by_text("还没有人报名。")).to_be_visible()
