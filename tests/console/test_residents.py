"""The residents area: registering a resident at the desk, their page, and printing,
re-issuing and revoking their member card, on the same services as the API."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from identity.models import MemberCard, Resident
from tests.consoles import Console, log_in
from tests.factories import Account, Factory

_CARD_CODE = re.compile(r'data-testid="card-code">([A-Z0-9-]+)<')


def register(console: Console, **fields: str) -> Any:
    return console.post("/console/residents/new", {"name": "黄秀英", **fields})


def registered(console: Console, **fields: str) -> int:
    """A resident the console registered: their id, from where the form sends the browser."""
    response = register(console, **{"phone": "13812341234", **fields})
    assert response.status_code == 200, response.get_data(as_text=True)
    found = re.fullmatch(r"/console/residents/(\d+)", response.headers["HX-Redirect"])
    assert found, response.headers["HX-Redirect"]
    return int(found.group(1))


def print_card(console: Console, resident_id: int, **fields: str) -> Any:
    return console.post(f"/console/residents/{resident_id}/card", fields, htmx=False)


def printed_code(page: Any) -> str:
    """The code a printed card carries, as its QR holds it (without the groups' dashes)."""
    found = _CARD_CODE.search(page.get_data(as_text=True))
    assert found, "the page shows no card code"
    return found.group(1).replace("-", "")


def check_in(client: FlaskClient, desk: Account, event_id: int, member_code: str) -> Any:
    return client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"member_code": member_code},
    )


def card_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(MemberCard)) or 0)


def test_a_clerk_registers_a_resident_and_prints_their_card(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    console = log_in(app, desk)
    resident_id = registered(console)

    before = console.get(f"/console/residents/{resident_id}").get_data(as_text=True)
    card = print_card(console, resident_id)
    after = console.get(f"/console/residents/{resident_id}").get_data(as_text=True)

    assert "黄秀英" in before and "138****1234" in before
    assert "13812341234" not in before
    assert 'data-status="none"' in before
    assert card.status_code == 200
    page = card.get_data(as_text=True)
    code = printed_code(card)
    assert re.fullmatch(r"HPC[0-9A-Z]{16}", code)
    assert "<svg" in page and "member_card.css" in page and "data-print" in page
    assert "黄秀英" in page and "138****1234" in page
    with app.app_context():
        center_id = db.session.get(Resident, resident_id).center_id  # type: ignore[union-attr]
    assert center_id == desk.center_id
    assert 'data-status="live"' in after and code[-4:] in after
    assert code not in after  # shown once, at printing
    checked_in = check_in(client, desk, make.event(desk.center_id), code)
    assert checked_in.status_code == 201, checked_in.json


def test_re_issuing_a_lost_card_revokes_the_old_one(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    console = log_in(app, desk)
    resident_id = registered(console)
    make.credit(resident_id, 100)
    old = printed_code(print_card(console, resident_id))

    new = printed_code(print_card(console, resident_id, reissue_reason="卡片遗失"))

    old_scan = check_in(client, desk, make.event(desk.center_id), old)
    old_gift = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"member_code": old, "item_id": a_gift(client, manager)},
    )
    new_scan = check_in(client, desk, make.event(desk.center_id), new)
    assert new != old
    assert (old_scan.status_code, old_scan.json["code"]) == (410, "card_revoked")
    assert (old_gift.status_code, old_gift.json["code"]) == (410, "card_revoked")
    assert new_scan.status_code == 201
    page = console.get(f"/console/residents/{resident_id}").get_data(as_text=True)
    assert 'data-status="live"' in page and new[-4:] in page


