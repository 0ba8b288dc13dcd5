"""Challenges and badges in a real browser, in Chinese: a manager sets a challenge in the form
(a refused period first), finds it listed, ends it; the badges page; and the desk card showing
a resident's level, streak and badges."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.desks import member_code
from tests.factories import Account, Factory
from tests.gamification.conftest import attend, months_ago

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}


def test_a_manager_sets_a_challenge_sees_it_listed_and_ends_it(
    client: FlaskClient, make: Factory, console: BrowserConsole
) -> None:
    today = datetime.now(SHANGHAI).date()
    manager = make.staff("manager", center_id=make.center("登峰街道社区卫生服务中心"))
    page = console.log_in(manager)
    nav = page.locator("nav.areas")
    expect(nav.get_by_role("link", name="挑战", exact=True)).to_be_visible()
    console.screenshot("topbar")
    assert (nav.bounding_box() or {}).get("height", 0) < 60, "the top bar fits one line"
    page.get_by_role("link", name="挑战", exact=True).click()
    expect(page.locator("h1")).to_have_text("挑战")
    page.get_by_test_id("new-challenge").click()

    page.fill("input[name=title]", "冬季控压挑战")
    page.fill("input[name=starts_on]", str(today - timedelta(days=3)))
    page.fill("input[name=ends_on]", str(today - timedelta(days=5)))
    page.select_option("select[name=goal_kind]", label="讲座")
    page.fill("input[name=goal_count]", "3")
    page.fill("input[name=bonus_points]", "50")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("result")).to_contain_text("结束日期早于开始日期")
    console.screenshot("refused")

    page.fill("input[name=ends_on]", str(today + timedelta(days=60)))
    console.screenshot("form")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("result")).to_have_text("挑战已发布。")
    row = page.get_by_test_id("challenges").locator("tbody tr", has_text="冬季控压挑战")
    expect(row).to_contain_text("进行中")
    expect(row).to_contain_text("讲座 × 3 次")
    console.screenshot("listed")
    page.set_viewport_size(TABLET)
    console.screenshot("listed-tablet")
    page.set_viewport_size(DESKTOP)

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="今天结束").click()

    expect(page.get_by_test_id("result")).to_have_text("挑战已结束：今天是最后一天。")
    expect(row).to_contain_text(f"至 {today}")
    expect(row.get_by_role("button", name="今天结束")).to_be_visible()  # still today's
    console.screenshot("ended")
    (listed,) = client.get("/api/v1/challenges", headers=manager.headers).json["items"]
    assert listed["ends_on"] == str(today)


def test_the_district_manager_makes_and_deactivates_a_badge(
    district_manager: Account, console: BrowserConsole
) -> None:
    page = console.log_in(district_manager)
    page.get_by_role("link", name="挑战", exact=True).click()
    page.get_by_test_id("badges-tab").click()
    expect(page.get_by_test_id("badge-first_lecture")).to_contain_text("首次听讲座")

    page.fill("input[name=name]", "讲座常客")
    page.select_option("select[name=activity]", label="讲座")
    page.fill("input[name=count]", "10")
    page.get_by_test_id("make-badge").click()
    made = page.get_by_test_id("badges").locator("tbody tr", has_text="讲座常客")
    expect(made).to_contain_text("参加活动次数 × 10")
    console.screenshot("made")

    page.once("dialog", lambda dialog: dialog.accept())
    made.get_by_role("button", name="停用").click()
    expect(made).to_contain_text("已停用")
    console.screenshot("deactivated")
    page.set_viewport_size(TABLET)
    console.screenshot("deactivated-tablet")


def test_the_desk_card_shows_level_streak_and_badges(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    console: BrowserConsole,
) -> None:
    app.config["GAMIFICATION_INLINE"] = True
    resident = make.resident(desk.center_id, name="王秀英")
    for months in (2, 1, 0):
        attend(make, resident, months_ago(months))
    page = console.log_in(desk)

    page.get_by_test_id("scan").fill(member_code(client, resident))
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("level")).to_have_text("健康新手")
    expect(page.get_by_test_id("streak")).to_have_text("连续 3 个月")
    expect(page.get_by_test_id("badges")).to_contain_text("首次听讲座")
    console.screenshot("card")
    page.set_viewport_size(TABLET)
    console.screenshot("card-tablet")
