"""The desk page and its scan box: a scanned member code or a search opens the resident's card, a
stale code is refused in words, and the card costs the same few queries however long the
history."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from core.db import db
from core.localtime import zone_of
from identity.models import AuditEvent
from tests.catalog.test_redemption import gift, redeem
from tests.consoles import Console, html, result_code, text_of
from tests.desks import all_day_event, count, member_code
from tests.factories import Account, Factory

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
            redeem(client, desk, resident.id, item_id)

    def scan(resident: Account) -> list[str]:
        code = member_code(client, resident)
        return statements_of(app, lambda: clerk.post("/console/desk/scan", {"code": code}))

    few, many = scan(newcomer), scan(regular)

    # 14 for the card, and 2 for its level, streak and badges (gamification.service.glance).
    assert len(many) == len(few) <= 16, "\n\n".join(many)
