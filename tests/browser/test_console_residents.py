"""The residents area in a real browser: a clerk registers a resident without a smartphone,
prints their member card on A6, and the printed QR works at the desk."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory
from tests.qr import read_qr

#: CSS pixels per millimetre (96 per inch).
PX_PER_MM = 96 / 25.4
#: A6 in PDF points (72 per inch): 105 x 148 mm.
A6_POINTS = (105 * 72 / 25.4, 148 * 72 / 25.4)


def test_a_clerk_registers_a_resident_prints_their_card_and_the_card_checks_them_in(
    app: Flask, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    event_id = make.event(desk.center_id)
    page = console.log_in(desk)

    page.get_by_role("link", name="居民").click()
    expect(page.locator("h1")).to_have_text("居民")
    console.screenshot("residents")
    page.get_by_test_id("register").click()
    page.get_by_test_id("name").fill("黄秀英")
    page.get_by_test_id("phone").fill("13812341234")
    console.screenshot("register")
    page.get_by_test_id("save").click()

    page.wait_for_url(re.compile(r"/console/residents/\d+$"))
    resident_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("resident-name")).to_have_text("黄秀英")
    expect(page.get_by_test_id("phone")).to_have_text("138****1234")
    expect(page.get_by_test_id("member-card-status")).to_contain_text("尚未办理会员卡")
    console.screenshot("resident")

    page.get_by_test_id("print-card").click()
    card = page.get_by_test_id("member-card")
    expect(card).to_contain_text("黄秀英")
    expect(card).to_contain_text("138****1234")
    expect(card).to_contain_text("健康积分会员卡")
    console.screenshot("card")
    code = page.get_by_test_id("card-code").inner_text().replace("-", "")

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_test_id("print").click()
    assert page.evaluate("window.printed") == 1

    qr = page.get_by_test_id("card-qr")
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 30 * PX_PER_MM  # at least 3 cm a side
    scanned = read_qr(qr.screenshot())
    assert scanned == code

    page.emulate_media(media="print")
    console.screenshot("card-print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # the card fits its one page
    media_box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert media_box is not None
    width, height = (float(side) for side in media_box.groups())
    assert abs(width - A6_POINTS[0]) < 2 and abs(height - A6_POINTS[1]) < 2
    page.emulate_media(media="screen")

    checked_in = app.test_client().post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"member_code": scanned},
    )
    assert checked_in.status_code == 201, checked_in.json

    console.open("/console/desk")
    page.get_by_test_id("scan").press_sequentially(code, delay=5)  # as a USB scanner types
    page.get_by_test_id("scan").press("Enter")
    expect(page.get_by_test_id("resident-name")).to_contain_text("黄秀英")
    console.screenshot("desk-scanned-card")

    console.open(f"/console/residents/{resident_id}")
    expect(page.get_by_test_id("member-card-status")).to_contain_text(code[-4:])
    console.screenshot("resident-with-card")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("resident-tablet")


def test_a_lost_card_is_re_issued_and_the_old_one_no_longer_works(
    app: Flask, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    resident = make.resident(desk.center_id, name="李建国")
    console.log_in(desk)
    page = console.open(f"/console/residents/{resident.id}")
    page.get_by_test_id("print-card").click()
    old = page.get_by_test_id("card-code").inner_text().replace("-", "")
    page.get_by_role("link", name="返回居民页面").click()

    page.get_by_test_id("reissue-card").click()
    new = page.get_by_test_id("card-code").inner_text().replace("-", "")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("reissued-card-tablet")

    api = app.test_client()
    url = f"/api/v1/events/{make.event(desk.center_id)}/checkins"
    refused = api.post(url, headers=desk.headers, json={"member_code": old})
    accepted = api.post(url, headers=desk.headers, json={"member_code": new})
    assert (refused.status_code, refused.json["code"]) == (410, "card_revoked")
    assert accepted.status_code == 201

    console.open(f"/console/residents/{resident.id}")
    page.get_by_test_id("revoke-reason").fill("居民报失")
    page.get_by_test_id("revoke-card").click()
    expect(page.get_by_test_id("member-card-status")).to_contain_text("已作废")
    expect(page.get_by_test_id("member-card-status")).to_contain_text("居民报失")
    console.screenshot("revoked")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="居民").click()
    expect(page.get_by_test_id("residents")).to_contain_text("李建国")
    console.screenshot("residents")
