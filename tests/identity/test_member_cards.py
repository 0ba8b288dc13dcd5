"""Member cards: printed at the desk for residents without a smartphone, read by the desk
scanner like the phone's member code, revoked when lost and printed again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.db import db, utcnow
from identity.models import AuditEvent, MemberCard
from tests.factories import Account, Factory

CODE = re.compile(r"^HPC[0-9A-HJKMNP-TV-Z]{16}$")


def desk_registered(client: FlaskClient, desk: Account, name: str = "黄秀英") -> int:
    response = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": name, "phone": "13812341234"}
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def card_url(resident_id: int) -> str:
    return f"/api/v1/residents/{resident_id}/member-card"


def print_card(client: FlaskClient, staff: Account, resident_id: int, **sent: Any) -> Any:
    return client.post(card_url(resident_id), headers=staff.headers, json=sent)


def revoke_card(client: FlaskClient, staff: Account, resident_id: int, reason: str) -> Any:
    return client.delete(card_url(resident_id), headers=staff.headers, json={"reason": reason})


def check_in(client: FlaskClient, desk: Account, event_id: int, member_code: str) -> Any:
    return client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"member_code": member_code},
    )


def a_gift(client: FlaskClient, manager: Account, cost: int = 30) -> int:
    item = client.post(
        "/api/v1/catalog/items",
        headers=manager.headers,
        json={"name": "腰围尺", "points_cost": cost},
    )
    client.post(
        f"/api/v1/catalog/items/{item.json['id']}/stock",
        headers=manager.headers,
        json={"center_id": manager.center_id, "delta": 5, "reason": "received"},
    )
    return int(item.json["id"])


def reads_by_card(app: Flask) -> list[tuple[int | None, str | None]]:
    with app.app_context():
        return [
            (event.resident_id, event.detail)
            for event in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "resident.read")
                .order_by(AuditEvent.id)
            )
            if (event.detail or "").startswith("member card")
        ]


def test_a_printed_card_checks_the_resident_in_like_their_phone_would(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident_id = desk_registered(client, desk)
    event_id = make.event(desk.center_id)

    printed = print_card(client, desk, resident_id)
    checked_in = check_in(client, desk, event_id, printed.json["code"])

    assert printed.status_code == 201
    card = printed.json
    assert CODE.match(card["code"])
    assert (card["status"], card["last_chars"]) == ("live", card["code"][-4:])
    assert card["issued_at"] and card["revoked_at"] is None
    assert checked_in.status_code == 201, checked_in.json
    assert checked_in.json["points_awarded"] == 10
    assert reads_by_card(app) == [(resident_id, f"member card …{card['code'][-4:]}")]


def test_only_the_codes_hash_is_kept_and_the_record_shows_the_card_by_its_last_characters(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    resident_id = desk_registered(client, desk)
    code = print_card(client, desk, resident_id).json["code"]

    opened = client.get(f"/api/v1/residents/{resident_id}", headers=desk.headers)

    assert opened.json["member_card"]["status"] == "live"
    assert opened.json["member_card"]["last_chars"] == code[-4:]
    assert "code" not in opened.json["member_card"]
    with app.app_context():
        dump = db.session.execute(text("SELECT member_cards::text FROM member_cards")).scalar()
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert code not in dump and code[3:] not in dump
    assert "member_card.issue" in actions


def test_the_desk_scanner_reads_the_code_in_lower_case_or_as_printed_in_groups(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident_id = desk_registered(client, desk)
    make.credit(resident_id, 100)
    code = print_card(client, desk, resident_id).json["code"]
    grouped = "-".join([code[:3], code[3:7], code[7:11], code[11:15], code[15:]])
    item_id = a_gift(client, manager)

    redeemed = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"member_code": f" {code.lower()} ", "item_id": item_id},
    )
    checked_in = check_in(client, desk, make.event(desk.center_id), grouped)

    assert redeemed.status_code == 201, redeemed.json
    assert (redeemed.json["resident_id"], redeemed.json["balance"]) == (resident_id, 70)
    assert checked_in.status_code == 201, checked_in.json


def test_a_second_card_is_printed_only_as_a_replacement_which_revokes_the_first(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident_id = desk_registered(client, desk)
    make.credit(resident_id, 100)
    first = print_card(client, desk, resident_id).json["code"]

    again = print_card(client, desk, resident_id)
    replaced = print_card(client, desk, resident_id, reissue_reason="卡片遗失")
    old_scan = check_in(client, desk, make.event(desk.center_id), first)
    old_gift = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"member_code": first, "item_id": a_gift(client, manager)},
    )
    new_scan = check_in(client, desk, make.event(desk.center_id), replaced.json["code"])

    assert (again.status_code, again.json["code"]) == (409, "member_card_exists")
    assert replaced.status_code == 201
    assert replaced.json["code"] != first
    assert (old_scan.status_code, old_scan.json["code"]) == (410, "card_revoked")
    assert (old_gift.status_code, old_gift.json["code"]) == (410, "card_revoked")
    assert new_scan.status_code == 201
    opened = client.get(f"/api/v1/residents/{resident_id}", headers=desk.headers).json
    assert opened["member_card"]["last_chars"] == replaced.json["code"][-4:]


def test_a_revoked_card_is_refused_and_the_record_says_why(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident_id = desk_registered(client, desk)
    code = print_card(client, desk, resident_id).json["code"]

    revoked = revoke_card(client, desk, resident_id, "居民报失")
    twice = revoke_card(client, desk, resident_id, "居民报失")
    scanned = check_in(client, desk, make.event(desk.center_id), code)

    assert revoked.status_code == 200
    assert (revoked.json["status"], revoked.json["revoke_reason"]) == ("revoked", "居民报失")
    assert revoked.json["revoked_at"] is not None
    assert (twice.status_code, twice.json["code"]) == (404, "not_found")
    assert (scanned.status_code, scanned.json["code"]) == (410, "card_revoked")
    opened = client.get(f"/api/v1/residents/{resident_id}", headers=desk.headers).json
    assert opened["member_card"]["status"] == "revoked"
    assert print_card(client, desk, resident_id).status_code == 201


@pytest.mark.parametrize(
    "scanned",
    [
        "HPC0000000000000000",  # the shape of a card, none of ours
        "HPC-UUUU-0000-0000-0000",  # U is not in the alphabet
        "HPC123",
    ],
)
def test_a_code_that_is_none_of_our_cards_is_an_invalid_member_code(
    client: FlaskClient, make: Factory, desk: Account, scanned: str
) -> None:
    desk_registered(client, desk)

    response = check_in(client, desk, make.event(desk.center_id), scanned)

    assert (response.status_code, response.json["code"]) == (400, "invalid_qr")


def test_any_centers_desk_reads_a_card_but_only_its_own_center_prints_or_revokes_one(
    client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    resident_id = desk_registered(client, desk)
    code = print_card(client, desk, resident_id).json["code"]

    elsewhere_scan = check_in(
        client, other_center_desk, make.event(other_center_desk.center_id), code
    )
    elsewhere_print = print_card(client, other_center_desk, resident_id, reissue_reason="卡片遗失")
    elsewhere_revoke = revoke_card(client, other_center_desk, resident_id, "居民报失")

    assert elsewhere_scan.status_code == 201
    assert (elsewhere_print.status_code, elsewhere_print.json["code"]) == (404, "not_found")
    assert (elsewhere_revoke.status_code, elsewhere_revoke.json["code"]) == (404, "not_found")
    still = check_in(client, desk, make.event(desk.center_id), code)
    assert still.status_code == 201


def test_a_closed_accounts_card_is_none_of_ours(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident = make.resident(desk.center_id)
    code = print_card(client, desk, resident.id).json["code"]

    closed = client.delete("/api/v1/me", headers=resident.headers)
    scanned = check_in(client, desk, make.event(desk.center_id), code)

    assert closed.status_code == 204, closed.json
    assert (scanned.status_code, scanned.json["code"]) == (400, "invalid_qr")


def test_the_database_holds_a_resident_to_one_live_card(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    resident_id = desk_registered(client, desk)
    print_card(client, desk, resident_id)

    with app.app_context():
        db.session.add(
            MemberCard(
                resident_id=resident_id,
                code_hash="0" * 64,
                last_chars="0000",
                issued_at=utcnow(),
                issued_by_id=desk.id,
            )
        )
        with pytest.raises(IntegrityError, match="uq_member_cards_live_resident"):
            db.session.flush()
        db.session.rollback()


def test_a_revocation_needs_a_reason(client: FlaskClient, desk: Account) -> None:
    resident_id = desk_registered(client, desk)
    print_card(client, desk, resident_id)

    response = client.delete(card_url(resident_id), headers=desk.headers, json={})

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert "reason" in response.json["errors"]
