"""Signed links to QR pictures: only ours work, only until they lapse, and never in a log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import qr_links
from core.codes import CodeKeys, current_keys
from tests.core.test_requestlog import LOGGER, logged_lines

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
KEYS = CodeKeys(2, {2: b"the current key", 1: b"the key before"})


BASE = "https://jkjf.example.cn"


def token_of(text: str, keys: CodeKeys, lives: timedelta = timedelta(minutes=5)) -> str:
    url = qr_links.image_url(text, NOW + lives, keys, BASE)
    return url.removeprefix(f"{BASE}/api/v1/qr/").removesuffix(".png")


def link(app: Flask, text: str = "12345678", lives: timedelta = timedelta(minutes=5)) -> str:
    with app.app_context():
        return f"/api/v1/qr/{token_of(text, current_keys(), lives)}.png"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr_links, "utcnow", lambda: NOW)


def test_a_tampered_link_is_refused(app: Flask, client: FlaskClient) -> None:
    good = link(app)
    token = good.removeprefix("/api/v1/qr/").removesuffix(".png")
    payload, signature = token.rsplit(".", 1)
    forged = token_of("87654321", CodeKeys(1, {1: b"someone else's key"}))

    for path in (
        f"/api/v1/qr/{payload}.{signature[::-1]}.png",
        f"/api/v1/qr/{payload[:-2]}.{signature}.png",
        f"/api/v1/qr/{forged}.png",
        "/api/v1/qr/not-a-token.svg",
    ):
        refused = client.get(path)
        assert (refused.status_code, refused.json["code"]) == (400, "invalid_qr"), path
        assert refused.content_type == "application/problem+json"
    assert client.get(good).status_code == 200
    assert client.get(good.replace(".png", ".gif")).status_code == 404


def test_a_link_works_until_its_moment_and_not_from_then(app: Flask, client: FlaskClient) -> None:
    last_second = client.get(link(app, lives=timedelta(seconds=1)))
    lapsed = client.get(link(app, lives=timedelta(0)))

    assert last_second.status_code == 200
    assert (lapsed.status_code, lapsed.json["code"]) == (410, "qr_expired")


def test_links_signed_before_a_key_rotation_still_work() -> None:
    token = token_of("12345678", CodeKeys(1, {1: b"the key before"}))

    assert qr_links.read(token, KEYS, NOW) == "12345678"
    with pytest.raises(qr_links.InvalidQrLink):
        qr_links.read(token, CodeKeys(2, {2: b"the current key"}), NOW)


def test_a_picture_link_is_masked_in_the_log(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    path = link(app)

    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert client.get(path).status_code == 200

    (line,) = logged_lines(caplog)
    assert line.startswith("GET /api/v1/qr/*** 200")
    token = path.removeprefix("/api/v1/qr/").removesuffix(".png")
    assert token not in line and token.split(".")[0] not in line
