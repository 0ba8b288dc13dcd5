"""Gifts and stock in a real browser: low stock marked in the list, a stock-take that changes
the stock shown, and a manager adding a gift with its picture."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.catalog.test_images import picture
from tests.catalog.test_redemption import gift, stock_at
from tests.factories import Account, Factory


def count(client: FlaskClient, staff: Account, item_id: int, counted: int, low_at: int) -> None:
    """What a stock-take through the API's own stock move would leave: ``counted`` on the
    shelf, marked low at ``low_at``."""
    have = stock_at(client, staff, item_id, staff.center_id)  # type: ignore[arg-type]
    response = client.post(
        f"/api/v1/catalog/items/{item_id}/stock",
        headers=staff.headers,
        json={
            "center_id": staff.center_id,
            "delta": counted - have,
            "reason": "stock_take",
            "low_threshold": low_at,
        },
    )
    assert response.status_code == 200, response.json


def test_a_clerk_sees_low_stock_and_a_stock_take_changes_the_stock_shown(
    client: FlaskClient, make: Factory, desk: Account, manager: Account, console: BrowserConsole
) -> None:
    tape = gift(client, manager, 25, cost=30, name="腰围尺")
    spoon = gift(
        client, manager, 10, cost=20, name="控盐勺", limit_quantity=2, limit_period="month"
    )
    gift(client, manager, 0, cost=300, name="电子体重秤")
    count(client, desk, spoon, 3, low_at=5)
    count(client, desk, tape, 20, low_at=5)

    console.log_in(desk)
    page = console.open("/console/catalog")

    expect(page.get_by_test_id(f"gift-{spoon}")).to_have_class("low")
    expect(page.get_by_test_id(f"low-{spoon}")).to_have_text("库存不足")
    expect(page.get_by_test_id(f"gift-{tape}")).to_have_attribute("data-low", "false")
    expect(page.get_by_test_id("new-gift")).to_have_count(0)  # the desk does not keep the catalog
    console.screenshot("gifts")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("gifts-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_test_id(f"open-gift-{tape}").click()
    expect(page.get_by_test_id("stock-available")).to_have_text("20")
    page.get_by_test_id("counted").fill("4")
    page.get_by_test_id("stock-take-note").fill("受潮报废十六个")
    page.get_by_test_id("save-stock-take").click()

    expect(page.get_by_test_id("result")).to_contain_text("库存已登记：盘点调整")
    expect(page.get_by_test_id("stock-available")).to_have_text("4")
    expect(page.get_by_test_id("stock-low")).to_have_text("库存不足")
    expect(page.get_by_test_id("movements")).to_contain_text("受潮报废十六个")
    assert stock_at(client, desk, tape, desk.center_id) == 4  # type: ignore[arg-type]
    console.screenshot("stock-take")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("stock-take-tablet")


def test_a_refused_count_is_told_in_chinese_in_the_form(
    client: FlaskClient, desk: Account, manager: Account, console: BrowserConsole
) -> None:
    tape = gift(client, manager, 10, name="腰围尺")

    console.log_in(desk)
    page = console.open(f"/console/catalog/items/{tape}")
    page.get_by_test_id("counted").fill("9")
    page.get_by_test_id("save-stock-take").click()

    result = page.locator("#stock-take-result [data-testid=result]")
    expect(result).to_have_attribute("data-code", "validation_error")
    expect(result).to_contain_text("请说明差异原因")
    expect(page.get_by_test_id("stock-available")).to_have_text("10")
    console.screenshot("refused")


def test_a_manager_adds_a_gift_with_its_picture_and_receives_stock(
    app: Flask, client: FlaskClient, manager: Account, tmp_path: Path, console: BrowserConsole
) -> None:
    app.config["MEDIA_DIR"] = str(tmp_path)
    upload = tmp_path / "scale.png"
    upload.write_bytes(picture(size=(600, 600)))

    console.log_in(manager)
    page = console.open("/console/catalog")
    page.get_by_test_id("new-gift").click()
    page.get_by_test_id("gift-name").fill("电子体重秤")
    page.get_by_test_id("gift-points").fill("300")
    console.screenshot("new-gift")
    page.get_by_test_id("save-gift").click()

    expect(page.get_by_test_id("result")).to_contain_text("礼品已添加")
    page.get_by_test_id("picture-file").set_input_files(str(upload))
    page.get_by_test_id("save-picture").click()
    expect(page.get_by_test_id("gift-picture")).to_be_visible()
    page.get_by_test_id("quantity").fill("6")
    page.get_by_test_id("delivery-note").fill("送货单 0042")
    page.get_by_test_id("save-delivery").click()

    expect(page.get_by_test_id("stock-available")).to_have_text("6")
    expect(page.get_by_test_id("movements")).to_contain_text("送货单 0042")
    listed = client.get("/api/v1/catalog/items", headers=manager.headers).json["items"]
    assert [(i["name"], i["stock"], i["image_url"] is not None) for i in listed] == [
        ("电子体重秤", 6, True)
    ]
    console.screenshot("gift")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("gift-tablet")
