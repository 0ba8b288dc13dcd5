"""Scanned check-in links as WeChat and phones hand them over, WeChat's verification file for
the scanned-link rule, and the extra fields clients put in a check-in body."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin
from tests.events.test_checkin import qr, scan
from tests.factories import Account, Factory

BASE = "https://jkjf.example.cn"


@pytest.fixture
def link(app: Flask, client: FlaskClient, make: Factory, desk: Account) -> str:
    """A poster's check-in link under ``BASE``, for an event open now."""
    app.config["PUBLIC_BASE_URL"] = BASE
    event_id = make.event(desk.center_id)
    url = qr(client, desk, event_id, mode="static")["url"]
    assert url.startswith(f"{BASE}/q/")
    return url


def checkins(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Checkin.id))))


def upper_origin(url: str) -> str:
    return url.replace(BASE, BASE.upper())


def swap_first_letter_case(url: str) -> str:
    head, token = url.rsplit("/", 1)
    at = next(i for i, char in enumerate(token) if char.isalpha())
    return f"{head}/{token[:at]}{token[at].swapcase()}{token[at + 1 :]}"


@pytest.mark.parametrize(
    "handed_over",
    [
        upper_origin,
        lambda url: "HTTPS://JKJF.Example.CN" + url.removeprefix(BASE),
        lambda url: url + "/",
        lambda url: url + "?from=scan",
        lambda url: url + "#top",
        lambda url: upper_origin(url) + "/?a=1&b=2#c",
        lambda url: f"  {url}\n",
        lambda url: quote(url, safe=""),  # options.q, as encodeURIComponent leaves it
        lambda url: quote(upper_origin(url) + "/", safe=""),
    ],
    ids=[
        "upper-case-origin",
        "mixed-case-origin",
        "trailing-slash",
        "query",
        "fragment",
        "all-of-them",
        "whitespace",
        "url-encoded",
        "url-encoded-upper-case-with-slash",
    ],
)
def test_a_link_as_wechat_or_a_phone_hands_it_over_checks_in(
    client: FlaskClient, make: Factory, desk: Account, link: str, handed_over: Callable[[str], str]
) -> None:
    resident = make.resident(desk.center_id)

    response = scan(client, resident, url=handed_over(link))

    assert response.status_code == 201, response.json
    assert response.json["already_checked_in"] is False


@pytest.mark.parametrize(
    ("prefix", "old_base"),
    [
        ("https://old.example.cn", "https://old.example.cn"),
        ("https://old.example.cn/", "HTTPS://OLD.EXAMPLE.CN"),
        ("https://old.example.cn/hp", "https://old.example.cn/hp"),
    ],
)
def test_links_printed_before_a_domain_move_still_check_in(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    link: str,
    prefix: str,
    old_base: str,
) -> None:
    old_link = old_base + link.removeprefix(BASE)
    resident = make.resident(desk.center_id)
    refused_before = scan(client, resident, url=old_link)

    app.config["CHECKIN_LINK_PREFIXES"] = (prefix.rstrip("/"),)
    response = scan(client, resident, url=old_link + "/")

    assert (refused_before.status_code, refused_before.json["code"]) == (400, "invalid_qr")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    "mangled",
    [
        lambda url: url.replace("/q/", "/Q/"),
        swap_first_letter_case,
        lambda url: url.replace(BASE, "https://evil.example.cn"),
        lambda url: url.replace(BASE, BASE + ".evil.cn"),
        lambda url: url.replace(BASE, BASE + "@evil.cn"),
        lambda url: url.replace(BASE, BASE + ":8443"),
        lambda url: url.replace("/q/", "/x/q/"),
        lambda url: url + "/extra",
        lambda url: url + "//",
        lambda url: quote(quote(url, safe=""), safe=""),
        lambda url: "https://[jkjf.example.cn/q/" + url.rsplit("/", 1)[1],
        lambda url: "/q/" + url.rsplit("/", 1)[1],
    ],
    ids=[
        "path-case",
        "token-case",
        "other-host",
        "host-suffix",
        "userinfo",
        "other-port",
        "other-path",
        "extra-segment",
        "two-slashes",
        "encoded-twice",
        "unparsable",
        "no-origin",
    ],
)
def test_anything_else_is_not_one_of_our_codes(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    link: str,
    mangled: Callable[[str], str],
) -> None:
    resident = make.resident(desk.center_id)

    response = scan(client, resident, url=mangled(link))

    assert (response.status_code, response.json["code"]) == (400, "invalid_qr")
    assert checkins(app) == 0


def test_extra_fields_a_client_adds_to_a_scan_are_ignored(
    client: FlaskClient, make: Factory, desk: Account, link: str
) -> None:
    resident = make.resident(desk.center_id)

    response = scan(
        client, resident, url=link, scancode_time="1733130000000", path="pages/scan/index"
    )

    assert response.status_code == 201, response.json


def test_extra_fields_at_the_desk_are_ignored(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)

    response = client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"resident_id": resident.id, "scanned_at": "09:30", "terminal": 2},
    )

    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    "body",
    [{"scancode_time": "1733130000000"}, {"url": "LINK", "token": "x" * 27, "path": "p"}],
    ids=["neither", "both"],
)
def test_a_scan_still_sends_either_the_url_or_the_token(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, link: str, body: dict
) -> None:
    resident = make.resident(desk.center_id)
    body = {name: link if value == "LINK" else value for name, value in body.items()}

    response = scan(client, resident, **body)

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert checkins(app) == 0


VERIFY_NAME, VERIFY_CONTENT = "8a1b2c3d4e5f.txt", "5f4e3d2c1b0a9f8e7d6c:v1"


def test_wechat_fetches_its_verification_file_under_the_link_prefix(
    app: Flask, client: FlaskClient
) -> None:
    app.config["WECHAT_QR_VERIFY_FILE"] = f"{VERIFY_NAME}:{VERIFY_CONTENT}"

    response = client.get(f"/q/{VERIFY_NAME}")
    other = client.get("/q/0000000000.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == VERIFY_CONTENT
    assert (other.status_code, other.mimetype) == (200, "text/html")
    assert "签到码" in other.get_data(as_text=True)


def test_without_the_setting_a_txt_link_is_the_help_page(client: FlaskClient) -> None:
    response = client.get(f"/q/{VERIFY_NAME}")

    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert "签到码" in response.get_data(as_text=True)


def test_a_phone_camera_that_added_a_slash_gets_the_help_page(client: FlaskClient) -> None:
    response = client.get("/q/BAEAAAABA5GYwMSr8IUxJAKRJro/")

    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert "签到码" in response.get_data(as_text=True)
