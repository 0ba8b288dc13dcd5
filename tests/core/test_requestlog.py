"""The request log: no signed code in a logged path, and no forged line through a path."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from core.requestlog import loggable_path
from tests.factories import Factory

LOGGER = "health_points.request"


def logged_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_check_in_and_display_codes_are_masked_in_the_log(
    client: FlaskClient, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    checkin_token = client.get(f"/api/v1/events/{event_id}/qr", headers=desk.headers).json["token"]
    display_url = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers).json[
        "url"
    ]
    display_token = display_url.rsplit("/", 1)[1]

    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert client.get(f"/display/{display_token}").status_code == 200
        assert client.get(f"/display/{display_token}/state").status_code == 200
        assert client.get(f"/q/{checkin_token}").status_code == 200

    lines = logged_lines(caplog)
    assert [line.split(" ")[:3] for line in lines] == [
        ["GET", "/display/***", "200"],
        ["GET", "/display/***/state", "200"],
        ["GET", "/q/***", "200"],
    ]
    assert not any(display_token in line or checkin_token in line for line in lines)


def test_a_newline_in_a_path_cannot_forge_a_log_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "2026-12-02 06:00:00,000 INFO health_points.request POST /api/v1/auth/login 200"

    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.get(f"/api/v1/nothing%0D%0A{forged.replace(' ', '%20')}")

    (line,) = logged_lines(caplog)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("GET /api/v1/nothing\\r\\n2026-12-02")


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/v1/events/1", "/api/v1/events/1"),
        ("/api/v1/residents/张明", "/api/v1/residents/张明"),
        ("/a\tb\x1b[31mc", "/a\\tb\\x1b[31mc"),
        ("/a\x85b\u2028c", "/a\\x85b\\u2028c"),
        ("/a\\nb", "/a\\\\nb"),
        ("/display/", "/display/***"),
        ("/display/abc\ndef/state", "/display/***/state"),
        ("/q/abc/", "/q/***/"),
        ("/qr/abc", "/qr/abc"),
    ],
)
def test_what_a_path_looks_like_in_the_log(path: str, logged: str) -> None:
    assert loggable_path(path, ["/q/", "/display/"]) == logged
