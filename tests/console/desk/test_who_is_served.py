"""Who the desk serves: every route behind the login and the CSRF token, this center's staff and
managers, a visitor from elsewhere, a district manager choosing the center; nothing for another
center's clerk."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalog.models import Redemption
from core.db import db
from events.models import Checkin
from tests.catalog.test_redemption import gift, redeem
from tests.consoles import Console, csrf_token, html, log_in, result_code, text_of
from tests.desks import all_day_event, count, member_code, redeem_at_desk, reserve
from tests.factories import Account, Factory

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

    response = console.post(path, {"code": "x"}, csrf=False)

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
    redeemed = redeem(client, desk, resident.id, item_id).json["id"]
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
    redeemed = redeem_at_desk(console, form)

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
