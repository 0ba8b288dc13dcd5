"""The desk in a real browser: a scanner typing a code and Enter, the card, redeeming with a
double-clicked confirm, a refusal in Chinese, another center's clerk, a scan typed while an
input method composes, door mode, and the camera."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import BrowserType, Page, expect
from sqlalchemy import func, select

from catalog.models import Redemption
from core.db import db
from events.models import Checkin
from tests.browser.conftest import CHROMIUM, BrowserConsole
from tests.catalog.test_redemption import gift, stock_at
from tests.desks import all_day_event, member_code
from tests.events.test_checkin import qr
from tests.factories import Account, Factory

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def resident(make: Factory, desk: Account) -> Account:
    """A resident of the desk's center, with 100 points."""
    account = make.resident(desk.center_id, name="王秀英", phone="13912345678")
    make.credit(account.id, 100)
    return account


def scan_like_a_scanner(page: Page, code: str) -> None:
    """What a USB scanner does: type fast into the focused box, then Enter."""
    expect(page.get_by_test_id("scan")).to_be_focused()
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def redemptions(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Redemption)))


def test_a_clerk_scans_a_member_code_and_hands_over_one_gift_on_a_double_click(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    resident: Account,
    console: BrowserConsole,
) -> None:
    all_day_event(app, make, desk.center_id)
    item_id = gift(client, manager, stock=3, cost=30, description="量腰围，防肥胖")
    page = console.log_in(desk)

    scan_like_a_scanner(page, member_code(client, resident))

    expect(page.get_by_test_id("resident-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("balance")).to_have_text("100")
    expect(page.get_by_test_id(f"stock-{item_id}")).to_have_text("3")
    expect(page.get_by_test_id("scan")).to_be_focused()
    expect(page.get_by_test_id("scan")).to_have_value("")
    console.screenshot("card")
    page.set_viewport_size(TABLET)
    console.screenshot("card-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_test_id(f"redeem-{item_id}").click()
    expect(page.get_by_test_id("preview-after")).to_have_text("70")
    expect(page.get_by_test_id("preview-stock")).to_have_text("3")
    console.screenshot("preview")
    page.set_viewport_size(TABLET)
    console.screenshot("preview-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_test_id("confirm").dblclick()

    expect(page.get_by_test_id("result")).to_contain_text("已发放")
    expect(page.get_by_test_id("balance")).to_have_text("70")
    expect(page.get_by_test_id(f"stock-{item_id}")).to_have_text("2")
    expect(page.get_by_test_id("scan")).to_be_focused()
    console.screenshot("result")
    page.set_viewport_size(TABLET)
    console.screenshot("result-tablet")
    assert redemptions(app) == 1
    assert stock_at(client, manager, item_id, manager.center_id) == 2


def test_a_clerk_hands_over_two_of_a_gift_with_the_stepper(
    app: Flask,
    client: FlaskClient,
    desk: Account,
    manager: Account,
    resident: Account,
    console: BrowserConsole,
) -> None:
    item_id = gift(client, manager, stock=3, cost=30)
    page = console.log_in(desk)
    scan_like_a_scanner(page, member_code(client, resident))
    page.get_by_test_id(f"redeem-{item_id}").click()
    expect(page.get_by_test_id("quantity-less")).to_be_disabled()

    page.get_by_test_id("quantity-more").click()

    expect(page.get_by_test_id("quantity")).to_have_text("2")
    expect(page.get_by_test_id("preview-cost")).to_have_text("60")
    expect(page.get_by_test_id("preview-after")).to_have_text("40")
    console.screenshot("preview-two")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("result")).to_contain_text("× 2")
    expect(page.get_by_test_id("balance")).to_have_text("40")
    expect(page.get_by_test_id(f"stock-{item_id}")).to_have_text("1")
    assert redemptions(app) == 1


def test_a_refusal_is_told_in_chinese(
    client: FlaskClient, desk: Account, manager: Account, resident: Account, console: BrowserConsole
) -> None:
    item_id = gift(client, manager, stock=3, cost=300)
    page = console.log_in(desk)
    scan_like_a_scanner(page, member_code(client, resident))

    page.get_by_test_id(f"redeem-{item_id}").click()

    expect(page.get_by_test_id("result")).to_contain_text("积分不足")
    expect(page.get_by_test_id("result")).to_contain_text("还差200")
    expect(page.get_by_test_id("confirm")).to_have_count(0)
    expect(page.get_by_test_id("balance")).to_have_text("100")
    console.screenshot("refused")


def test_a_search_by_phone_tail_opens_the_card(
    desk: Account, resident: Account, console: BrowserConsole
) -> None:
    page = console.log_in(desk)

    page.get_by_test_id("search").fill("5678")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id(f"found-{resident.id}").click()

    expect(page.get_by_test_id("resident-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("scan")).to_be_focused()


def test_a_clerk_of_another_center_finds_nothing_and_a_shown_code_opens_no_record(
    client: FlaskClient, resident: Account, other_center_desk: Account, console: BrowserConsole
) -> None:
    page = console.log_in(other_center_desk)

    page.get_by_test_id("search").fill("5678")
    page.get_by_test_id("search").press("Enter")
    expect(page.get_by_test_id("result")).to_contain_text("找到 0 位居民")
    page.get_by_test_id("scan").focus()
    scan_like_a_scanner(page, member_code(client, resident))

    # Their code lets this desk serve them (as the API's desk does), no more: a masked name,
    # no phone, no points history, no record to open.
    expect(page.get_by_test_id("resident-name")).to_have_text("王*英")
    expect(page.get_by_test_id("visitor")).to_be_visible()
    expect(page.get_by_test_id("ledger")).to_have_count(0)
    body = page.locator("body").inner_text()
    assert "王秀英" not in body and "13912345678" not in body and "测试积分" not in body
    console.screenshot("visitor")


def test_a_scan_typed_while_an_input_method_composes_is_not_swallowed(
    client: FlaskClient, desk: Account, resident: Account, console: BrowserConsole
) -> None:
    page = console.log_in(desk)
    code = member_code(client, resident)
    # A Chinese input method left on turns the scanner's keystrokes into a composition, in
    # full-width forms, and its Enter only commits it (keyCode 229, isComposing).
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)
    box = page.get_by_test_id("scan")
    expect(box).to_be_focused()

    box.dispatch_event("compositionstart", {"data": ""})
    page.keyboard.insert_text(full_width)
    box.dispatch_event("keydown", {"key": "Enter", "keyCode": 229, "isComposing": True})
    expect(page.get_by_test_id("result")).to_have_count(0)
    box.dispatch_event("compositionend", {"data": full_width})

    expect(page.get_by_test_id("resident-name")).to_have_text("王秀英")


def test_door_mode_checks_in_everyone_scanned_at_the_lecture_hall(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    resident: Account,
    console: BrowserConsole,
) -> None:
    event_id = all_day_event(app, make, desk.center_id, title="高血压防治讲座")
    neighbour = make.resident(desk.center_id, name="李建国")
    page = console.page
    page.set_viewport_size(TABLET)
    console.log_in(desk)

    scan_like_a_scanner(page, qr(client, desk, event_id, mode="static")["url"])
    expect(page.get_by_test_id("door")).to_contain_text("高血压防治讲座")
    console.screenshot("door-tablet")
    scan_like_a_scanner(page, member_code(client, resident))
    expect(page.get_by_test_id("result")).to_contain_text("签到成功")
    expect(page.get_by_test_id(f"checked-in-{event_id}")).to_be_visible()
    scan_like_a_scanner(page, member_code(client, neighbour))
    expect(page.get_by_test_id("resident-name")).to_have_text("李建国")
    console.screenshot("door-checked-in-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})
    console.screenshot("door-checked-in")

    page.get_by_test_id("leave-door").click()
    expect(page.get_by_test_id("door")).to_have_count(0)
    with app.app_context():
        checked = db.session.scalar(
            select(func.count()).select_from(Checkin).where(Checkin.event_id == event_id)
        )
    assert checked == 2


def test_a_district_manager_says_which_centers_desk_it_is(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    resident: Account,
    district_manager: Account,
    console: BrowserConsole,
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    page = console.log_in(district_manager)
    page.get_by_role("link", name="前台").click()  # managers land on the dashboard
    scan_like_a_scanner(page, member_code(client, resident))
    expect(page.get_by_test_id("ledger")).to_be_visible()
    expect(page.get_by_test_id(f"checkin-{event_id}")).to_have_count(0)

    page.get_by_test_id("desk-center").select_option(str(desk.center_id))
    page.get_by_role("button", name="使用此中心").click()
    scan_like_a_scanner(page, member_code(client, resident))
    page.get_by_test_id(f"checkin-{event_id}").click()

    expect(page.get_by_test_id("result")).to_contain_text("签到成功")
    expect(page.get_by_test_id(f"checked-in-{event_id}")).to_be_visible()
    console.screenshot("district")

    with app.app_context():
        checkin_id = db.session.scalar(select(Checkin.id))
    page.get_by_test_id(f"annul-{checkin_id}").click()
    page.get_by_test_id(f"annul-{checkin_id}-reason").click()
    page.keyboard.type("代签错了人", delay=5)  # the scan box does not take the focus back
    console.screenshot("annul-reason")
    page.get_by_test_id(f"annul-{checkin_id}-submit").click()

    expect(page.get_by_test_id("result")).to_contain_text("签到已作废")
    expect(page.get_by_test_id("balance")).to_have_text("100")
    expect(page.get_by_test_id("scan")).to_be_focused()
    with app.app_context():
        assert db.session.scalar(select(Checkin.annul_reason)) == "代签错了人"


def test_without_a_camera_the_camera_button_stays_hidden(
    desk: Account, console: BrowserConsole
) -> None:
    page = console.page
    page.add_init_script(
        "Object.defineProperty(navigator, 'mediaDevices', {value: undefined, configurable: true})"
    )
    console.log_in(desk)

    expect(page.get_by_test_id("scan")).to_be_focused()
    expect(page.get_by_test_id("camera")).to_be_hidden()


def write_y4m(path: Path, text: str) -> None:
    """A one-frame YUV4MPEG2 video of ``text`` as a QR code, for Chromium's fake camera."""
    import qrcode

    image = qrcode.make(text, border=4, box_size=8).convert("L").resize((480, 480))
    width = height = 480
    luma = image.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(b"FRAME\n" + luma + chroma + chroma)


def test_a_tablet_scans_with_its_camera(
    browser_type: BrowserType,
    client: FlaskClient,
    desk: Account,
    resident: Account,
    tmp_path: Path,
    console: BrowserConsole,
) -> None:
    video = tmp_path / "member-code.y4m"
    write_y4m(video, member_code(client, resident))
    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        page = console.log_in(desk, page=browser.new_page(locale="zh-CN", viewport=TABLET))
        camera = page.get_by_test_id("camera")
        expect(camera).to_be_visible()

        camera.click()

        expect(page.get_by_test_id("resident-name")).to_have_text("王秀英", timeout=15_000)
        expect(page.locator("dialog#camera")).not_to_have_attribute("open", "")
        console.screenshot("camera-tablet", page=page)
    finally:
        browser.close()
