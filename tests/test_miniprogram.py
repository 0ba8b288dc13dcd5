"""The residents' mini-program, played screen by screen with only what WeChat lets it send.

WeChat itself is played by pytest-httpserver (login, the access token, the phone number);
the mini-program by :class:`tests.miniprogram.MiniProgram`: GET, POST, PUT and DELETE, a JSON
body, images fetched with no headers, and a scanned link handed over as ``options.q``.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from pytest_httpserver import HTTPServer

from tests.catalog.test_images import picture
from tests.conftest import Build
from tests.factories import Account, Factory
from tests.miniprogram import MiniProgram

PUBLIC = "https://jkjf.example.cn"
POLICY = "2026-12"
NUMBER = "13812345678"


@pytest.fixture
def wechat(httpserver: HTTPServer) -> HTTPServer:
    """WeChat's server: one resident's login, an access token, and their phone number."""
    httpserver.expect_request(
        "/sns/jscode2session",
        query_string={
            "appid": "wx-test-app",
            "secret": "test-secret",
            "js_code": "wx-login-code",
            "grant_type": "authorization_code",
        },
    ).respond_with_json({"openid": "o-huang-xiuying", "session_key": "k"})
    httpserver.expect_request("/cgi-bin/stable_token", "POST").respond_with_json(
        {"access_token": "wechat-access-token", "expires_in": 7200}
    )
    httpserver.expect_request(
        "/wxa/business/getuserphonenumber",
        "POST",
        query_string={"access_token": "wechat-access-token"},
        json={"code": "phone-button-code"},
    ).respond_with_json(
        {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": f"+86{NUMBER}",
                "purePhoneNumber": NUMBER,
                "countryCode": "86",
            },
        }
    )
    return httpserver


@pytest.fixture
def served(build: Build, wechat: HTTPServer, tmp_path: Any) -> Flask:
    """The app as deployed for WeChat: an https origin, a real appid, an old domain kept."""
    return build(
        PUBLIC_BASE_URL=PUBLIC,
        CHECKIN_LINK_PREFIXES=("https://old.example.cn",),
        WECHAT_QR_VERIFY_FILE="MP_verify_a1b2c3.txt:a1b2c3d4e5",
        WECHAT_APPID="wx-test-app",
        WECHAT_SECRET="test-secret",
        WECHAT_API_BASE=wechat.url_for("").rstrip("/"),
        MEDIA_DIR=str(tmp_path),
        PRIVACY_POLICY_VERSION=POLICY,
    )


def call(served: Flask, account: Account, method: str, path: str, **body: Any) -> Any:
    """What the staff console does while the resident uses their phone."""
    response = served.test_client().open(path, method=method, json=body, headers=account.headers)
    assert response.status_code < 300, response.get_json()
    return response.get_json()


def test_a_resident_walks_every_screen(served: Flask, make: Factory) -> None:
    # The center runs a lecture now, keeps a gift with a picture, and has a neighbour with a
    # follow-up made for them alone.
    center_id = make.center("越秀区东山街社区卫生服务中心")
    desk = make.staff("staff", center_id=center_id)
    manager = make.staff("manager", center_id=center_id)
    neighbour = make.resident(center_id, name="李建国")
    lecture_id = make.event(center_id, title="控制血压，从吃盐做起")
    call(
        served,
        desk,
        "POST",
        "/api/v1/events",
        title="李建国的高血压随访",
        kind="followup",
        resident_id=neighbour.id,
        starts_at=(datetime.now(UTC) + timedelta(days=2)).isoformat(),
        ends_at=(datetime.now(UTC) + timedelta(days=2, hours=1)).isoformat(),
    )
    item = call(served, manager, "POST", "/api/v1/catalog/items", name="腰围尺", points_cost=10)
    uploaded = served.test_client().post(
        f"/api/v1/catalog/items/{item['id']}/image",
        headers=manager.headers,
        data={"image": (io.BytesIO(picture()), "tape.png")},
    )
    assert uploaded.status_code == 200
    call(
        served,
        manager,
        "POST",
        f"/api/v1/catalog/items/{item['id']}/stock",
        center_id=center_id,
        delta=5,
        reason="received",
    )
    projector = call(served, desk, "GET", f"/api/v1/events/{lecture_id}/qr?mode=static")
    tomorrow_id = make.event(center_id, title="糖尿病饮食讲座", starts_in=timedelta(days=1))
    poster = call(served, desk, "GET", f"/api/v1/events/{tomorrow_id}/qr?mode=static")
    wx = MiniProgram(served.test_client(), PUBLIC)

    # Registering the scanned-link rule: WeChat fetches its file under the links' prefix.
    verify_file = served.test_client().get("/q/MP_verify_a1b2c3.txt")
    assert (verify_file.status_code, verify_file.data) == (200, b"a1b2c3d4e5")

    # Login, having shown the privacy policy.
    login = wx.login("wx-login-code", privacy_version=POLICY)
    assert login.status == 200
    assert login.data["privacy"]["needs_acceptance"] is False

    # Profile: a name, and the phone number from WeChat's button.
    assert wx.request("PUT", "/api/v1/me", {"name": "黄秀英"}).status == 200
    phone = wx.request("POST", "/api/v1/me/phone", {"code": "phone-button-code"})
    assert (phone.status, phone.data["phone_verified"]) == (200, True)

    # Home: no points yet, no home center yet; the lecture is listed, nobody else's follow-up.
    home = wx.request("GET", "/api/v1/me")
    assert (home.data["name"], home.data["phone_masked"]) == ("黄秀英", "138****5678")
    assert (home.data["spendable"], home.data["center"]) == (0, None)
    events = wx.request("GET", "/api/v1/events").data["items"]
    assert [e["title"] for e in events] == ["控制血压，从吃盐做起", "糖尿病饮食讲座"]
    assert events[0]["center"] == {"id": center_id, "name": "越秀区东山街社区卫生服务中心"}
    assert (events[0]["earns_points"], events[0]["checked_in"]) == (10, False)

    # Scan: the projector's code, as a phone hands it over (upper-case host, trailing slash).
    link = projector["url"].replace(PUBLIC, PUBLIC.upper()) + "/"
    scanned = wx.scan(link, scancode_time=1764633600000)
    assert scanned.status == 201, scanned.data
    assert scanned.data["points_awarded"] == 10
    assert scanned.data["event"]["title"] == "控制血压，从吃盐做起"
    assert scanned.data["event"]["center"]["name"] == "越秀区东山街社区卫生服务中心"
    again = wx.scan(projector["url"].replace(PUBLIC, "https://old.example.cn"))
    assert (again.status, again.data["already_checked_in"]) == (200, True)
    assert wx.request("GET", "/api/v1/me").data["center"]["id"] == center_id
    early = wx.scan(poster["url"])
    assert (early.status, early.data["code"]) == (409, "checkin_not_open")
    assert early.data["event"]["title"] == "糖尿病饮食讲座"
    assert wx.request("GET", "/api/v1/events").data["items"][0]["checked_in"] is True

    # History: the entry names the lecture.
    ledger = wx.request("GET", "/api/v1/me/ledger").data["items"]
    assert [(e["delta"], e["source"]["title"]) for e in ledger] == [(10, "控制血压，从吃盐做起")]

    # Shop: the gift's picture, a reservation and its pickup code as a picture.
    gifts = wx.request("GET", "/api/v1/catalog/items").data["items"]
    assert [g["name"] for g in gifts] == ["腰围尺"]
    assert wx.image(gifts[0]["image_url"])[0] == 200
    reserved = wx.request(
        "POST", "/api/v1/redemptions/reservations", {"item_id": item["id"], "center_id": center_id}
    )
    assert reserved.status == 201, reserved.data
    assert_qr_picture(wx, reserved.data["pickup_qr_url"])
    mine = wx.request("GET", "/api/v1/redemptions").data["items"]
    assert [(r["item"]["name"], r["center"]["id"], r["status"]) for r in mine] == [
        ("腰围尺", center_id, "reserved")
    ]
    assert mine[0]["item"]["image_url"].startswith(PUBLIC + "/")

    # Member code, as a picture the desk scans.
    member_code = wx.request("GET", "/api/v1/me/member-code")
    assert_qr_picture(wx, member_code.data["image_url"])

    # Follow-ups: with consent, the desk schedules one; the resident sees when and where.
    consent = {"purpose": "health_conditions", "version": "2026-01"}
    assert wx.request("POST", "/api/v1/me/consents", consent).status == 201
    due_on = (date.today() + timedelta(days=30)).isoformat()
    call(
        served,
        desk,
        "POST",
        "/api/v1/followups",
        resident_id=wx_resident_id(wx),
        condition="hypertension",
        due_on=due_on,
    )
    followups = wx.request("GET", "/api/v1/me/followups")
    assert [(f["due_on"], f["status"], f["center"]["id"]) for f in followups.data["items"]] == [
        (due_on, "open", center_id)
    ]
    assert "hypertension" not in json.dumps(followups.data)

    # The app wakes up later: a new access token from the refresh token.
    assert wx.refresh().status == 200

    # Privacy: a copy of one's data, then closing the account.
    copy = wx.request("GET", "/api/v1/me/export")
    assert copy.status == 200
    assert (copy.data["profile"]["name"], copy.data["profile"]["phone"]) == ("黄秀英", NUMBER)
    assert [c["event"]["title"] for c in copy.data["checkins"]] == ["控制血压，从吃盐做起"]
    closed = wx.request("DELETE", "/api/v1/me")
    assert closed.status == 204
    gone = wx.request("GET", "/api/v1/me")
    assert (gone.status, gone.data["code"]) == (401, "token_revoked")
    assert wx.refresh().status == 401
    assert_documented(served, wx.calls)


def assert_documented(app: Flask, calls: list[tuple[str, str]]) -> None:
    """Every API call the screens made is in the OpenAPI document, with the method they used
    (pictures under /media are files, not operations)."""
    spec = app.test_client().get("/api/openapi.json").json
    routes = app.url_map.bind("jkjf.example.cn")
    for method, path in calls:
        if not path.startswith("/api/"):
            continue
        rule, _ = routes.match(path, method=method, return_rule=True)
        documented = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        assert method.lower() in spec["paths"][documented], (method, documented)


def wx_resident_id(wx: MiniProgram) -> int:
    return int(wx.request("GET", "/api/v1/me").data["id"])


def assert_qr_picture(wx: MiniProgram, url: str) -> None:
    status, content_type, body = wx.image(url)
    assert (status, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(body)).size[0] > 50
