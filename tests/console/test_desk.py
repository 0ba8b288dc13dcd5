"""The desk over HTTP: scanning, search, the card and its actions, refusals in words, who sees
what, and CSRF. Each action is checked against the state it changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from catalog.models import Redemption
from core.db import db
from core.localtime import day_start, local_date, zone_of
from events import service as events_service
from events.models import Checkin, ScanAttempt
from identity.models import AuditEvent
from points import ledger
from tests.catalog.test_redemption import gift, stock_at
from tests.consoles import Console, csrf_token, log_in
from tests.events.test_checkin import qr
from tests.factories import Account, Factory

HTML = "text/html; charset=utf-8"


# -- arranging -------------------------------------------------------------------------------


def all_day_event(app: Flask, make: Factory, center_id: int | None, **fields: Any) -> int:
    """An event today in the district, from 00:00 to 23:59: its check-in is open whenever the
    test runs."""
    tz = zone_of(app.config)
    today = local_date(datetime.now(UTC), tz)
    return make.event(
        center_id, starts_at=day_start(today, tz), lasts=timedelta(hours=23, minutes=59), **fields
    )


def member_code(client: FlaskClient, resident: Account) -> str:
    response = client.get("/api/v1/me/member-code", headers=resident.headers)
    assert response.status_code == 200
    return str(response.json["code"])


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def text_of(response: TestResponse, name: str) -> str:
    """The text inside the element ``data-testid=name``, spaces collapsed."""
    finder = _TextOf(name)
    finder.feed(html(response))
    assert finder.depth is not None, f"no {name} in the response"
    return " ".join("".join(finder.text).split())


class _TextOf(HTMLParser):
    _VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.depth, self.text = name, None, []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            return
        if self.depth is None and ("data-testid", self.name) in attrs:
            self.depth = 0
        elif self.depth is not None and self.depth >= 0:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth is not None and self.depth >= 0 and tag not in self._VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth is not None and self.depth >= 0:
            self.text.append(data)


def result_code(response: TestResponse) -> str | None:
    found = re.search(r'data-testid="result"[^>]*data-code="([^"]+)"', html(response))
    found = found or re.search(r'data-code="([^"]+)"[^>]*data-testid="result"', html(response))
    return found.group(1) if found else None


def idempotency_key(response: TestResponse, hook: str) -> str:
    found = re.search(
        rf'data-testid="{hook}"[^>]*?hx-headers=\'\{{"Idempotency-Key": "([0-9a-f]+)"\}}\'',
        html(response),
        re.S,
    )
    assert found, f"{hook} carries no Idempotency-Key"
    return found.group(1)


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def balance(app: Flask, resident: Account) -> int:
    with app.app_context():
        return ledger.balance_of(resident.id)[0]


@pytest.fixture
def resident(make: Factory, desk: Account) -> Account:
    """A resident of the desk's center, with 100 points."""
    account = make.resident(desk.center_id, name="王秀英", phone="13912345678")
    make.credit(account.id, 100)
    return account


@pytest.fixture
def clerk(app: Flask, desk: Account) -> Console:
    return log_in(app, desk)


# -- the page and the scan box ---------------------------------------------------------------


def test_the_desk_has_the_scan_box_with_focus_and_the_search(clerk: Console) -> None:
    page = html(clerk.get("/console/desk"))

    scan_box = re.search(r"<input[^>]*data-testid=\"scan\"[^>]*>", page, re.S)
    assert scan_box and "autofocus" in scan_box.group(0) and "data-scan" in scan_box.group(0)
    assert 'autocomplete="off"' in scan_box.group(0)
    assert 'data-testid="search"' in page
    assert "desk.js" in page and "jsQR-1.4.0.js" in page
    assert "前台" in page


