"""A lost pickup code is not a lost gift: the desk finds the resident's reservations from their
member code (or a search) and hands one over after confirming; no code is sent again."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import AuditEvent
from tests.catalog.test_redemption import gift, stock_at
from tests.catalog.test_reservations import lapse, reserve
from tests.factories import Account, Factory

LOOKUP = "/api/v1/redemptions/reservations/lookup"
PICKUP = "/api/v1/redemptions/pickup"


def member_code(client: FlaskClient, resident: Account) -> str:
    return str(client.get("/api/v1/me/member-code", headers=resident.headers).json["code"])


def test_the_desk_finds_what_a_resident_waits_for_at_its_center(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5, cost=10)
    resident, someone_else = make.resident(desk.center_id), make.resident(desk.center_id)
    make.credit(resident.id, 100)
    make.credit(someone_else.id, 100)
    waiting = reserve(client, resident, item_id, desk.center_id).json
    lapsed = reserve(client, resident, item_id, desk.center_id).json
    picked = reserve(client, resident, item_id, desk.center_id).json
    reserve(client, someone_else, item_id, desk.center_id)
    lapse(app, lapsed["id"])
    client.post(PICKUP, headers=desk.headers, json={"pickup_code": picked["pickup_code"]})

    by_code = client.post(
        LOOKUP, headers=desk.headers, json={"member_code": member_code(client, resident)}
    )
    by_search = client.post(LOOKUP, headers=desk.headers, json={"resident_id": resident.id})

    assert by_code.status_code == 200
    assert by_code.json["resident"] == {
        "id": resident.id,
        "name_masked": "陈*",
        "phone_masked": by_code.json["resident"]["phone_masked"],
    }
    assert [r["id"] for r in by_code.json["items"]] == [waiting["id"]]
    found = by_code.json["items"][0]
    assert (found["item"]["name"], found["quantity"], found["points_spent"]) == (
        waiting["item"]["name"],
        1,
        10,
    )
    assert found["expires_at"] == waiting["expires_at"]
    assert "pickup_code" not in found and "pickup_code_hash" not in found
    assert waiting["pickup_code"] not in by_code.get_data(as_text=True)
    assert by_search.json["items"] == by_code.json["items"]


def test_the_desk_hands_a_reservation_over_to_the_resident_who_made_it(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    resident, someone_else = make.resident(desk.center_id), make.resident(desk.center_id)
    make.credit(resident.id, 100)
    reservation = reserve(client, resident, item_id, desk.center_id).json
    fulfil = f"/api/v1/redemptions/{reservation['id']}/fulfil"

    wrong = client.post(fulfil, headers=desk.headers, json={"resident_id": someone_else.id})
    handed = client.post(
        fulfil,
        headers={**desk.headers, "Idempotency-Key": "lost-code-1"},
        json={"member_code": member_code(client, resident)},
    )
    retried = client.post(
        fulfil,
        headers={**desk.headers, "Idempotency-Key": "lost-code-1"},
        json={"member_code": member_code(client, resident)},
    )
    again = client.post(fulfil, headers=desk.headers, json={"resident_id": resident.id})
    by_code = client.post(
        PICKUP, headers=desk.headers, json={"pickup_code": reservation["pickup_code"]}
    )

    assert (wrong.status_code, wrong.json["code"]) == (409, "not_their_reservation")
    assert handed.status_code == 200
    assert (handed.json["status"], handed.json["balance"], handed.json["staff_id"]) == (
        "fulfilled",
        60,
        desk.id,
    )
    assert handed.json["item"]["id"] == item_id
    assert (retried.status_code, retried.json) == (200, handed.json)
    assert (again.status_code, again.json["code"]) == (409, "conflict")
    assert (by_code.status_code, by_code.json["code"]) == (404, "not_found")
    assert stock_at(client, desk, item_id, desk.center_id) == 0
    with app.app_context():
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reservation.fulfil_without_code")
        ).all()
        assert [(a.actor_id, a.resident_id, a.detail) for a in audited] == [
            (desk.id, resident.id, str(reservation["id"]))
        ]


def test_a_lapsed_reservation_or_another_centers_is_not_handed_over(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    lapsed = reserve(client, resident, item_id, desk.center_id).json
    waiting = reserve(client, resident, item_id, desk.center_id).json
    lapse(app, lapsed["id"])
    elsewhere = make.staff("staff")

    late = client.post(
        f"/api/v1/redemptions/{lapsed['id']}/fulfil",
        headers=desk.headers,
        json={"resident_id": resident.id},
    )
    other_desk = client.post(
        f"/api/v1/redemptions/{waiting['id']}/fulfil",
        headers=elsewhere.headers,
        json={"member_code": member_code(client, resident)},
    )
    other_lookup = client.post(
        LOOKUP, headers=elsewhere.headers, json={"member_code": member_code(client, resident)}
    )

    assert (late.status_code, late.json["code"]) == (409, "conflict")
    assert (other_desk.status_code, other_desk.json["code"]) == (404, "not_found")
    assert (other_lookup.status_code, other_lookup.json["items"]) == (200, [])
