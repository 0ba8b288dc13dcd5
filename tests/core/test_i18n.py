"""Words people read are Chinese by default and English on request; ``code`` never changes.

Every message the code wraps in ``_l`` must have a Chinese translation in the committed
catalog, and the committed ``.mo`` must be what that catalog compiles to (``make translations``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask.testing import FlaskClient

from core.i18n import TRANSLATIONS, _l, field_message
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
#: What ``make translations`` extracts from, with the same keywords.
PACKAGES = ("core", "identity", "points", "events", "catalog", "stats", "privacy", "me", "console")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
CATALOG = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
ENGLISH = {"Accept-Language": "en"}


def extracted_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message if isinstance(message, str) else message[0]
        for package in PACKAGES
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map, options_map, keywords=KEYWORDS
        )
    }


def chinese_catalog():  # type: ignore[no-untyped-def]
    with open(CATALOG, "rb") as po:
        return read_po(po, locale="zh")


def test_every_message_in_the_code_has_a_chinese_translation() -> None:
    catalog = chinese_catalog()
    messages = extracted_messages()

    assert len(messages) > 100  # the extraction found the code's messages
    untranslated = sorted(
        m for m in messages if m not in catalog or not catalog[m].string or catalog[m].fuzzy
    )
    assert untranslated == [], "run `make translations` and translate these in messages.po"
    assert [(m.id, errors) for m, errors in catalog.check()] == []  # placeholders agree


def test_the_committed_mo_is_what_the_catalog_compiles_to() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, chinese_catalog())

    assert CATALOG.with_suffix(".mo").read_bytes() == compiled.getvalue()


@pytest.fixture
def short_of_points(client: FlaskClient, make: Factory):  # type: ignore[no-untyped-def]
    """A redemption refused for want of 20 points, ready to send."""
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": "腰围尺", "points_cost": 30}
    )
    client.post(
        f"/api/v1/catalog/items/{item.json['id']}/stock",
        headers=manager.headers,
        json={"center_id": desk.center_id, "delta": 5, "reason": "received"},
    )
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 10)
    return lambda headers: client.post(
        "/api/v1/redemptions",
        headers={**desk.headers, **headers},
        json={"resident_id": resident.id, "item_id": item.json["id"]},
    )


def test_a_refusal_is_in_chinese_by_default_and_in_english_on_request(short_of_points) -> None:  # type: ignore[no-untyped-def]
    chinese = short_of_points({})
    english = short_of_points(ENGLISH)

    assert chinese.status_code == english.status_code == 409
    assert chinese.json["code"] == english.json["code"] == "insufficient_points"
    assert (chinese.json["title"], chinese.json["detail"]) == ("积分不足", "积分不足：还差20积分")
    assert (english.json["title"], english.json["detail"]) == (
        "Not enough points",
        "Not enough points: 20 more are needed.",
    )
    assert short_of_points({"Accept-Language": "zh-CN,zh;q=0.9"}).json["detail"] == (
        "积分不足：还差20积分"
    )
    # The preferred language wins even when only a less preferred one matches exactly.
    assert short_of_points({"Accept-Language": "en-GB,zh;q=0.5"}).json["title"] == (
        "Not enough points"
    )
    assert short_of_points({"Accept-Language": "fr"}).json["title"] == "积分不足"


def test_plain_http_errors_speak_the_request_language_too(client: FlaskClient) -> None:
    chinese = client.get("/api/v1/nothing-here")
    english = client.get("/api/v1/nothing-here", headers=ENGLISH)
    invalid = client.post("/api/v1/auth/login", json={"username": 12, "password": "x"})

    assert chinese.json["code"] == english.json["code"] == "not_found"
    assert (chinese.json["title"], chinese.json["detail"]) == ("未找到", "该地址不存在。")
    assert (english.json["title"], english.json["detail"]) == (
        "Not found",
        "Nothing is at this address.",
    )
    assert (invalid.json["code"], invalid.json["title"]) == ("validation_error", "请求内容有误")
    assert invalid.json["detail"] == "部分内容缺失或有误，请检查后重试。"


def test_the_libraries_field_messages_speak_the_request_language(client: FlaskClient) -> None:
    sent = {"username": 12}

    chinese = client.post("/api/v1/auth/login", json=sent).json["errors"]
    english = client.post("/api/v1/auth/login", json=sent, headers=ENGLISH).json["errors"]

    assert chinese == {"username": ["不是有效的文本。"], "password": ["此项为必填项。"]}
    assert english == {
        "username": ["Not a valid string."],
        "password": ["Missing data for required field."],
    }


@pytest.mark.parametrize(
    ("sentence", "chinese"),
    [
        ("Length must be between 1 and 200.", "长度须在 1 到 200 之间。"),
        ("Must be one of: staff, manager.", "须为以下之一：staff, manager。"),
        ('"31/12" cannot be formatted as a date.', "“31/12”不是有效的日期格式。"),
        ("Our own words stay as they are.", "Our own words stay as they are."),
    ],
)
def test_a_library_sentence_with_values_keeps_them_in_chinese(
    client: FlaskClient, sentence: str, chinese: str
) -> None:
    with client.application.test_request_context("/"):
        assert field_message(sentence) == chinese


def test_a_lazy_message_rendered_in_a_page_escapes_its_variables(client: FlaskClient) -> None:
    title = '<div hx-post="/console/admin/staff/1/password" hx-trigger="load">讲座</div>'
    with client.application.test_request_context("/"):
        page = render_template_string("{{ m }}", m=_l("Checked in: %(title)s", title=title))

    assert "<div" not in page and "&lt;div hx-post=" in page
