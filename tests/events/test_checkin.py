"""Scanning in: the contract's responses and every refusal, the scan log and undo."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.codes import CodeKeys
from core.db import db
from events import codes
from events.models import Checkin, ScanAttempt
from points import ledger
from points.models import LedgerTransaction
from tests.conftest import Build
from tests.factories import Account, Factory
from tests.identity.test_residents import audit_trail


def qr(client: FlaskClient, staff: Account, event_id: int, mode: str = "rotating") -> dict:
    response = client.get(f"/api/v1/events/{event_id}/qr?mode={mode}", headers=staff.headers)
    assert response.status_code == 200, response.json
    return response.json


def scan(client: FlaskClient, resident: Account, **body: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/checkins", headers=resident.headers, json=body)


def rotating_token(app: Flask, event_id: int, at: datetime) -> str:
    keys = CodeKeys.from_config(app.config)
    link = codes.rotating(event_id, keys, at, app.config["PUBLIC_BASE_URL"], 20)
    return link.token


def outcomes(app: Flask) -> list[tuple[int | None, int | None, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                ScanAttempt.event_id,
                ScanAttempt.resident_id,
                ScanAttempt.outcome,
                ScanAttempt.method,
            ).order_by(ScanAttempt.id)
        ).all()
    return [tuple(row) for row in rows]


def test_a_resident_scans_the_projector_and_earns_the_points(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    event_id = make.event(desk.center_id, points=15, by=manager)
    resident = make.resident(desk.center_id)

    response = scan(client, resident, url=qr(client, desk, event_id)["url"])

    assert response.status_code == 201
    body = response.json
    assert body["checkin"]["event_id"] == event_id
    assert (body["points_awarded"], body["balance"], body["already_checked_in"]) == (15, 15, False)
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    assert [(e["kind"], e["delta"], e["reason"]) for e in ledger] == [("earn", 15, "参加健康讲座")]
    assert ledger[0]["source"] == {
        "type": "checkin",
        "id": str(body["checkin"]["id"]),
        "center_id": desk.center_id,
        "title": "控制血压，从吃盐做起",
        "event_id": event_id,
        "item_id": None,
    }
    assert outcomes(app) == [(event_id, resident.id, "checked_in", "self")]


def test_the_event_title_is_never_written_into_the_ledger(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, title="高血压患者随访讲座")
    resident = make.resident(desk.center_id)

    scan(client, resident, token=qr(client, desk, event_id)["token"])

    # The resident's page names the event when read; the kept (chained) ledger never does.
    with app.app_context():
        reasons = db.session.scalars(select(LedgerTransaction.reason)).all()
    assert reasons == ["参加健康讲座"]


def test_a_second_scan_is_a_friendly_200_without_points(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    url = qr(client, desk, event_id)["url"]

    first = scan(client, resident, url=url)
    second = scan(client, resident, url=url)

    assert second.status_code == 200
    assert second.json["checkin"] == first.json["checkin"]
    assert (second.json["points_awarded"], second.json["already_checked_in"]) == (0, True)
    assert second.json["balance"] == first.json["balance"]
    assert [o[2] for o in outcomes(app)] == ["checked_in", "already_checked_in"]


def test_a_code_one_step_old_is_accepted_and_two_steps_old_is_not(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    now = datetime.now(UTC)
    one_step = rotating_token(app, event_id, now - timedelta(seconds=20))
    two_steps = rotating_token(app, event_id, now - timedelta(seconds=40))

    late = scan(client, make.resident(desk.center_id), token=two_steps)
    slow_network = scan(client, make.resident(desk.center_id), token=one_step)

    assert (late.status_code, late.json["code"]) == (410, "qr_expired")
    assert slow_network.status_code == 201


def test_a_forged_code_or_one_from_the_future_is_invalid(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    genuine = rotating_token(app, event_id, datetime.now(UTC))
    forged = genuine[:-4] + ("AAAA" if genuine[-4:] != "AAAA" else "BBBB")
    foreign_keys = CodeKeys(1, {1: b"someone else's key"})
    other_key = codes.rotating(event_id, foreign_keys, datetime.now(UTC), "", 20).token
    unknown_kid = codes.rotating(event_id, CodeKeys(9, {9: b"x"}), datetime.now(UTC), "", 20).token
    future = rotating_token(app, event_id, datetime.now(UTC) + timedelta(minutes=5))

    for token in (forged, other_key, unknown_kid, future, "garbage", "x" * 27):
        response = scan(client, resident, token=token)
        assert (response.status_code, response.json["code"]) == (400, "invalid_qr"), token
    elsewhere = scan(client, resident, url=f"https://evil.example/q/{genuine}")
    assert (elsewhere.status_code, elsewhere.json["code"]) == (400, "invalid_qr")


def test_a_code_names_its_event_and_cannot_be_moved_to_another(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    mine, other = make.event(desk.center_id), make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    token = rotating_token(app, other, datetime.now(UTC))
    raw = bytearray(base64.urlsafe_b64decode(token + "="))
    raw[2:6] = mine.to_bytes(4, "big")  # the event id, with the other event's tag
    moved = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")

    assert scan(client, resident, token=moved).json["code"] == "invalid_qr"
    assert scan(client, resident, token=token).json["checkin"]["event_id"] == other


def test_rotated_keys_still_verify_codes_signed_before(
    build: Build, make: Factory, desk: Account, app: Flask
) -> None:
    event_id = make.event(desk.center_id)
    old_token = rotating_token(app, event_id, datetime.now(UTC))
    rotated = build(
        QR_KEY_ID=2,
        QR_SECRET_KEY="a brand new key of more than 32 characters",
        QR_OLD_KEYS=f"1={app.config['QR_SECRET_KEY']}",
    )

    response = scan(rotated.test_client(), make.resident(desk.center_id), token=old_token)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"starts_in": timedelta(hours=2)}, 409, "checkin_not_open"),
        ({"starts_in": timedelta(hours=-3)}, 409, "checkin_closed"),
    ],
)
def test_scans_outside_the_window_are_refused(
    client: FlaskClient, make: Factory, desk: Account, fields: dict, status: int, code: str
) -> None:
    event_id = make.event(desk.center_id, **fields)

    token = qr(client, desk, event_id, "static")["token"]

    response = scan(client, make.resident(desk.center_id), token=token)

    assert (response.status_code, response.json["code"]) == (status, code)


def test_a_cancelled_event_refuses_scans(client: FlaskClient, make: Factory, desk: Account) -> None:
    event_id = make.event(desk.center_id)
    token = qr(client, desk, event_id, "static")["token"]
    client.post(f"/api/v1/events/{event_id}/cancel", headers=desk.headers)

    response = scan(client, make.resident(desk.center_id), token=token)

    assert (response.status_code, response.json["code"]) == (409, "event_cancelled")


def test_a_full_event_refuses_more_residents_but_not_a_repeat(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, capacity=2)
    token = qr(client, desk, event_id, "static")["token"]
    first, second, third = (make.resident(desk.center_id) for _ in range(3))

    statuses = [scan(client, r, token=token).status_code for r in (first, second)]
    full = scan(client, third, token=token)
    repeat = scan(client, first, token=token)

    assert statuses == [201, 201]
    assert (full.status_code, full.json["code"]) == (409, "event_full")
    assert repeat.status_code == 200
    with app.app_context():
        assert ledger.balance_of(third.id) == (0, 0)
        assert db.session.scalar(select(Checkin.id).where(Checkin.resident_id == third.id)) is None
    assert outcomes(app)[2][2] == "event_full"


def test_a_capped_scan_still_records_attendance(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    client.put(
        "/api/v1/points/rules/lecture",
        headers=manager.headers,
        json={"center_id": desk.center_id, "points": 10, "daily_cap": 10},
    )
    resident = make.resident(desk.center_id)
    morning, afternoon = make.event(desk.center_id), make.event(desk.center_id)

    scan(client, resident, token=qr(client, desk, morning, "static")["token"])
    capped = scan(client, resident, token=qr(client, desk, afternoon, "static")["token"])

    assert capped.status_code == 201
    assert (capped.json["points_awarded"], capped.json["capped"]) == (0, True)
    attendance = client.get(f"/api/v1/events/{afternoon}/attendance", headers=desk.headers).json
    assert [a["resident_id"] for a in attendance["items"]] == [resident.id]


def test_a_personal_code_is_for_its_resident_only_and_once(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, kind="revisit")
    patient, neighbour = make.resident(desk.center_id), make.resident(desk.center_id)
    code = client.post(
        f"/api/v1/events/{event_id}/personal-codes",
        headers=desk.headers,
        json={"resident_id": patient.id},
    ).json

    stolen = scan(client, neighbour, url=code["url"])
    used = scan(client, patient, url=code["url"])
    reused = scan(client, patient, url=code["url"])

    assert (stolen.status_code, stolen.json["code"]) == (403, "not_your_code")
    assert used.status_code == 201
    assert (reused.status_code, reused.json["already_checked_in"]) == (200, True)


def test_the_desk_checks_in_a_resident_by_member_code_or_by_search(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    with_phone, without_phone = make.resident(desk.center_id), make.resident(desk.center_id)
    member_code = client.get("/api/v1/me/member-code", headers=with_phone.headers).json["code"]
    url = f"/api/v1/events/{event_id}/checkins"

    by_code = client.post(url, headers=desk.headers, json={"member_code": member_code})
    by_pick = client.post(url, headers=desk.headers, json={"resident_id": without_phone.id})
    again = client.post(url, headers=desk.headers, json={"resident_id": without_phone.id})

    assert (by_code.status_code, by_pick.status_code, again.status_code) == (201, 201, 200)
    assert by_code.json["points_awarded"] == 10
    assert [o[2:] for o in outcomes(app)] == [
        ("checked_in", "staff"),
        ("checked_in", "staff"),
        ("already_checked_in", "staff"),
    ]
    attendance = client.get(f"/api/v1/events/{event_id}/attendance", headers=desk.headers).json
    assert {a["method"] for a in attendance["items"]} == {"staff"}
    assert {a["staff_id"] for a in attendance["items"]} == {desk.id}
    reads = [e[2:] for e in audit_trail(app) if e[1] == "resident.read"]
    assert (desk.id, with_phone.id, "member code") in reads
    assert (desk.id, without_phone.id, None) in reads


def test_a_stale_or_foreign_member_code_is_refused(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    from identity import member_codes
    from identity.models import Resident

    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    keys = CodeKeys.from_config(app.config)
    with app.app_context():
        stale = member_codes.issue(
            db.session.get(Resident, resident.id), keys, datetime.now(UTC) - timedelta(seconds=70)
        ).code
    url = f"/api/v1/events/{event_id}/checkins"

    old = client.post(url, headers=desk.headers, json={"member_code": stale})
    event_code = client.post(
        url, headers=desk.headers, json={"member_code": qr(client, desk, event_id)["token"]}
    )

    assert (old.status_code, old.json["code"]) == (410, "qr_expired")
    assert (event_code.status_code, event_code.json["code"]) == (400, "invalid_qr")


def test_staff_cannot_check_in_to_another_centers_event(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    elsewhere = make.event(make.center())

    response = client.post(
        f"/api/v1/events/{elsewhere}/checkins",
        headers=desk.headers,
        json={"resident_id": make.resident(desk.center_id).id},
    )

    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_annulling_a_checkin_takes_the_points_back_and_keeps_the_record(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    checkin = scan(client, resident, token=qr(client, desk, event_id)["token"]).json["checkin"]
    url = f"/api/v1/checkins/{checkin['id']}/annul"

    annulled = client.post(url, headers=desk.headers, json={"reason": "代他人扫码"})
    twice = client.post(url, headers=desk.headers, json={"reason": "代他人扫码"})

    assert annulled.status_code == 200
    assert annulled.json["annul_reason"] == "代他人扫码"
    assert (twice.status_code, twice.json["code"]) == (409, "conflict")
    me = client.get("/api/v1/me", headers=resident.headers).json
    assert me["balance"] == 0
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    assert [(e["kind"], e["delta"], e["reason"]) for e in ledger] == [
        ("adjust", -10, "签到作废"),
        ("earn", 10, "参加健康讲座"),
    ]
    attendance = client.get(f"/api/v1/events/{event_id}/attendance", headers=desk.headers).json
    assert attendance["items"][0]["annulled_at"] is not None
    detail = client.get(f"/api/v1/events/{event_id}", headers=desk.headers).json
    assert detail["attendance"] == 0


def test_the_points_of_a_check_in_carry_its_time(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    """A check-in recorded later than it happened (a backfill) earns points dated then."""
    attended_at = datetime(2025, 3, 10, 1, 5, tzinfo=UTC)
    event_id = make.event(desk.center_id, starts_at=attended_at - timedelta(minutes=5))
    resident = make.resident(desk.center_id)

    checkin_id = make.checkin(event_id, resident.id, attended_at)

    (entry,) = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    assert entry["source"]["id"] == str(checkin_id)
    assert datetime.fromisoformat(entry["created_at"]) == attended_at
    with app.app_context():
        credited_at = db.session.scalar(
            select(LedgerTransaction.created_at).where(
                LedgerTransaction.source_id == str(checkin_id)
            )
        )
    assert credited_at == attended_at