def test_a_scanned_member_code_opens_the_card(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    resident: Account,
    clerk: Console,
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    item_id = gift(client, manager, stock=4, cost=30)

    response = clerk.post("/console/desk/scan", {"code": member_code(client, resident)})

    assert response.status_code == 200
    assert result_code(response) == "found"
    assert text_of(response, "resident-name") == "王秀英"
    assert text_of(response, "phone") == "139****5678"
    assert text_of(response, "balance") == "100"
    assert f'data-testid="checkin-{event_id}"' in html(response)
    assert f'data-testid="redeem-{item_id}"' in html(response)
    assert text_of(response, f"stock-{item_id}") == "4"
    assert "测试积分" in text_of(response, "ledger")
    assert "/console/residents/" in html(response)
    with app.app_context():
        reads = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.resident_id, AuditEvent.detail).where(
                AuditEvent.action == "resident.read"
            )
        ).all()
    assert [tuple(read) for read in reads] == [(desk.id, resident.id, "member code")]


def test_the_card_says_what_expires_when(
    app: Flask, make: Factory, desk: Account, clerk: Console
) -> None:
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 40, expires_at=datetime(2031, 1, 1, tzinfo=zone_of(app.config)))

    response = clerk.get(f"/console/desk/residents/{resident.id}")

    assert "40" in text_of(response, "expiring") and "2030-12-31" in text_of(response, "expiring")


def test_a_stale_or_unknown_code_is_refused_in_words_and_clears_the_card(
    app: Flask, client: FlaskClient, make: Factory, resident: Account, clerk: Console
) -> None:
    for code, status, expected in [
        ("not-a-code-of-ours", 400, "invalid_qr"),
        ("", 422, "validation_error"),
    ]:
        response = clerk.post("/console/desk/scan", {"code": code})

        assert (response.status_code, result_code(response)) == (status, expected)
        assert '<div id="panel" hx-swap-oob="true"></div>' in html(response)
    assert "不是本系统的会员码" in html(clerk.post("/console/desk/scan", {"code": "x" * 27}))


# -- checking in -----------------------------------------------------------------------------


def test_checking_in_from_the_card(
    app: Flask, make: Factory, desk: Account, resident: Account, clerk: Console
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    card = clerk.get(f"/console/desk/residents/{resident.id}")
    key = idempotency_key(card, f"checkin-{event_id}")
    form = {"event_id": event_id, "resident_id": resident.id}

    response = clerk.post("/console/desk/checkin", form, headers={"Idempotency-Key": key})
    again = clerk.post("/console/desk/checkin", form, headers={"Idempotency-Key": key})

    assert (response.status_code, result_code(response)) == (200, "checked_in")
    assert "+10" in text_of(response, "result")
    assert text_of(response, "balance") == "110"
    assert f'data-testid="checked-in-{event_id}"' in html(response)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Checkin, Checkin.method == "staff", Checkin.staff_id == desk.id) == 1
    assert balance(app, resident) == 110


