"""WeChat login against a fake WeChat (code2Session) on loopback, not patched functions."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from pytest_httpserver import HTTPServer
from sqlalchemy import String, Text, select
from werkzeug import Request, Response

from app import create_app
from core.db import db
from identity.models import Resident
from tests.conftest import app_config

SESSION_KEY = "tiWH6uKSU4mC0KNq0YbzTw=="
PATH = "/sns/jscode2session"


@pytest.fixture
def wechat_app(app: Flask, database_url: str, httpserver: HTTPServer) -> Iterator[Flask]:
    """The emptied test database, served by an app that talks to the fake WeChat."""
    configured = create_app(
        app_config(
            database_url,
            WECHAT_APPID="wx-test-app",
            WECHAT_SECRET="test-secret",
            WECHAT_API_BASE=httpserver.url_for("").rstrip("/"),
            WECHAT_TIMEOUT=0.5,
        )
    )
    yield configured
    with configured.app_context():
        db.engine.dispose()


def login(app: Flask, code: str = "wx-login-code"):  # type: ignore[no-untyped-def]
    return app.test_client().post("/api/v1/auth/wechat", json={"code": code})


def residents(app: Flask) -> list[tuple[str | None, str | None]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(Resident.openid, Resident.unionid))]


def test_a_good_code_logs_the_resident_in_and_the_session_key_goes_nowhere(
    wechat_app: Flask, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(
        PATH,
        query_string={
            "appid": "wx-test-app",
            "secret": "test-secret",
            "js_code": "wx-login-code",
            "grant_type": "authorization_code",
        },
    ).respond_with_json({"openid": "o-abc", "session_key": SESSION_KEY, "unionid": "u-xyz"})

    first = login(wechat_app)
    second = login(wechat_app)

    assert first.status_code == 200
    assert first.json["resident"]["id"] == second.json["resident"]["id"]
    assert first.json["access_token"]
    assert SESSION_KEY not in first.get_data(as_text=True)
    assert residents(wechat_app) == [("o-abc", "u-xyz")]
    with wechat_app.app_context():
        for table in db.metadata.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for column in text_columns:
                found = db.session.scalar(select(column).where(column.contains(SESSION_KEY)))
                assert found is None, f"{table.name}.{column.name} holds the session_key"


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (40029, 401, "wechat_login_failed"),
        (40163, 401, "wechat_login_failed"),
        (45011, 429, "rate_limited"),
        (40226, 403, "wechat_login_failed"),
        (-1, 503, "wechat_login_failed"),
        (40125, 503, "wechat_login_failed"),
        (40013, 503, "wechat_login_failed"),
    ],
)
def test_wechat_refusals_map_to_the_contracts_codes(
    wechat_app: Flask, httpserver: HTTPServer, errcode: int, status: int, code: str
) -> None:
    httpserver.expect_request(PATH).respond_with_json({"errcode": errcode, "errmsg": "nope"})

    response = login(wechat_app)

    assert (response.status_code, response.json["code"]) == (status, code)
    assert response.content_type == "application/problem+json"
    assert residents(wechat_app) == []


def sleepy(request: Request) -> Response:
    time.sleep(1.0)
    return Response('{"openid": "late"}', content_type="application/json")


@pytest.mark.parametrize(
    "answer",
    [
        lambda server: server.expect_request(PATH).respond_with_data("oops", status=500),
        lambda server: server.expect_request(PATH).respond_with_data("<html>", status=200),
        lambda server: server.expect_request(PATH).respond_with_json({"errmsg": "no openid"}),
        lambda server: server.expect_request(PATH).respond_with_handler(sleepy),
    ],
    ids=["http-500", "not-json", "no-openid", "too-slow"],
)
def test_wechat_misbehaving_is_a_503(wechat_app: Flask, httpserver: HTTPServer, answer) -> None:  # type: ignore[no-untyped-def]
    answer(httpserver)

    response = login(wechat_app)

    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert residents(wechat_app) == []


def test_wechat_unreachable_is_a_503(app: Flask, database_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = create_app(
        app_config(
            database_url,
            WECHAT_APPID="wx-test-app",
            WECHAT_SECRET="s",
            WECHAT_API_BASE=f"http://127.0.0.1:{closed_port}",
        )
    )

    response = login(unreachable)

    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")


def test_with_wechat_configured_a_dev_code_goes_to_wechat(
    wechat_app: Flask, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(
        PATH,
        query_string={
            "appid": "wx-test-app",
            "secret": "test-secret",
            "js_code": "dev:alice",
            "grant_type": "authorization_code",
        },
    ).respond_with_json({"errcode": 40029, "errmsg": "invalid code"})

    response = login(wechat_app, "dev:alice")

    assert (response.status_code, response.json["code"]) == (401, "wechat_login_failed")
    assert residents(wechat_app) == []


@pytest.mark.parametrize("code", ["dev:", "dev:a b", "dev:" + "x" * 61])
def test_a_malformed_dev_code_is_refused(client, code: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/auth/wechat", json={"code": code})

    assert (response.status_code, response.json["code"]) == (401, "wechat_login_failed")


def test_production_never_takes_dev_codes(app: Flask, database_url: str) -> None:
    production = create_app(
        app_config(
            database_url,
            APP_ENV="production",
            SECRET_KEY="s" * 40,
            JWT_SECRET_KEY="j" * 40,
            QR_SECRET_KEY="q" * 40,
        )
    )

    response = login(production, "dev:alice")

    assert (response.status_code, response.json["code"]) == (503, "wechat_login_failed")
    assert residents(production) == []


def test_a_login_body_must_be_json_with_a_code(client) -> None:  # type: ignore[no-untyped-def]
    empty = client.post("/api/v1/auth/wechat", json={})
    not_json = client.post("/api/v1/auth/wechat", data="code=1", content_type="application/json")

    assert (empty.status_code, empty.json["code"]) == (422, "validation_error")
    assert (not_json.status_code, not_json.json["code"]) == (400, "bad_request")
