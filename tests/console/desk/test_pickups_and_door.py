"""Pickup codes handed over at the desk (and the budget of wrong ones), door mode checking in
each resident scanned, and a personal slip checking its resident in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalog.models import Redemption
from core.db import db
from events import service as events_service
from events.models import Checkin
from tests.catalog.test_redemption import gift
from tests.consoles import Console, html, idempotency_key, log_in, result_code, text_of
from tests.desks import all_day_event, balance, count, member_code, reserve
from tests.events.test_checkin import qr
from tests.factories import Account, Factory


# -- pickup codes ----------------------------------------------------------------------------
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
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account, clerk: Console
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
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account, clerk: Console
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
