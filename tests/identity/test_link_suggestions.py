"""When a WeChat resident has WeChat verify the number a desk record was registered with, staff
opening either record see the other as perhaps the same person; nothing is linked by itself.

WeChat is played by pytest-httpserver on loopback (tests/me/test_phone.py), so the number is
verified the way production verifies it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from tests.factories import Account, Factory
from tests.me.test_phone import PHONE_PATH, give_phone, phone_info, token_request

NUMBER = "13812341234"


def opened(client: FlaskClient, desk: Account, resident_id: int) -> Any:
    response = client.get(f"/api/v1/residents/{resident_id}", headers=desk.headers)
    assert response.status_code == 200
    return response.json


def test_a_number_wechat_verified_suggests_the_link_to_staff(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory, desk: Account
) -> None:
    client = wechat_app.test_client()
    registered = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "黄秀英", "phone": NUMBER}
    ).json
    wechat = make.resident(desk.center_id, name="黄秀英", phone="13900000000")
    before = opened(client, desk, registered["id"])["link_suggestions"]
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    httpserver.expect_request(
        PHONE_PATH, query_string={"access_token": "ACCESS-1"}, json={"code": "phone-code-1"}
    ).respond_with_json(phone_info(NUMBER))

    verified = give_phone(wechat_app, wechat, "phone-code-1")

    assert verified.status_code == 200
    desk_record = opened(client, desk, registered["id"])
    assert before == []
    suggested = desk_record["link_suggestions"]
    assert [(s["id"], s["name_masked"], s["has_wechat"]) for s in suggested] == [
        (wechat.id, "黄*英", True)
    ]
    assert desk_record["has_wechat"] is False  # suggested, never linked
    assert [s["id"] for s in opened(client, desk, wechat.id)["link_suggestions"]] == [
        registered["id"]
    ]


def test_numbers_typed_at_the_desk_suggest_nothing(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    first, second = (
        client.post(
            "/api/v1/residents", headers=desk.headers, json={"name": "黄秀英", "phone": NUMBER}
        ).json["id"]
        for _ in range(2)
    )

    assert opened(client, desk, first)["link_suggestions"] == []
    assert opened(client, desk, second)["link_suggestions"] == []


def test_staff_are_shown_their_own_centers_records_only(
    client: FlaskClient,
    make: Factory,
    desk: Account,
    other_center_desk: Account,
    district_manager: Account,
) -> None:
    registered = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "黄秀英", "phone": NUMBER}
    ).json["id"]
    elsewhere = make.resident(other_center_desk.center_id, name="黄秀英", phone=NUMBER)

    assert opened(client, desk, registered)["link_suggestions"] == []
    assert opened(client, other_center_desk, elsewhere.id)["link_suggestions"] == []
    assert [s["id"] for s in opened(client, district_manager, registered)["link_suggestions"]] == [
        elsewhere.id
    ]
