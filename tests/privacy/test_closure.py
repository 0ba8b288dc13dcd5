"""A resident closes their account: everything open is settled, who they were is erased, the
ledger stays and still verifies, and no token of theirs works afterwards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalog.models import Redemption
from core.db import db, utcnow
from core.errors import TokenRevoked
from events.models import Checkin, Event, FollowUp, ScanAttempt
from gamification.models import BadgeAward, LeaderboardPlayer
from identity import sessions
from identity.models import (
    AuditEvent,
    Consent,
    MemberCard,
    RefreshToken,
    Resident,
    ResidentCondition,
)
from points import ledger
from points.ledger import Source
from points.models import LedgerEntry, LedgerTransaction
from points.verify import verify
from privacy import closure
from tests.catalog.test_redemption import gift, stock_at
from tests.catalog.test_reservations import reserve
from tests.events.test_checkin_results import poster_token
from tests.factories import Account, Factory, credit
from tests.identity.test_member_cards import check_in, print_card
from tests.identity.test_residents import consent_and_tag
from tests.racing import race

CLOSE = "/api/v1/me"


def close(client: FlaskClient, resident: Account, **headers: str):  # type: ignore[no-untyped-def]
    return client.delete(CLOSE, headers={**resident.headers, **headers})


def an_account_in_use(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> tuple[Account, dict[str, Any]]:
    """A resident with points, a reservation, consent and tags, a follow-up, a check-in, an
    event made for them alone, and a member code shown at the desk."""
    resident = make.resident(desk.center_id, name="黄秀英", phone="13812341234", openid="o-huang")
    make.credit(resident.id, 100)
    lecture = make.event(desk.center_id)
    scanned = client.post(
        "/api/v1/checkins",
        headers={**resident.headers, "User-Agent": "WeChat/8.0.50 iPhone"},
        json={"token": poster_token(client.application, lecture)},
    )
    item_id = gift(client, manager, stock=3, cost=40)
    reservation = reserve(client, resident, item_id, desk.center_id)
    consent_and_tag(client, desk, resident, "hypertension")
    followup = client.post(
        "/api/v1/followups",
        headers=desk.headers,
        json={"resident_id": resident.id, "condition": "hypertension", "due_on": "2099-01-01"},
    )
    personal_event = make.event(
        desk.center_id,
        kind="followup",
        title="黄秀英高血压随访",
        location="东风东路 23 号 502 房（上门随访）",
        resident_id=resident.id,
        starts_in=timedelta(days=2),
    )
    member_code = client.get("/api/v1/me/member-code", headers=resident.headers).json["code"]
    assert (scanned.status_code, reservation.status_code, followup.status_code) == (201, 201, 201)
    return resident, {
        "item_id": item_id,
        "reservation_id": reservation.json["id"],
        "personal_event": personal_event,
        "member_code": member_code,
    }


def test_closing_settles_reservations_and_points_and_the_ledger_still_verifies(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident, made = an_account_in_use(client, make, desk, manager)
    before = client.get("/api/v1/me", headers=resident.headers).json
    with app.app_context():
        entries_before = db.session.scalar(
            select(func.count()).where(LedgerEntry.resident_id == resident.id)
        )

    closed = close(client, resident)

    assert closed.status_code == 204
    assert stock_at(client, desk, made["item_id"], desk.center_id) == 3
    with app.app_context():
        reservation = db.session.get(Redemption, made["reservation_id"])
        assert (reservation.status, reservation.cancel_reason) == ("cancelled", "账户注销")
        last = db.session.execute(
            select(LedgerEntry, LedgerTransaction)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.resident_id == resident.id)
            .order_by(LedgerEntry.seq.desc())
            .limit(1)
        ).one()
        assert (last.LedgerTransaction.kind, last.LedgerTransaction.reason) == (
            "expire",
            "账户注销",
        )
        # The points held for the gift came back first, so the whole balance is forfeited.
        assert before["reserved"] == 40
        assert (last.LedgerEntry.delta, last.LedgerEntry.balance_after) == (-before["balance"], 0)
        assert last.LedgerEntry.seq == entries_before + 1  # every earlier entry kept
        assert verify() == []


def test_closing_erases_who_the_resident_was_and_keeps_the_consent_records(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident, made = an_account_in_use(client, make, desk, manager)
    balance = client.get("/api/v1/me", headers=resident.headers).json["balance"]
    with app.app_context():
        secret_before = db.session.get(Resident, resident.id).member_secret

    close(client, resident)

    desk_lookup = client.post(
        "/api/v1/redemptions/preview",
        headers=desk.headers,
        json={"member_code": made["member_code"], "item_id": made["item_id"]},
    )
    assert (desk_lookup.status_code, desk_lookup.json["code"]) == (400, "invalid_qr")
    with app.app_context():
        row = db.session.get(Resident, resident.id)
        assert (row.name, row.phone, row.openid, row.unionid) == (None, None, None, None)
        assert row.phone_verified_at is None  # the number is free for a new account
        assert row.closed_at is not None and row.member_secret != secret_before
        assert row.center_id == desk.center_id  # statistics still count by center
        consents = db.session.scalars(select(Consent).where(Consent.resident_id == resident.id))
        assert [c.withdrawn_at is not None for c in consents] == [True]
        for table in (ResidentCondition, FollowUp):
            assert (
                db.session.scalars(select(table).where(table.resident_id == resident.id)).all()
                == []
            )
        event = db.session.get(Event, made["personal_event"])
        assert (event.title, event.location, event.cancelled_at is not None) == ("随访", None, True)
        scans = db.session.execute(
            select(ScanAttempt.client_ip, ScanAttempt.user_agent).where(
                ScanAttempt.resident_id == resident.id
            )
        ).all()
        assert scans and all(tuple(scan) == (None, None) for scan in scans)
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.close")
        ).one()
        assert (audit.actor_kind, audit.actor_id, audit.resident_id) == (
            "resident",
            resident.id,
            resident.id,
        )
        assert audit.detail == f"points={balance} reservations=1"


def test_closing_erases_the_member_cards_so_a_card_finds_no_one(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident = make.resident(desk.center_id)
    code = print_card(client, desk, resident.id).json["code"]
    event_id = make.event(desk.center_id)

    close(client, resident)

    scanned = check_in(client, desk, event_id, code)
    assert (scanned.status_code, scanned.json["code"]) == (400, "invalid_qr")
    with app.app_context():
        cards = select(MemberCard).where(MemberCard.resident_id == resident.id)
        assert db.session.scalars(cards).all() == []


def test_closing_erases_the_reason_a_record_of_theirs_was_merged(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id, name="黄秀英")
    registered = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "黄秀英", "phone": "13812341234"}
    ).json["id"]
    merged = client.post(
        f"/api/v1/residents/{resident.id}/merge",
        headers=manager.headers,
        json={"from_resident_id": registered, "reason": "黄秀英本人：窗口登记后又用微信注册"},
    )
    assert merged.status_code == 200

    close(client, resident)

    with app.app_context():
        absorbed = db.session.get(Resident, registered)
        assert (absorbed.merged_into_id, absorbed.merge_reason) == (resident.id, None)


def test_no_token_of_a_closed_account_works(app: Flask, client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    other_login = client.post("/api/v1/auth/wechat", json={"code": "dev:o-other-login"})
    assert other_login.status_code == 200

    close(client, resident)

    refreshed = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": resident.tokens["refresh_token"]}
    )
    assert (refreshed.status_code, refreshed.json["code"]) == (401, "token_revoked")
    consent = {"purpose": "health_conditions", "version": "2026-01"}
    for method, path, body in (
        ("GET", "/api/v1/me", None),
        ("PATCH", "/api/v1/me", {"name": "陈伟"}),
        ("GET", "/api/v1/me/member-code", None),
        ("GET", "/api/v1/me/export", None),
        ("POST", "/api/v1/me/consents", consent),
        ("DELETE", "/api/v1/me/consents/health_conditions", None),
    ):
        refused = client.open(path, method=method, headers=resident.headers, json=body)
        assert (refused.status_code, refused.json["code"]) == (401, "token_revoked"), path
    with app.app_context():
        tokens = db.session.scalars(
            select(RefreshToken).where(RefreshToken.resident_id == resident.id)
        ).all()
        assert tokens and all(token.revoked_at is not None for token in tokens)


def test_a_closed_account_earns_and_spends_nothing_more(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    make.credit(resident.id, 30)
    close(client, resident)

    with app.app_context(), pytest.raises(TokenRevoked):
        credit(resident.id, 10, Source("test", "after-closing", "测试积分"))


def test_to_staff_a_closed_account_no_longer_exists(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id)
    close(client, resident)

    opened = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers)
    adjusted = client.post(
        f"/api/v1/residents/{resident.id}/adjustments",
        headers=manager.headers,
        json={"points": 50, "reason": "补录纸质积分"},
    )
    listed = client.get("/api/v1/residents", headers=desk.headers)

    assert (opened.status_code, opened.json["code"]) == (404, "not_found")
    assert (adjusted.status_code, adjusted.json["code"]) == (404, "not_found")
    assert resident.id not in [r["id"] for r in listed.json["items"]]


def test_a_check_in_that_waited_for_the_closing_is_undone(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """The check-in read the resident open, then waited for the account's lock while the
    closing held it: the account it gets is closed, and nothing of it stays."""
    resident = make.resident()
    event_id = make.event(resident.center_id)
    with app.app_context():
        ledger.lock_account(resident.id)
        ledger.close_account(resident.id, utcnow())  # as the closing leaves it, lock released
        db.session.commit()

    scanned = client.post(
        "/api/v1/checkins",
        headers=resident.headers,
        json={"token": poster_token(app, event_id)},
    )

    assert (scanned.status_code, scanned.json["code"]) == (401, "token_revoked")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Checkin)) == 0
        assert db.session.scalars(select(LedgerTransaction)).all() == []


def test_a_refresh_token_issued_as_the_account_closed_does_not_work(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    close(client, resident)
    with app.app_context():
        # A login that read the account just before it closed: its token outlives the revoking.
        late = sessions.start(db.session.get(Resident, resident.id))
        db.session.commit()

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": late["refresh_token"]})

    assert (refreshed.status_code, refreshed.json["code"]) == (401, "token_revoked")


def test_a_second_delete_is_refused_and_a_retry_with_its_key_replays_the_first(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    make.credit(resident.id, 30)

    first = close(client, resident, **{"Idempotency-Key": "close-1"})
    retried = close(client, resident, **{"Idempotency-Key": "close-1"})
    again = close(client, resident)

    assert first.status_code == 204
    assert (retried.status_code, retried.headers.get("Idempotent-Replayed")) == (204, "true")
    assert (again.status_code, again.json["code"]) == (401, "token_revoked")
    with app.app_context():
        closings = db.session.scalar(
            select(func.count()).where(LedgerTransaction.source_type == "closure")
        )
        assert closings == 1


def test_only_a_resident_closes_an_account(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    refused = client.delete(CLOSE, headers=desk.headers)

    assert (refused.status_code, refused.json["code"]) == (403, "forbidden")


def test_logging_in_again_with_wechat_starts_a_new_empty_account(
    client: FlaskClient, make: Factory
) -> None:
    resident = make.resident(openid="o-returning")
    make.credit(resident.id, 50)
    close(client, resident)

    login = client.post("/api/v1/auth/wechat", json={"code": "dev:o-returning"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"})

    assert login.status_code == 200
    assert login.json["resident"]["id"] != resident.id
    assert (me.json["name"], me.json["balance"]) == (None, 0)


def test_an_account_that_never_had_points_closes_without_a_ledger_entry(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    assert close(client, resident).status_code == 204
    with app.app_context():
        assert db.session.scalars(select(LedgerTransaction)).all() == []


def test_two_closings_at_once_settle_once(racing_app: Flask, make: Factory) -> None:
    resident = make.resident()
    make.credit(resident.id, 70)

    results = race(racing_app, 2, lambda _: closure.close_account(resident.principal, utcnow()))

    assert sorted(type(r).__name__ for r in results) == ["NoneType", TokenRevoked.__name__]
    with racing_app.app_context():
        settled = db.session.scalars(
            select(LedgerTransaction.amount).where(LedgerTransaction.source_type == "closure")
        ).all()
        assert settled == [-70]
        assert verify() == []


def test_the_document_shows_the_retry_key(client: FlaskClient) -> None:
    operation = client.get("/api/openapi.json").json["paths"]["/api/v1/me"]["delete"]

    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}

    assert ("header", "Idempotency-Key") in parameters


def test_closing_erases_the_residents_game_and_a_rebuild_brings_none_back(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = True
    resident = make.resident(desk.center_id)
    make.checkin(make.event(desk.center_id), resident.id)
    opted = client.put("/api/v1/me", headers=resident.headers, json={"leaderboard_opt_in": True})
    assert opted.status_code == 200, opted.json

    close(client, resident)
    rebuilt = app.test_cli_runner().invoke(args=["gamification", "rebuild"])

    assert rebuilt.exit_code == 0, rebuilt.output
    with app.app_context():
        for table in (BadgeAward, LeaderboardPlayer):
            held = select(table).where(table.resident_id == resident.id)
            assert db.session.scalars(held).all() == [], table.__tablename__
