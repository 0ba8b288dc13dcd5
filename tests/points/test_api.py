"""Staff views of a ledger, and manager adjustments, over HTTP (a resident's own: tests/me)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from points.models import LedgerTransaction
from tests.factories import Factory


def transactions(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(LedgerTransaction.id))))


def test_staff_read_a_ledger_of_their_center_only(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    ours = make.resident(desk.center_id)
    theirs = make.resident(make.center())
    make.credit(ours.id, 10)

    own = client.get(f"/api/v1/residents/{ours.id}/ledger", headers=desk.headers)
    other = client.get(f"/api/v1/residents/{theirs.id}/ledger", headers=desk.headers)
    by_resident = client.get(f"/api/v1/residents/{ours.id}/ledger", headers=ours.headers)

    assert own.status_code == 200
    assert [e["delta"] for e in own.json["items"]] == [10]
    assert (other.status_code, other.json["code"]) == (404, "not_found")
    assert (by_resident.status_code, by_resident.json["code"]) == (403, "forbidden")


def adjust(client: FlaskClient, headers: dict[str, str], resident_id: int, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/residents/{resident_id}/adjustments", headers=headers, json=body)


def test_a_manager_adjusts_with_a_reason_the_resident_reads(
    client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)

    added = adjust(client, manager.headers, resident.id, points=50, reason="补录纸质积分卡")
    taken = adjust(client, manager.headers, resident.id, points=-20, reason="重复录入更正")
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]

    assert added.status_code == 201
    assert (added.json["points"], added.json["balance"]) == (50, 50)
    assert (taken.json["points"], taken.json["balance"]) == (-20, 30)
    assert [(e["kind"], e["delta"], e["reason"]) for e in ledger] == [
        ("adjust", -20, "重复录入更正"),
        ("adjust", 50, "补录纸质积分卡"),
    ]


def test_an_adjustment_never_overdraws(app: Flask, client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    make.credit(resident.id, 10)

    response = adjust(client, manager.headers, resident.id, points=-11, reason="更正")

    assert (response.status_code, response.json["code"]) == (409, "insufficient_points")
    assert transactions(app) == 1


def test_an_adjustment_needs_a_reason_and_a_manager(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    desk = make.staff("staff", center_id=manager.center_id)
    resident = make.resident(manager.center_id)

    no_reason = adjust(client, manager.headers, resident.id, points=5)
    zero = adjust(client, manager.headers, resident.id, points=0, reason="nothing")
    by_desk = adjust(client, desk.headers, resident.id, points=5, reason="more")
    elsewhere = adjust(client, manager.headers, make.resident().id, points=5, reason="more")

    assert (no_reason.status_code, list(no_reason.json["errors"])) == (422, ["reason"])
    assert (zero.status_code, list(zero.json["errors"])) == (422, ["points"])
    assert (by_desk.status_code, by_desk.json["code"]) == (403, "forbidden")
    assert (elsewhere.status_code, elsewhere.json["code"]) == (404, "not_found")


def test_a_replayed_idempotency_key_returns_the_first_response_and_moves_nothing(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    headers = {**manager.headers, "Idempotency-Key": "desk-7-0001"}

    first = adjust(client, headers, resident.id, points=50, reason="补录")
    replay = adjust(client, headers, resident.id, points=50, reason="补录")
    reused = adjust(client, headers, resident.id, points=60, reason="补录")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert (reused.status_code, reused.json["code"]) == (409, "idempotency_key_reused")
    assert transactions(app) == 1


def test_idempotency_keys_belong_to_their_user(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    first, second = make.staff("manager", center_id=center), make.staff("manager", center_id=center)
    resident = make.resident(center)

    for manager in (first, second):
        response = adjust(
            client,
            {**manager.headers, "Idempotency-Key": "same"},
            resident.id,
            points=5,
            reason="补录",
        )
        assert response.status_code == 201
    assert transactions(app) == 2


def test_a_refused_request_does_not_burn_its_key(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    headers = {**manager.headers, "Idempotency-Key": "retry-me"}

    refused = adjust(client, headers, resident.id, points=-5, reason="更正")
    make.credit(resident.id, 10)
    retried = adjust(client, headers, resident.id, points=-5, reason="更正")

    assert refused.json["code"] == "insufficient_points"
    assert (retried.status_code, retried.json["balance"]) == (201, 5)


def test_a_malformed_idempotency_key_is_a_bad_request(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)

    for key in ("has space", "x" * 65):
        response = adjust(
            client,
            {**manager.headers, "Idempotency-Key": key},
            resident.id,
            points=5,
            reason="补录",
        )
        assert (response.status_code, response.json["code"]) == (400, "bad_request")