def test_a_refused_check_in_says_why_and_is_in_the_scan_log(
    app: Flask, make: Factory, desk: Account, resident: Account, clerk: Console
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    with app.app_context():
        events_service.cancel_event(
            make.organizer(desk.center_id).principal, event_id, datetime.now(UTC)
        )
        db.session.commit()

    response = clerk.post(
        "/console/desk/checkin", {"event_id": event_id, "resident_id": resident.id}
    )

    assert (response.status_code, result_code(response)) == (409, "event_cancelled")
    assert "活动已取消" in text_of(response, "result")
    assert count(app, Checkin) == 0
    assert count(app, ScanAttempt, ScanAttempt.outcome == "event_cancelled") == 1


# -- redeeming -------------------------------------------------------------------------------


def test_redeeming_a_gift_previews_then_hands_over_one_on_a_double_confirm(
    app: Flask, client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=3, cost=30)
    form = {"item_id": item_id, "resident_id": resident.id}

    preview = clerk.post("/console/desk/redeem/preview", form)
    key = idempotency_key(preview, "confirm")
    first = clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": key})
    second = clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": key})

    assert preview.status_code == 200
    assert text_of(preview, "preview-cost") == "30"
    assert text_of(preview, "preview-after") == "70"
    assert text_of(preview, "preview-stock") == "3"
    assert (first.status_code, result_code(first)) == (200, "redeemed")
    assert text_of(first, "balance") == "70"
    assert text_of(first, f"stock-{item_id}") == "2"
    assert (second.status_code, html(second)) == (200, html(first))
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content_type == first.content_type == HTML
    assert count(app, Redemption) == 1
    assert balance(app, resident) == 70
    assert stock_at(client, manager, item_id, manager.center_id) == 2


def test_a_new_preview_is_a_new_attempt(
    app: Flask, client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=3, cost=30)
    form = {"item_id": item_id, "resident_id": resident.id}

    keys = {
        idempotency_key(clerk.post("/console/desk/redeem/preview", form), "confirm") for _ in "ab"
    }
    for key in keys:
        assert (
            clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": key}).status_code
            == 200
        )

    assert len(keys) == 2
    assert count(app, Redemption) == 2


@pytest.mark.parametrize(
    ("cost", "stock", "code", "words"),
    [
        (300, 3, "insufficient_points", "积分不足"),
        (30, 0, "out_of_stock", "库存不足"),
    ],
)
def test_a_redemption_that_would_be_refused_is_refused_at_the_preview(
    app: Flask,
    client: FlaskClient,
    manager: Account,
    resident: Account,
    clerk: Console,
    cost: int,
    stock: int,
    code: str,
    words: str,
) -> None:
    item_id = gift(client, manager, stock=stock, cost=cost)
    form = {"item_id": item_id, "resident_id": resident.id}

    preview = clerk.post("/console/desk/redeem/preview", form)
    confirm = clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": "k-1"})

    assert (preview.status_code, result_code(preview)) == (409, code)
    assert words in text_of(preview, "result")
    assert (confirm.status_code, result_code(confirm)) == (409, code)
    assert count(app, Redemption) == 0
    assert balance(app, resident) == 100


def test_the_card_marks_what_the_resident_cannot_have(
    client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    dear = gift(client, manager, stock=3, cost=300)
    once_a_year = gift(client, manager, stock=3, cost=10, limit_quantity=1, limit_period="year")
    form = {"item_id": once_a_year, "resident_id": resident.id}
    key = idempotency_key(clerk.post("/console/desk/redeem/preview", form), "confirm")
    clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": key})

    card = html(clerk.get(f"/console/desk/residents/{resident.id}"))

    row = {
        item: re.search(rf"<tr[^>]*>(?:(?!</tr>).)*redeem-{item}\"", card, re.S).group(0)
        for item in (dear, once_a_year)
    }  # type: ignore[union-attr]
    assert "积分不足" in row[dear]
    assert "已达上限" in row[once_a_year]


def test_taking_a_gift_back_refunds_it_and_returns_it_to_stock(
    app: Flask, client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=3, cost=30)
    form = {"item_id": item_id, "resident_id": resident.id}
    key = idempotency_key(clerk.post("/console/desk/redeem/preview", form), "confirm")
    clerk.post("/console/desk/redeem", form, headers={"Idempotency-Key": key})
    with app.app_context():
        redemption_id = db.session.scalar(select(Redemption.id))
    url = f"/console/desk/redemptions/{redemption_id}/cancel"

    no_reason = clerk.post(url, {"resident_id": resident.id})
    refunded = clerk.post(url, {"resident_id": resident.id, "reason": "尺寸不合适"})
    twice = clerk.post(url, {"resident_id": resident.id, "reason": "尺寸不合适"})

    assert (no_reason.status_code, result_code(no_reason)) == (422, "validation_error")
    assert (refunded.status_code, result_code(refunded)) == (200, "refunded")
    assert text_of(refunded, "balance") == "100"
    assert (twice.status_code, result_code(twice)) == (409, "conflict")
    assert stock_at(client, manager, item_id, manager.center_id) == 3
    with app.app_context():
        assert db.session.scalar(select(Redemption.cancel_reason)) == "尺寸不合适"


def test_annulling_a_check_in_from_the_card_takes_its_points_back(
    app: Flask, make: Factory, desk: Account, resident: Account, clerk: Console
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    checkin_id = make.checkin(event_id, resident.id)
    card = clerk.get(f"/console/desk/residents/{resident.id}")
    assert f'data-testid="annul-{checkin_id}"' in html(card)
    url = f"/console/desk/checkins/{checkin_id}/annul"

    annulled = clerk.post(url, {"resident_id": resident.id, "reason": "代签错了人"})

    assert (annulled.status_code, result_code(annulled)) == (200, "annulled")
    assert text_of(annulled, "balance") == "100"
    assert "已作废" in html(annulled)
    with app.app_context():
        assert db.session.scalar(select(Checkin.annul_reason)) == "代签错了人"


# -- pickup codes ----------------------------------------------------------------------------


def reserve(client: FlaskClient, resident: Account, item_id: int, center_id: int | None) -> str:
    response = client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": center_id},
    )
    assert response.status_code == 201, response.json
    return str(response.json["pickup_code"])


def test_a_scanned_pickup_code_shows_the_reservation_to_hand_over(
    app: Flask, client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=2, cost=30)
    code = reserve(client, resident, item_id, manager.center_id)

    shown = clerk.post("/console/desk/scan", {"code": code})
    key = idempotency_key(shown, "handover")
    handed = clerk.post(
        "/console/desk/pickup", {"pickup_code": code}, headers={"Idempotency-Key": key}
    )
    again = clerk.post(
        "/console/desk/pickup", {"pickup_code": code}, headers={"Idempotency-Key": key}
    )
    wrong = clerk.post("/console/desk/scan", {"code": "00000000"})

    assert shown.status_code == 200
    assert "王*英" in text_of(shown, "reservation")
    assert (handed.status_code, result_code(handed)) == (200, "handed_over")
    assert "余额 70" in text_of(handed, "result")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (wrong.status_code, result_code(wrong)) == (404, "not_found")
    with app.app_context():
        assert db.session.scalar(select(Redemption.status)) == "fulfilled"
    assert balance(app, resident) == 70


def test_wrong_pickup_codes_spend_the_apis_budget_and_only_pickups_wait(
    build: Any, client: FlaskClient, desk: Account, resident: Account
) -> None:
    limited = build(PICKUP_RATE_LIMIT="3 per minute")
    clerk = log_in(limited, desk)
    api = limited.test_client()

    spent = [
        clerk.post("/console/desk/scan", {"code": "12345678"}).status_code,
        api.post(
            "/api/v1/redemptions/pickup", headers=desk.headers, json={"pickup_code": "12345678"}
        ).status_code,
        clerk.post("/console/desk/pickup", {"pickup_code": "12345678"}).status_code,
    ]
    waiting = clerk.post("/console/desk/scan", {"code": "12345678"})
    member = clerk.post("/console/desk/scan", {"code": member_code(client, resident)})

    assert spent == [404, 404, 404]
    assert (waiting.status_code, result_code(waiting)) == (429, "rate_limited")
    assert member.status_code == 200


# -- door mode -------------------------------------------------------------------------------


def test_door_mode_checks_in_each_resident_scanned(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    resident: Account,
    clerk: Console,
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    poster = qr(client, desk, event_id, mode="static")["url"]
    neighbour = make.resident(desk.center_id, name="李建国")

    chosen = clerk.post("/console/desk/scan", {"code": poster})
    first = clerk.post("/console/desk/scan", {"code": member_code(client, resident)})
    second = clerk.post("/console/desk/scan", {"code": member_code(client, neighbour)})
    repeat = clerk.post("/console/desk/scan", {"code": member_code(client, resident)})
    page = html(clerk.get("/console/desk"))
    left = clerk.post("/console/desk/door/leave")
    after = clerk.post("/console/desk/scan", {"code": member_code(client, neighbour)})

    assert (chosen.status_code, result_code(chosen)) == (200, "door_on")
    assert f'data-event="{event_id}"' in html(chosen) and f'data-event="{event_id}"' in page
    assert (result_code(first), text_of(first, "resident-name")) == ("checked_in", "王秀英")
    assert (result_code(second), text_of(second, "resident-name")) == ("checked_in", "李建国")
    assert result_code(repeat) == "already_checked_in"
    assert result_code(left) == "door_off" and 'data-testid="door"' not in html(left)
    assert result_code(after) == "found"
    assert count(app, Checkin, Checkin.event_id == event_id) == 2


def test_door_mode_refuses_an_event_whose_check_in_has_ended_or_another_centers(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    other_center_desk: Account,
    clerk: Console,
) -> None:
    yesterday = make.event(desk.center_id, starts_in=timedelta(days=-2))
    elsewhere = all_day_event(app, make, other_center_desk.center_id)

    ended = clerk.post(
        "/console/desk/scan", {"code": qr(client, desk, yesterday, mode="static")["url"]}
    )
    foreign = clerk.post(
        "/console/desk/scan",
        {"code": qr(client, other_center_desk, elsewhere, mode="static")["url"]},
    )

    assert (ended.status_code, result_code(ended)) == (409, "checkin_closed")
    assert (foreign.status_code, result_code(foreign)) == (404, "not_found")
    assert 'data-testid="door"' not in html(clerk.get("/console/desk"))


def test_door_mode_ends_by_itself_when_its_event_is_cancelled(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, clerk: Console
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    clerk.post("/console/desk/scan", {"code": qr(client, desk, event_id, mode="static")["url"]})
    assert 'data-testid="door"' in html(clerk.get("/console/desk"))
    with app.app_context():
        organizer = make.organizer(desk.center_id).principal
        events_service.cancel_event(organizer, event_id, datetime.now(UTC))
        db.session.commit()

    assert 'data-testid="door"' not in html(clerk.get("/console/desk"))


def test_a_personal_slip_checks_its_resident_in(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    resident: Account,
    clerk: Console,
) -> None:
    event_id = all_day_event(app, make, desk.center_id, kind="followup", resident_id=resident.id)
    slip = client.post(
        f"/api/v1/events/{event_id}/personal-codes",
        headers=desk.headers,
        json={"resident_id": resident.id},
    ).json["url"]

    response = clerk.post("/console/desk/scan", {"code": slip})

    assert (response.status_code, result_code(response)) == (200, "checked_in")
    assert text_of(response, "resident-name") == "王秀英"
    assert 'data-testid="door"' not in html(clerk.get("/console/desk"))


# -- search ----------------------------------------------------------------------------------


def test_search_by_phone_tail_or_name_lists_residents_that_open_their_card(
    app: Flask, make: Factory, desk: Account, resident: Account, clerk: Console
) -> None:
    make.resident(desk.center_id, name="李建国", phone="13800001111")

    by_tail = clerk.get("/console/desk/search?q=5678")
    by_name = clerk.get("/console/desk/search?q=秀")
    too_short = clerk.get("/console/desk/search?q=56")
    opened = clerk.get(f"/console/desk/residents/{resident.id}")

    assert by_tail.status_code == 200 and f'data-testid="found-{resident.id}"' in html(by_tail)
    assert "李建国" not in html(by_tail)
    assert f'data-testid="found-{resident.id}"' in html(by_name)
    assert (too_short.status_code, result_code(too_short)) == (422, "validation_error")
    assert "4" in text_of(too_short, "result") or "4" in html(too_short)
    assert text_of(opened, "resident-name") == "王秀英"
    assert count(app, AuditEvent, AuditEvent.action == "resident.search") == 2


# -- who sees what ---------------------------------------------------------------------------


ROUTES = [
    ("GET", "/console/desk"),
    ("GET", "/console/desk/search?q=5678"),
    ("GET", "/console/desk/residents/{resident}"),
    ("POST", "/console/desk/scan"),
    ("POST", "/console/desk/checkin"),
    ("POST", "/console/desk/redeem/preview"),
    ("POST", "/console/desk/redeem"),
    ("POST", "/console/desk/pickup"),
    ("POST", "/console/desk/checkins/1/annul"),
    ("POST", "/console/desk/redemptions/1/cancel"),
    ("POST", "/console/desk/door/leave"),
    ("POST", "/console/desk/center"),
]


def test_every_desk_route_is_in_the_access_list(app: Flask) -> None:
    desk_routes = {
        (method, re.sub(r"<[^>]+>", "{}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("console_desk.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(method, re.sub(r"\{\w+\}|\d+", "{}", path.split("?")[0])) for method, path in ROUTES}
    assert desk_routes == listed


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_without_a_login_the_desk_sends_to_the_login_form(
    app: Flask, resident: Account, method: str, path: str
) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/console/"))
    url = path.format(resident=resident.id)

    response = client.open(
        url, method=method, data={"csrf_token": token} if method == "POST" else None
    )
    by_htmx = client.open(url, method=method, headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/")
    assert by_htmx.status_code == 401 and by_htmx.headers["HX-Redirect"].startswith("/console/")


@pytest.mark.parametrize("path", [path for method, path in ROUTES if method == "POST"])
def test_every_desk_form_needs_the_csrf_token(
    app: Flask, desk: Account, resident: Account, path: str
) -> None:
    console = log_in(app, desk)

    response = console.client.post(path, data={"code": "x"}, headers={"HX-Request": "true"})

    assert (response.status_code, result_code(response)) == (400, "csrf_failed")


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_the_centers_staff_and_manager_serve_its_residents(
    app: Flask, make: Factory, desk: Account, resident: Account, role: str
) -> None:
    account = desk if role == "staff" else make.staff("manager", center_id=desk.center_id)
    console = log_in(app, account)

    response = console.get(f"/console/desk/residents/{resident.id}")

    assert text_of(response, "resident-name") == "王秀英"


def test_another_centers_clerk_finds_nothing_of_this_centers_residents(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    resident: Account,
    other_center_desk: Account,
) -> None:
    event_id = all_day_event(app, make, desk.center_id)
    checkin_id = make.checkin(event_id, resident.id)
    item_id = gift(client, manager, stock=3, cost=30)
    code = reserve(client, resident, item_id, desk.center_id)
    redeemed = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"resident_id": resident.id, "item_id": item_id},
    ).json["id"]
    elsewhere = log_in(app, other_center_desk)
    mine = {"resident_id": resident.id}

    answers = {
        "search": elsewhere.get("/console/desk/search?q=5678"),
        "card": elsewhere.get(f"/console/desk/residents/{resident.id}"),
        "checkin": elsewhere.post("/console/desk/checkin", {**mine, "event_id": event_id}),
        "preview": elsewhere.post("/console/desk/redeem/preview", {**mine, "item_id": item_id}),
        "redeem": elsewhere.post("/console/desk/redeem", {**mine, "item_id": item_id}),
        "pickup code": elsewhere.post("/console/desk/scan", {"code": code}),
        "pickup": elsewhere.post("/console/desk/pickup", {"pickup_code": code}),
        "annul": elsewhere.post(
            f"/console/desk/checkins/{checkin_id}/annul", {**mine, "reason": "试试"}
        ),
        "refund": elsewhere.post(
            f"/console/desk/redemptions/{redeemed}/cancel", {**mine, "reason": "试试"}
        ),
    }

    assert {name: r.status_code for name, r in answers.items()} == {
        "search": 200,
        **{name: 404 for name in answers if name != "search"},
    }
    assert 'data-testid="found-' not in html(answers["search"])
    assert all("王秀英" not in html(r) and "13912345678" not in html(r) for r in answers.values())
    assert count(app, Checkin, Checkin.annulled_at.is_not(None)) == 0
    assert count(app, Redemption, Redemption.status == "fulfilled") == 1


def test_a_visitor_who_shows_their_code_elsewhere_is_served_but_their_record_stays_home(
    app: Flask, client: FlaskClient, make: Factory, resident: Account, other_center_desk: Account
) -> None:
    """As at the API: a member code opens the desk of any center (the resident showed it), so
    another center's clerk may check them in there, but sees them masked, without their
    points history, and cannot open them by id afterwards."""
    event_id = all_day_event(app, make, other_center_desk.center_id)
    elsewhere = log_in(app, other_center_desk)
    code = member_code(client, resident)

    card = elsewhere.post("/console/desk/scan", {"code": code})
    checked = elsewhere.post("/console/desk/checkin", {"member_code": code, "event_id": event_id})

    assert card.status_code == 200
    assert text_of(card, "resident-name") == "王*英"
    assert 'data-testid="visitor"' in html(card)
    assert 'data-testid="ledger"' not in html(card) and "测试积分" not in html(card)
    assert "/console/residents/" not in html(card)
    assert "王秀英" not in html(card) and "13912345678" not in html(card)
    assert f"&#34;member_code&#34;: &#34;{code}&#34;" in html(
        card
    ) or f'"member_code": "{code}"' in html(card)
    assert (checked.status_code, result_code(checked)) == (200, "checked_in")
    assert elsewhere.get(f"/console/desk/residents/{resident.id}").status_code == 404


def test_a_district_manager_chooses_the_center_of_the_desk(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    resident: Account,
    district_manager: Account,
) -> None:
    """A district-wide principal sees any resident's card in full, as the API lets them; what
    happens at one center's desk (its events, its gifts, pickups) waits for them to say which."""
    event_id = all_day_event(app, make, desk.center_id)
    item_id = gift(client, manager, stock=3, cost=30)
    console = log_in(app, district_manager)
    form = {"item_id": item_id, "resident_id": resident.id}

    before = console.get(f"/console/desk/residents/{resident.id}")
    refused = console.post("/console/desk/redeem/preview", form)
    chosen = console.post("/console/desk/center", {"center_id": desk.center_id}, htmx=False)
    after = console.get(f"/console/desk/residents/{resident.id}")
    redeemed = console.post(
        "/console/desk/redeem",
        form,
        headers={
            "Idempotency-Key": idempotency_key(
                console.post("/console/desk/redeem/preview", form), "confirm"
            )
        },
    )

    assert text_of(before, "resident-name") == "王秀英" and 'data-testid="ledger"' in html(before)
    assert f"checkin-{event_id}" not in html(before)
    assert (refused.status_code, result_code(refused)) == (422, "validation_error")
    assert chosen.status_code == 302
    assert f'data-testid="checkin-{event_id}"' in html(after)
    assert (redeemed.status_code, result_code(redeemed)) == (200, "redeemed")
    with app.app_context():
        assert db.session.scalar(select(Redemption.center_id)) == desk.center_id


def test_a_center_clerk_cannot_choose_another_desk(
    desk: Account, other_center_desk: Account, clerk: Console
) -> None:
    response = clerk.post(
        "/console/desk/center", {"center_id": other_center_desk.center_id}, htmx=False
    )

    assert response.status_code == 422


# -- cost ------------------------------------------------------------------------------------


def statements_of(app: Flask, request: Any) -> list[str]:
    """The SQL statements one request sends (the desk's scan → card is its hot path)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)
    return sent


def test_the_card_costs_the_same_few_queries_however_long_the_history(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    clerk: Console,
) -> None:
    newcomer = make.resident(desk.center_id, name="张明")
    regular = make.resident(desk.center_id, name="李建国")
    events = [all_day_event(app, make, desk.center_id) for _ in range(4)]
    gifts = [
        gift(client, manager, stock=9, cost=10 + n, limit_quantity=3, limit_period="month")
        for n in range(4)
    ]
    for resident, times in ((newcomer, 1), (regular, 4)):
        make.credit(resident.id, 500)
        for event_id, item_id in zip(events[:times], gifts[:times], strict=True):
            make.checkin(event_id, resident.id)
            client.post(
                "/api/v1/redemptions",
                headers=desk.headers,
                json={"resident_id": resident.id, "item_id": item_id},
            )

    def scan(resident: Account) -> list[str]:
        code = member_code(client, resident)
        return statements_of(app, lambda: clerk.post("/console/desk/scan", {"code": code}))

    few, many = scan(newcomer), scan(regular)

    assert len(many) == len(few) <= 14, "\n\n".join(many)
