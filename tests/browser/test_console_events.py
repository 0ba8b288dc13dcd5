"""The console's events in a real browser, in Chinese: a clerk creates an event in the form,
finds it listed, opens the projector, prints the poster; who came and the scan log."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory
from tests.qr import read_qr
from tests.spreadsheets import renamed

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 10 cm in CSS pixels (96 per inch).
TEN_CM = 96 / 2.54 * 10


def in_days(days: int, hour: int = 10) -> datetime:
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=SHANGHAI)


def test_a_clerk_creates_an_event_in_the_form_and_finds_it_listed(
    desk: Account, console: BrowserConsole
) -> None:
    page = console.log_in(desk)
    page.get_by_role("link", name="活动", exact=True).click()
    expect(page.locator("h1")).to_have_text("活动")
    page.get_by_test_id("new-event").click()
    starts = in_days(3)

    page.fill("input[name=title]", "x")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", starts.strftime("%Y-%m-%dT09:00"))
    page.get_by_test_id("save").click()
    expect(page.locator("[data-error-for=ends_at]")).to_have_text("活动结束时间须晚于开始时间。")
    console.screenshot("refused")

    page.fill("input[name=title]", "冬季养生讲座")
    page.select_option("select[name=kind]", label="讲座")
    page.fill("input[name=ends_at]", starts.strftime("%Y-%m-%dT11:30"))
    page.fill("input[name=location]", "二楼会议室")
    page.fill("input[name=capacity]", "60")
    console.screenshot("form")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("event-title")).to_have_text("冬季养生讲座")
    expect(page.get_by_test_id("earns-points")).to_contain_text("10")
    expect(page.get_by_test_id("attendance")).to_have_text("0 / 60 个名额")
    console.screenshot("detail")
    page.get_by_role("link", name="活动", exact=True).first.click()
    row = page.get_by_test_id("events-upcoming").locator("tr", has_text="冬季养生讲座")
    expect(row).to_contain_text(starts.strftime("%Y-%m-%d"))
    expect(row).to_contain_text("10:00–11:30")
    expect(row).to_contain_text("讲座")
    console.screenshot("list")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("list-tablet")


def test_the_poster_prints_the_static_code_on_one_a4_sheet(
    client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(
        desk.center_id,
        title="糖尿病饮食讲座",
        location="社区卫生服务中心二楼会议室",
        starts_at=in_days(2),
    )
    static = client.get(f"/api/v1/events/{event_id}/qr?mode=static", headers=desk.headers).json
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")

    page.get_by_test_id("poster").click()

    sheet = page.get_by_test_id("poster-sheet")
    expect(sheet).to_contain_text("糖尿病饮食讲座")
    expect(sheet).to_contain_text("微信扫码签到")
    expect(sheet).to_contain_text("扫一扫")
    expect(page.get_by_test_id("print")).to_be_visible()
    console.screenshot("screen")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("screen-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_test_id("print")).to_be_hidden()
    box = page.locator("[data-testid=poster-qr] svg").bounding_box()
    assert box is not None and box["width"] >= TEN_CM and box["height"] >= TEN_CM
    console.screenshot("print")
    assert read_qr(page.get_by_test_id("poster-qr").screenshot()) == static["url"]
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # one sheet


def test_the_projector_opens_in_a_new_tab(
    make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(desk.center_id, title="控制血压讲座")
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")

    with page.context.expect_page() as opened:
        page.get_by_test_id("open-display").click()
    projector = opened.value

    expect(projector.locator("h1")).to_have_text("控制血压讲座")
    expect(projector.locator("#qr svg")).to_be_visible()
    expect(page.get_by_test_id("event-title")).to_have_text("控制血压讲座")  # still here
    console.screenshot("projector", page=projector)


def test_who_came_is_listed_and_downloaded(
    client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(desk.center_id, title="高血压防治讲座")
    for name in ("黄秀英", "李建国", "=1+2"):
        resident = renamed(client, make.resident(desk.center_id), name)
        make.checkin(event_id, resident.id)
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")

    page.get_by_role("link", name="签到名单").first.click()

    expect(page.get_by_test_id("attendance")).to_have_text("已签到 3 人")
    rows = page.get_by_test_id("attendance-list").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("黄秀英")
    expect(rows.first).to_contain_text("****")
    console.screenshot("attendance")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("attendance-tablet")
    with page.expect_download() as download:
        page.get_by_test_id("attendance-csv").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "黄秀英" in text and "'=1+2" in text


def test_the_scan_log_shows_refusals_repeats_and_a_shared_device(
    client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(desk.center_id, title="秋季筛查", kind="screening", capacity=3)
    token = client.get(f"/api/v1/events/{event_id}/qr?mode=static", headers=desk.headers).json[
        "token"
    ]
    phone = {"User-Agent": "Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0.47"}
    residents = [make.resident(desk.center_id) for _ in range(4)]
    for who in [*residents, residents[0]]:
        client.post("/api/v1/checkins", headers={**who.headers, **phone}, json={"token": token})
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")

    page.get_by_role("link", name="扫码记录").first.click()

    expect(page.get_by_test_id("device-flags")).to_contain_text("同一台设备为多位居民签到")
    log = page.get_by_test_id("scan-log")
    expect(log.locator("tr[data-outcome=already_checked_in]")).to_contain_text("重复扫码")
    expect(log.locator("tr[data-outcome=event_full]")).to_contain_text("活动名额已满")
    expect(log.get_by_test_id("suspicious")).to_have_count(5)
    console.screenshot("scans")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("scans-tablet")


def test_cancelling_asks_first(make: Factory, desk: Account, console: BrowserConsole) -> None:
    event_id = make.event(desk.center_id, title="取消的讲座", starts_at=in_days(5))
    console.log_in(desk)
    page = console.open(f"/console/events/{event_id}")

    page.get_by_test_id("cancel").click()
    expect(page.locator("h1")).to_have_text("确定取消这个活动吗？")
    console.screenshot("confirm")
    page.get_by_test_id("confirm-cancel").click()

    expect(page.get_by_test_id("event-cancelled")).to_have_text("已取消")
    expect(page.get_by_test_id("open-display")).to_have_count(0)
    console.screenshot("cancelled")
