"""The weekly report in a real browser: opened from the dashboard, a week picked, the API's
figures shown, printed on A4 and downloaded as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Factory
from tests.stats.test_summary import local
from tests.stats.test_weekly import LAST_YEAR, WEEK, figures_of, lecture, weekly


@pytest.fixture
def weeks(app: Flask, make: Factory) -> dict[str, Any]:
    """Center A: three attendances in 2026-W10, two in W09, four in 2025-W10."""
    a, b = make.center("东区中心"), make.center("西区中心")
    r1, r2, r3, r4 = (make.resident(a).id for _ in range(4))
    lecture(make, a, local(2026, 3, 3, 9), [r1, r2, r3])
    lecture(make, a, local(2026, 2, 25, 9), [r1, r2])
    lecture(make, a, local(2025, 3, 5, 9), [r1, r2, r3, r4])
    lecture(make, b, local(2026, 3, 4, 9), [make.resident(b).id])
    return {"a": a, "b": b, "district_manager": make.staff("manager")}


def test_a_manager_picks_a_week_prints_it_and_downloads_it(
    client: FlaskClient, weeks: dict[str, Any], console: BrowserConsole
) -> None:
    manager = weeks["district_manager"]
    console.log_in(manager)
    page = console.open("/console/dashboard")

    page.get_by_test_id("open-weekly").click()
    expect(page.get_by_test_id("weekly-report")).to_be_visible()
    page.get_by_test_id("week-picker").fill(WEEK)
    page.get_by_test_id("center-filter").select_option(label="东区中心")
    page.get_by_role("button", name="查看").click()

    expect(page.locator("h1")).to_have_text(f"东区中心 · 健康积分周报 {WEEK}")
    api = figures_of(weekly(client, manager, week=WEEK, center_id=weeks["a"]).json)
    for key in ("events_held", "checkins", "participants", "points_issued"):
        expect(page.get_by_test_id(f"weekly-{key}")).to_have_text(str(api[key]["value"]))
    checkins = page.locator("tr[data-figure=checkins] td")
    expect(checkins).to_have_text(["签到人次", "3", "2", "+50.0%", "4", "-25.0%"])
    expect(page.locator("thead")).to_contain_text(LAST_YEAR)
    console.screenshot("week")

    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_test_id("print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    page.emulate_media(media="print")
    expect(page.locator(".report-tools")).to_be_hidden()
    console.screenshot("print")
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_test_id("download-weekly-csv").click()
    assert download.value.suggested_filename == f"weekly-{WEEK}.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, scope, *rows = csv.reader(io.StringIO(text))
    assert (header[0], scope[:2]) == ("指标", ["中心", "东区中心"])
    assert ["签到人次", "3", "2", "50.0", "4", "-25.0"] in rows


def test_a_manager_asks_for_the_report_by_email_on_the_page(
    client: FlaskClient, make: Factory, console: BrowserConsole
) -> None:
    manager = make.staff("manager", center_id=make.center("东区中心"))
    console.log_in(manager)
    page = console.open(f"/console/reports/weekly?week={WEEK}")
    expect(page.get_by_test_id("weekly-mail")).to_contain_text("尚未配置邮件服务器")

    page.get_by_test_id("own-email").fill("dong@example.cn")
    page.get_by_test_id("own-weekly-report").check()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_test_id("own-weekly-report")).to_be_checked()
    expect(page.get_by_test_id("week-picker")).to_have_value(WEEK)
    account = client.get("/api/v1/auth/me", headers=manager.headers).json
    assert (account["email"], account["weekly_report"]) == ("dong@example.cn", True)
    console.screenshot("mail")
