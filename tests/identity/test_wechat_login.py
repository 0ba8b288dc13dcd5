"""``POST /api/v1/auth/wechat`` against a fake WeChat (code2Session) on loopback.

Nothing is patched: the app makes real HTTP calls to pytest-httpserver, which plays WeChat.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from core.db import db
from identity.models import Resident
from tests.conftest import Build
from tests.wechat import PRODUCTION, wechat_config

PATH = "/sns/jscode2session"
SESSION_KEY = "tiWH6uKSU4mC0KNq0YbzTw=="
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
UNIONID = "o6_bmasdasdsad6_2sgVt7hMZOPfL"
PROBLEM = "application/problem+json"


def query(code: str) -> dict[str, str]:
    """What code2Session must be asked for this ``wx.login`` code."""
    return {
        "appid": "wx-test-app",
        "secret": "test-secret",
        "js_code": code,
        "grant_type": "authorization_code",
    }


def login(app: Flask, code: str = "wx-code-1") -> Any:
    return app.test_client().post("/api/v1/auth/wechat", json={"code": code})


def residents(app: Flask) -> list[tuple[str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(select(Resident.openid, Resident.unionid).order_by(Resident.id))
        return [(openid, unionid) for openid, unionid in rows]


def stored_strings(app: Flask) -> Iterator[tuple[str, str]]:
    """Every text value in every table, as (table, value)."""
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    if isinstance(value, str):
                        yield table.name, value


# -- success ------------------------------------------------------------------------------


def test_a_good_code_logs_the_resident_in(wechat_app: Flask, httpserver: HTTPServer) -> None:
    answer = {"openid": OPENID, "session_key": SESSION_KEY, "unionid": UNIONID}
    expected = httpserver.expect_oneshot_request(PATH, "GET", query_string=query("wx-code-1"))
    expected.respond_with_json(answer)

    response = login(wechat_app, "wx-code-1")

    httpserver.check_assertions()
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["refresh_token"]
    assert isinstance(body["resident"]["id"], int)
    assert residents(wechat_app) == [(OPENID, UNIONID)]


def test_the_session_key_is_neither_returned_nor_stored(
    wechat_app: Flask, httpserver: HTTPServer
) -> None:
    answer = {"openid": OPENID, "session_key": SESSION_KEY, "unionid": UNIONID}
    httpserver.expect_request(PATH, query_string=query("wx-code-1")).respond_with_json(answer)

    response = login(wechat_app, "wx-code-1")

    assert response.status_code == 200
    assert SESSION_KEY not in response.get_data(as_text=True)
    assert SESSION_KEY not in str(response.headers)
    leaks = [table for table, value in stored_strings(wechat_app) if SESSION_KEY in value]
    assert leaks == []
    assert ("residents", OPENID) in list(stored_strings(wechat_app))  # the scan sees the row


def test_the_same_openid_logs_in_as_the_same_resident(
    wechat_app: Flask, httpserver: HTTPServer
) -> None:
    answer = {"openid": OPENID, "session_key": SESSION_KEY, "unionid": UNIONID}
    for code in ("wx-code-1", "wx-code-2"):  # a wx.login code is usable once
        httpserver.expect_oneshot_request(PATH, query_string=query(code)).respond_with_json(answer)

    first = login(wechat_app, "wx-code-1")
    second = login(wechat_app, "wx-code-2")

    httpserver.check_assertions()
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json["resident"]["id"] == second.json["resident"]["id"]
    assert residents(wechat_app) == [(OPENID, UNIONID)]


# -- WeChat refuses or misbehaves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (40029, 401, "wechat_login_failed"),  # invalid code
        (40163, 401, "wechat_login_failed"),  # code already used
        (45011, 429, "rate_limited"),  # 100 logins per user per minute
        (40226, 403, "wechat_login_failed"),  # high-risk user blocked
        (-1, 503, "wechat_login_failed"),  # WeChat busy
        (40125, 503, "wechat_login_failed"),  # our secret is wrong
    ],
)
def test_wechat_errcodes_map_to_the_contract(
    wechat_app: Flask, httpserver: HTTPServer, errcode: int, status: int, code: str
) -> None:
    httpserver.expect_request(PATH).respond_with_json({"errcode": errcode, "errmsg": "refused"})

    response = login(wechat_app)

    assert (response.status_code, response.json["code"]) == (status, code)
    assert response.content_type == PROBLEM
    assert residents(wechat_app) == []


@pytest.mark.parametrize(
    "respond",
    [
        lambda handler: handler.respond_with_data("Internal Server Error", status=500),
        lambda handler: handler.respond_with_json(
            {"openid": OPENID, "session_key": SESSION_KEY}, status=500
        ),
        lambda handler: handler.respond_with_data("<html>upstream</html>", status=200),
    ],
    ids=["http-500", "http-500-with-json", "not-json"],
)
def test_a_broken_answer_from_wechat_is_a_503(
    wechat_app: Flask, httpserver: HTTPServer, respond: Callable[[Any], None]
) -> None:
    respond(httpserver.expect_request(PATH))

    response = login(wechat_app)

    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert residents(wechat_app) == []


def test_unreachable_wechat_is_a_503(build: Build, closed_port: int) -> None:
    unreachable = build(**wechat_config(f"http://127.0.0.1:{closed_port}"))

    response = login(unreachable)

    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert residents(unreachable) == []


def test_wechat_slower_than_the_timeout_is_a_503(build: Build, httpserver: HTTPServer) -> None:
    released = threading.Event()

    def slow(request: Request) -> Response:
        released.wait(timeout=5)  # answers only once the app has given up
        return Response(f'{{"openid": "{OPENID}"}}', content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    impatient = build(**wechat_config(httpserver.url_for(""), timeout=0.2))

    started = time.monotonic()
    response = login(impatient)
    elapsed = time.monotonic() - started

    released.set()
    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert elapsed < 2, "the app waited for WeChat instead of giving up"
    assert residents(impatient) == []
    wait_until(lambda: len(httpserver.log) == 1)  # the late answer is out before the next test


def wait_until(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


# -- dev codes ----------------------------------------------------------------------------------


def test_with_an_appid_a_dev_code_goes_to_wechat(wechat_app: Flask, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH, query_string=query("dev:someone")).respond_with_json(
        {"errcode": 40029, "errmsg": "invalid code"}
    )

    response = login(wechat_app, "dev:someone")

    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    assert (response.status_code, response.json["code"]) == (401, "wechat_login_failed")
    assert residents(wechat_app) == []


def test_without_an_appid_a_dev_code_logs_in(app: Flask, client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/wechat", json={"code": "dev:alice"})

    assert response.status_code == 200
    assert response.json["access_token"]
    assert residents(app) == [("alice", None)]


@pytest.mark.parametrize("code", ["dev:", "dev:a b", "dev:" + "x" * 61, "dev:ali/ce"])
def test_a_malformed_dev_code_is_refused(app: Flask, client: FlaskClient, code: str) -> None:
    response = client.post("/api/v1/auth/wechat", json={"code": code})

    assert (response.status_code, response.json["code"]) == (401, "wechat_login_failed")
    assert residents(app) == []


def test_production_without_an_appid_refuses_dev_codes(build: Build) -> None:
    production = build(**PRODUCTION)

    response = login(production, "dev:alice")

    # Not a bad code from the user: the server has no way to log anyone in.
    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert residents(production) == []


# -- malformed requests ------------------------------------------------------------------------


def test_a_body_without_a_code_is_a_422(app: Flask, client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/wechat", json={})

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert "code" in response.json["errors"]
    assert residents(app) == []


def test_a_body_that_is_not_json_is_a_400(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/wechat", data="code=dev:alice", content_type="application/json"
    )

    assert (response.status_code, response.json["code"]) == (400, "bad_request")
    assert response.content_type == PROBLEM
    assert residents(app) == []
