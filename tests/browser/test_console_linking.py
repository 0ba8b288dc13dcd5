"""One person, two records, in a real browser: the clerk shows a desk-registered resident a link
code whose QR the mini-program reads off the screen, and a manager merges two records found by
their shared phone number, seeing what the merge did."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory
from tests.merging.test_link import NUMBER, register, scan
from tests.qr import read_qr

#: CSS pixels per millimetre (96 per inch).
PX_PER_MM = 96 / 25.4


def test_a_clerk_shows_a_desk_resident_a_link_code_and_their_wechat_scans_it(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    registered = register(client, desk)
    # The same person opened the mini-program and had WeChat verify the number.
    wechat = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    page = console.log_in(desk)

    page.get_by_test_id("search").fill("1234")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id(f"found-{registered}").click()
    expect(page.get_by_test_id("resident-name")).to_have_text("黄秀英")
    expect(page.get_by_test_id("link-suggestion")).to_contain_text("微信用户 黄*英 已验证此手机号")
    console.screenshot("card")

    page.get_by_test_id("link-code").click()
    slip = page.get_by_test_id("link-slip")
    expect(slip).to_contain_text("绑定黄秀英的微信")
    expect(page.get_by_test_id("link-expires")).to_contain_text("有效至")
    expect(page.get_by_test_id("resident-name")).to_have_text("黄秀英")  # the card stays
    console.screenshot("link-code")
    qr = page.get_by_test_id("link-qr")
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 60 * PX_PER_MM  # held up to a phone's camera
    scanned = read_qr(qr.screenshot())
    assert scanned == page.get_by_test_id("link-code-text").inner_text().replace("-", "")

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_test_id("print-link-code").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    console.screenshot("link-code-print")
    expect(page.get_by_test_id("card")).to_be_hidden()
    expect(page.get_by_test_id("scan")).to_be_hidden()
    expect(qr).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # the slip alone, on one A6 page
    page.emulate_media(media="screen")

    linked = scan(client, wechat, scanned)
    assert linked.status_code == 200, linked.json
    page.get_by_test_id("search").fill("1234")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id(f"found-{registered}").click()
    expect(page.get_by_test_id("card")).to_have_attribute("data-resident", str(registered))
    expect(page.get_by_test_id("link-code")).to_have_count(0)  # WeChat now: nothing to link
    console.screenshot("linked")


def test_a_manager_merges_two_records_of_one_person(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    manager = make.staff("manager", center_id=desk.center_id)
    kept = register(client, desk)
    other = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    make.credit(kept, 30)
    make.credit(other.id, 45)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, kept)
    make.checkin(lecture, other.id)
    page = console.log_in(manager)

    page.get_by_role("link", name="合并记录").click()
    expect(page.get_by_test_id("duplicate-group")).to_contain_text("138****1234")
    console.screenshot("duplicates")
    page.get_by_test_id(f"compare-{kept}-{other.id}").click()
    expect(page.get_by_test_id(f"balance-{kept}")).to_have_text("40")
    expect(page.get_by_test_id(f"balance-{other.id}")).to_have_text("55")
    expect(page.get_by_test_id(f"wechat-{other.id}")).to_have_text("使用小程序")
    expect(page.get_by_test_id(f"stays-{kept}")).to_be_checked()
    expect(page.get_by_test_id("shared-events")).to_be_visible()
    console.screenshot("compare")

    page.get_by_test_id("merge-reason").fill("同一人：窗口登记后又用微信注册，已电话核实")
    page.get_by_test_id("merge-preview").click()
    expect(page.get_by_test_id("preview-points")).to_have_text("55")
    expect(page.get_by_test_id("preview-shared")).to_have_text("1")
    console.screenshot("preview")
    page.get_by_test_id("confirm").click()

    result = page.get_by_test_id("result")
    expect(result).to_contain_text("已合并到 黄秀英")
    expect(page.get_by_test_id("points-moved")).to_have_text("55")
    expect(page.get_by_test_id("duplicate-checkins")).to_have_text("1")
    expect(page.get_by_test_id("balance-now")).to_have_text("85")  # 40 + 55, less 10 earned twice
    expect(page.get_by_test_id("pair")).to_have_count(0)
    console.screenshot("merged")

    page.goto(console.url(f"/console/merges/compare?a={kept}&b={other.id}"))
    expect(page.get_by_test_id("result")).to_contain_text("未找到该居民")
    console.screenshot("merged-record-gone")


def test_a_refused_merge_says_why_in_the_result(
    make: Factory, desk: Account, console: BrowserConsole
) -> None:
    manager = make.staff("manager", center_id=desk.center_id)
    first = make.resident(desk.center_id, name="黄秀英")
    second = make.resident(desk.center_id, name="黄秀英")
    page = console.log_in(manager)

    console.open(f"/console/merges/compare?a={first.id}&b={second.id}")
    page.get_by_test_id("merge-reason").fill("同名同姓，疑似同一人")
    page.get_by_test_id("merge-preview").click()

    refused = page.get_by_test_id("result")
    expect(refused).to_have_attribute("data-code", "resident_has_wechat")
    expect(refused).to_contain_text("两条记录都已绑定微信登录，不能合并为同一位居民。")
    expect(page.get_by_test_id("confirm")).to_have_count(0)
    console.screenshot("refused")


def test_a_manager_finds_two_records_by_search_to_compare(
    client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    manager = make.staff("manager", center_id=desk.center_id)
    first = register(client, desk, name="黄秀英", phone="13812341234")
    second = make.resident(desk.center_id, name="黄秀珍", phone="13999998888")
    page = console.log_in(manager)

    console.open("/console/merges")
    page.get_by_test_id("merge-search").fill("黄秀英")
    page.get_by_test_id("merge-search").press("Enter")
    page.get_by_test_id(f"choose-{first}").click()
    expect(page.get_by_test_id("first-record")).to_contain_text("黄秀英")
    page.get_by_test_id("merge-search").fill("8888")
    page.get_by_test_id("merge-search").press("Enter")
    console.screenshot("search")
    page.get_by_test_id(f"compare-with-{second.id}").click()

    expect(page.get_by_test_id(f"name-{first}")).to_have_text("黄秀英")
    expect(page.get_by_test_id(f"name-{second.id}")).to_have_text("黄秀珍")
    console.screenshot("compare")


def test_the_residents_page_prints_a_link_code(
    client: FlaskClient, desk: Account, console: BrowserConsole
) -> None:
    registered = register(client, desk)
    page = console.log_in(desk)

    console.open(f"/console/residents/{registered}")
    console.screenshot("resident")
    page.get_by_test_id("link-code").click()

    expect(page.get_by_test_id("link-slip")).to_contain_text("绑定黄秀英的微信")
    scanned = read_qr(page.get_by_test_id("link-qr").screenshot())
    assert scanned == page.get_by_test_id("link-code-text").inner_text().replace("-", "")
    console.screenshot("page")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print-link-code")).to_be_hidden()
    console.screenshot("print")
