"""What the clerk does from the card: check in, redeem a gift (previewed, then confirmed once),
take a gift back, annul a check-in; each checked against the state it changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalog.models import Redemption
from core.db import db
from events import service as events_service
from events.models import Checkin, ScanAttempt
from tests.catalog.test_redemption import gift, stock_at
from tests.consoles import Console, html, idempotency_key, result_code, text_of
from tests.desks import all_day_event, balance, count, redeem_at_desk
from tests.factories import Account, Factory

HTML = "text/html; charset=utf-8"


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


def test_the_clerk_hands_over_several_of_a_gift_as_one_redemption(
    app: Flask, client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=3, cost=30)
    one = {"item_id": item_id, "resident_id": resident.id}

    first = clerk.post("/console/desk/redeem/preview", one)
    two = clerk.post("/console/desk/redeem/preview", {**one, "quantity": 2})
    handed = clerk.post(
        "/console/desk/redeem",
        {**one, "quantity": 2},
        headers={"Idempotency-Key": idempotency_key(two, "confirm")},
    )

    assert 'data-testid="quantity-less"' in html(first)
    assert re.search(r'data-testid="quantity-less"[^>]*disabled', html(first))
    assert text_of(two, "quantity") == "2"
    assert text_of(two, "preview-cost") == "60"
    assert text_of(two, "preview-after") == "40"
    # A third would cost 90 of the 100 points and stock holds three: still allowed.
    assert not re.search(r'data-testid="quantity-more"[^>]*disabled', html(two))
    assert (handed.status_code, result_code(handed)) == (200, "redeemed")
    assert "× 2" in text_of(handed, "result")
    assert balance(app, resident) == 40
    assert stock_at(client, manager, item_id, manager.center_id) == 1
    with app.app_context():
        assert db.session.scalars(select(Redemption.quantity)).all() == [2]


def test_the_preview_offers_no_more_than_the_resident_can_afford(
    client: FlaskClient, manager: Account, resident: Account, clerk: Console
) -> None:
    item_id = gift(client, manager, stock=9, cost=40)

    two = clerk.post(
        "/console/desk/redeem/preview",
        {"item_id": item_id, "resident_id": resident.id, "quantity": 2},
    )

    assert text_of(two, "preview-cost") == "80"
    assert re.search(r'data-testid="quantity-more"[^>]*disabled', html(two))  # 120 > 100


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
    redeem_at_desk(clerk, form)

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
    redeem_at_desk(clerk, form)
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
