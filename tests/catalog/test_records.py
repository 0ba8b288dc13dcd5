"""Redemption records, their CSV export and the desk's preview, as staff read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity.models import Staff
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory
from tests.spreadsheets import FORMULAS, csv_rows, renamed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def named(app: Flask, staff: Account, display_name: str) -> Account:
    with app.app_context():
        db.session.get(Staff, staff.id).display_name = display_name  # type: ignore[union-attr]
        db.session.commit()
    return staff


def test_the_redemptions_csv_exports_no_formula_and_masks_phones(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    named(app, desk, "王护士")
    item_id = gift(client, manager, stock=10, cost=10, name="@SUM(1+9)*cmd|' /C calc'!A0")
    for number, name in enumerate(FORMULAS):
        resident = make.resident(desk.center_id, phone=f"1380000{number:04d}")
        renamed(client, resident, name)
        make.credit(resident.id, 10)
        assert redeem(client, desk, resident.id, item_id).status_code == 201
    listed = client.get("/api/v1/redemptions", headers=desk.headers).json["items"]

    rows = csv_rows(client.get("/api/v1/redemptions?format=csv", headers=desk.headers))

    header, *lines = rows
    assert header == [
        "兑换编号",
        "时间",
        "居民编号",
        "姓名",
        "电话",
        "礼品",
        "数量",
        "积分",
        "状态",
        "经办人",
    ]
    assert [line[3] for line in lines] == ["'" + name for name in FORMULAS]
    assert [line[4] for line in lines] == [f"138****{n:04d}" for n in range(len(FORMULAS))]
    assert {line[5] for line in lines} == {"'@SUM(1+9)*cmd|' /C calc'!A0"}
    assert {line[9] for line in lines} == {"王护士"}
    newest = datetime.fromisoformat(listed[0]["created_at"]).astimezone(SHANGHAI)
    assert lines[-1][1] == newest.strftime("%Y-%m-%d %H:%M:%S")


def test_the_redemption_list_says_who_handed_over_which_gift(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    named(app, desk, "王护士")
    item_id = gift(client, manager, stock=5, cost=10, name="腰围尺")
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)
    redeem(client, desk, resident.id, item_id)
    reserved = client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": desk.center_id},
    )
    assert reserved.status_code == 201, reserved.json

    listed = client.get("/api/v1/redemptions", headers=desk.headers).json["items"]

    assert [(r["status"], r["item_name"], r["staff_name"]) for r in listed] == [
        ("reserved", "腰围尺", None),
        ("fulfilled", "腰围尺", "王护士"),
    ]
    assert all("pickup_code_hash" not in r for r in listed)


def preview(client: FlaskClient, desk: Account, resident_id: int, item_id: int) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/redemptions/preview",
        headers=desk.headers,
        json={"resident_id": resident_id, "item_id": item_id},
    )
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def test_a_preview_names_the_resident_masked_and_the_gift(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5, cost=30, name="腰围尺")
    resident = make.resident(desk.center_id, name="黄秀英", phone="13812341234")
    make.credit(resident.id, 100)

    quote = preview(client, desk, resident.id, item_id)

    assert quote["resident"] == {
        "id": resident.id,
        "name_masked": "黄*英",
        "phone_masked": "138****1234",
    }
    assert quote["item"] == {"id": item_id, "name": "腰围尺"}
    assert (quote["ok"], quote["balance"], quote["balance_after"], quote["shortfall"]) == (
        True,
        100,
        70,
        0,
    )


def test_a_preview_of_an_unaffordable_gift_shows_the_shortfall_not_a_negative_balance(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    scale = gift(client, manager, stock=5, cost=300, name="体重秤")
    tape = gift(client, manager, stock=5, cost=30, name="腰围尺")
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 80)
    reserved = client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": tape, "center_id": desk.center_id},
    )
    assert reserved.status_code == 201, reserved.json

    quote = preview(client, desk, resident.id, scale)

    assert (quote["ok"], quote["refusal"]) == (False, "insufficient_points")
    assert (quote["balance"], quote["spendable"]) == (80, 50)
    assert (quote["balance_after"], quote["shortfall"]) == (80, 250)


def test_a_pickup_preview_names_the_resident_masked_and_the_gift(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5, cost=30, name="腰围尺")
    resident = make.resident(desk.center_id, name="黄秀英", phone="13812341234")
    make.credit(resident.id, 100)
    reserved = client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": desk.center_id},
    ).json

    checked = client.post(
        "/api/v1/redemptions/pickup/preview",
        headers=desk.headers,
        json={"pickup_code": reserved["pickup_code"]},
    )

    assert checked.status_code == 200, checked.json
    assert (checked.json["id"], checked.json["status"]) == (reserved["id"], "reserved")
    assert checked.json["resident"] == {
        "id": resident.id,
        "name_masked": "黄*英",
        "phone_masked": "138****1234",
    }
    assert checked.json["item"] == {"id": item_id, "name": "腰围尺", "image_url": None}
    assert "pickup_code_hash" not in checked.json