def test_printing_again_without_saying_why_keeps_the_card_in_use(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    console = log_in(app, desk)
    resident_id = registered(console)
    code = printed_code(print_card(console, resident_id))

    again = print_card(console, resident_id)  # a second click, or the form sent twice

    assert again.status_code == 409
    assert 'data-code="member_card_exists"' in again.get_data(as_text=True)
    assert card_count(app) == 1
    assert check_in(client, desk, make.event(desk.center_id), code).status_code == 201


def test_a_revoked_card_is_refused_and_the_page_says_why(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    console = log_in(app, desk)
    resident_id = registered(console)
    code = printed_code(print_card(console, resident_id))

    revoked = console.post(
        f"/console/residents/{resident_id}/card/revoke", {"reason": "<b>居民报失</b>"}
    )

    assert revoked.status_code == 200
    assert revoked.headers["HX-Redirect"] == f"/console/residents/{resident_id}"
    page = console.get(f"/console/residents/{resident_id}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "&lt;b&gt;居民报失&lt;/b&gt;" in page
    scanned = check_in(client, desk, make.event(desk.center_id), code)
    assert (scanned.status_code, scanned.json["code"]) == (410, "card_revoked")


def test_a_registration_refused_says_why_in_place_and_registers_no_one(
    app: Flask, desk: Account
) -> None:
    console = log_in(app, desk)

    response = register(console, phone="12345")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-code="validation_error"' in html and "11" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resident)) == 0


def test_district_staff_say_at_which_center_a_resident_registers(
    app: Flask, desk: Account, district_manager: Account
) -> None:
    console = log_in(app, district_manager)

    form = console.get("/console/residents/new").get_data(as_text=True)
    without = register(console)
    resident_id = registered(console, center_id=str(desk.center_id))

    assert 'name="center_id"' in form
    assert without.status_code == 422
    with app.app_context():
        assert db.session.get(Resident, resident_id).center_id == desk.center_id  # type: ignore[union-attr]


def test_a_card_form_without_the_csrf_token_is_refused(
    app: Flask, desk: Account, resident: Account
) -> None:
    console = log_in(app, desk)

    response = console.client.post(f"/console/residents/{resident.id}/card")
    revoke = console.client.post(
        f"/console/residents/{resident.id}/card/revoke", data={"reason": "居民报失"}
    )
    signup = console.client.post("/console/residents/new", data={"name": "黄秀英"})

    for refused in (response, revoke, signup):
        assert refused.status_code == 400
        assert 'data-code="csrf_failed"' in refused.get_data(as_text=True)
    assert card_count(app) == 0


def test_another_centers_clerk_sees_nothing_of_this_centers_residents(
    app: Flask, desk: Account, other_center_desk: Account
) -> None:
    registered(log_in(app, desk))
    with app.app_context():
        resident_id = db.session.scalars(select(Resident.id)).one()
    elsewhere = log_in(app, other_center_desk)

    listed = elsewhere.get("/console/residents").get_data(as_text=True)
    searched = elsewhere.get("/console/residents?q=黄秀英").get_data(as_text=True)
    opened = elsewhere.get(f"/console/residents/{resident_id}")
    printed = print_card(elsewhere, resident_id)

    link = f'href="/console/residents/{resident_id}"'
    assert link not in listed and "138****1234" not in listed
    assert link not in searched and "138****1234" not in searched
    assert opened.status_code == 404 and "黄秀英" not in opened.get_data(as_text=True)
    assert printed.status_code == 404
    assert card_count(app) == 0


def test_the_list_finds_residents_by_phone_tail_and_links_to_their_page(
    app: Flask, desk: Account
) -> None:
    console = log_in(app, desk)
    resident_id = registered(console)
    registered(console, name="李建国", phone="13900001111")

    page = console.get("/console/residents?q=1234").get_data(as_text=True)

    assert f'href="/console/residents/{resident_id}"' in page
    assert "黄秀英" in page and "李建国" not in page


def a_gift(client: FlaskClient, manager: Account) -> int:
    item = client.post(
        "/api/v1/catalog/items",
        headers=manager.headers,
        json={"name": "腰围尺", "points_cost": 30},
    )
    client.post(
        f"/api/v1/catalog/items/{item.json['id']}/stock",
        headers=manager.headers,
        json={"center_id": manager.center_id, "delta": 5, "reason": "received"},
    )
    return int(item.json["id"])
