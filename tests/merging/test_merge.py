"""Managers merge two records of one person found later: the points move by ledger transactions
on both chains, everything else is re-pointed, the merge is audited and the ledger verifies."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db, utcnow
from events.models import Checkin
from identity import card_codes
from identity.card_codes import CardRevoked
from identity.merging import CARD_REVOKE_REASON, AlreadyMerged
from identity.models import AuditEvent, MemberCard, Resident
from merging import service as merging
from points import ledger
from points.models import LedgerEntry, LedgerTransaction, PointsHold, PointsLot
from tests.catalog.test_redemption import gift, redeem
from tests.catalog.test_reservations import reserve
from tests.factories import Account, Factory
from tests.merging.test_link import LATE_2027, MID_2027, NUMBER, register
from tests.racing import race

REASON = "同一人：窗口登记后又用微信注册"


def merge(client: FlaskClient, manager: Account, into: int, absorbed: int, **headers: str) -> Any:
    return client.post(
        f"/api/v1/residents/{into}/merge",
        headers={**manager.headers, **headers},
        json={"from_resident_id": absorbed, "reason": REASON},
    )


def chain(app: Flask, resident_id: int) -> list[tuple[int, int, str, str | None]]:
    """``(delta, balance_after, kind, source_id)`` of a resident's entries, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(LedgerEntry.delta, LedgerEntry.balance_after, LedgerTransaction)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.resident_id == resident_id)
            .order_by(LedgerEntry.seq)
        ).all()
        return [
            (delta, balance_after, moved.kind, moved.source_id)
            for delta, balance_after, moved in rows
        ]


def balance(app: Flask, resident_id: int) -> tuple[int, int]:
    with app.app_context():
        return ledger.balance_of(resident_id)


def test_a_merge_moves_the_points_on_both_chains_with_the_reservation_held(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept = register(client, desk)
    make.credit(kept, 100, expires_at=LATE_2027)
    other = make.resident(desk.center_id, openid="o-huang")
    make.credit(other.id, 40, expires_at=MID_2027)
    make.credit(other.id, 20)
    item_id = gift(client, manager, stock=2, cost=30)
    reserved = reserve(client, other, item_id, desk.center_id)
    assert reserved.status_code == 201

    merged = merge(client, manager, kept, other.id)

    assert merged.status_code == 200, merged.json
    assert (merged.json["resident"]["id"], merged.json["from_resident_id"]) == (kept, other.id)
    assert (merged.json["points_moved"], merged.json["duplicate_checkins"]) == (60, 0)
    assert merged.json["resident"]["has_wechat"] is True
    assert balance(app, kept) == (160, 30)
    assert balance(app, other.id) == (0, 0)
    assert chain(app, other.id)[-1] == (-60, 0, "adjust", str(other.id))
    assert chain(app, kept)[-2:] == [
        (40, 140, "adjust", f"{other.id}.1"),
        (20, 160, "adjust", f"{other.id}.2"),
    ]
    picked = client.post(
        "/api/v1/redemptions/pickup",
        headers=desk.headers,
        json={"pickup_code": reserved.json["pickup_code"]},
    )
    assert (picked.status_code, picked.json["balance"]) == (200, 130)
    with app.app_context():
        hold = db.session.scalars(select(PointsHold)).one()
        assert (hold.resident_id, hold.status) == (kept, "captured")
        audited = db.session.execute(
            select(AuditEvent.resident_id, AuditEvent.detail).where(
                AuditEvent.action == "resident.merge"
            )
        ).all()
        assert {resident_id for resident_id, _ in audited} == {kept, other.id}
        assert not any(REASON in (detail or "") for _, detail in audited)  # no free text
        assert db.session.get(Resident, other.id).merge_reason == REASON


def test_both_records_at_one_event_count_once(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept, other = register(client, desk), register(client, desk)
    both_went, only_other_went = make.event(desk.center_id), make.event(desk.center_id)
    kept_checkin = make.checkin(both_went, kept)
    duplicate = make.checkin(both_went, other)
    moved = make.checkin(only_other_went, other)

    merged = merge(client, manager, kept, other)

    assert (merged.json["points_moved"], merged.json["duplicate_checkins"]) == (20, 1)
    assert balance(app, kept) == (20, 0)  # 10 of its own, 20 moved, 10 earned twice back out
    assert chain(app, kept)[-1][:3] == (-10, 20, "adjust")
    with app.app_context():
        checkins = {c.id: c for c in db.session.scalars(select(Checkin))}
        assert (checkins[kept_checkin].resident_id, checkins[kept_checkin].annulled_at) == (
            kept,
            None,
        )
        assert checkins[duplicate].resident_id == other
        assert checkins[duplicate].annulled_at is not None
        assert checkins[moved].resident_id == kept


def test_points_earned_twice_and_spent_already_stay_spent(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    """Both records at one event, each spent what it earned: the duplicate check-in is
    annulled all the same (the merge is not refused for ever), no balance goes negative,
    and the merge says what stayed."""
    kept, other = register(client, desk), register(client, desk)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, kept)
    duplicate = make.checkin(lecture, other)
    item_id = gift(client, manager, stock=2, cost=10)
    for resident_id in (kept, other):
        assert redeem(client, desk, resident_id, item_id).status_code == 201

    merged = merge(client, manager, kept, other)

    assert merged.status_code == 200, merged.json
    assert (merged.json["duplicate_checkins"], merged.json["duplicate_points_kept"]) == (1, 10)
    assert balance(app, kept) == (0, 0)
    with app.app_context():
        assert db.session.get(Checkin, duplicate).annulled_at is not None
        reversed_earns = db.session.scalar(
            select(func.count()).where(LedgerTransaction.reverses_id.is_not(None))
        )
        assert reversed_earns == 0
        detail = db.session.scalar(
            select(AuditEvent.detail).where(
                AuditEvent.action == "resident.merge", AuditEvent.resident_id == kept
            )
        )
        assert "duplicate_points_kept=10" in detail


def test_what_a_merged_record_did_is_undone_on_the_survivor(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept = register(client, desk)
    other = make.resident(desk.center_id)
    make.credit(other.id, 50, expires_at=MID_2027)
    checkin_id = make.checkin(make.event(desk.center_id), other.id)
    item_id = gift(client, manager, stock=2, cost=30)
    bought = redeem(client, desk, other.id, item_id)
    assert bought.status_code == 201
    merge(client, manager, kept, other.id)
    assert balance(app, kept) == (30, 0)

    cancelled = client.post(
        f"/api/v1/redemptions/{bought.json['id']}/cancel",
        headers=desk.headers,
        json={"reason": "尺寸不合适，退回"},
    )
    annulled = client.post(
        f"/api/v1/checkins/{checkin_id}/annul", headers=desk.headers, json={"reason": "扫错了"}
    )

    assert (cancelled.status_code, annulled.status_code) == (200, 200)
    assert balance(app, kept) == (50, 0)  # 30 + 30 refunded - 10 annulled
    assert [entry[2] for entry in chain(app, kept)[-2:]] == ["refund", "adjust"]
    assert chain(app, other.id)[-1][1] == 0  # nothing more on the merged record
    with app.app_context():
        refunded = db.session.execute(
            select(PointsLot.expires_at, PointsLot.remaining)
            .join(LedgerTransaction, LedgerTransaction.id == PointsLot.transaction_id)
            .where(LedgerTransaction.kind == "refund")
        ).one()
        assert tuple(refunded) == (MID_2027, 30)  # the points the gift drew, with their expiry


def test_a_center_manager_merges_only_their_centers_records(
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    other_center_desk: Account,
    district_manager: Account,
) -> None:
    kept = register(client, desk)
    elsewhere = register(client, other_center_desk)

    refused = merge(client, manager, kept, elsewhere)
    allowed = merge(client, district_manager, kept, elsewhere)

    assert (refused.status_code, refused.json["code"]) == (404, "not_found")
    assert allowed.status_code == 200


def test_a_merge_is_made_once(client: FlaskClient, desk: Account, manager: Account) -> None:
    kept, other = register(client, desk), register(client, desk)

    first = merge(client, manager, kept, other, **{"Idempotency-Key": "merge-1"})
    replayed = merge(client, manager, kept, other, **{"Idempotency-Key": "merge-1"})
    again = merge(client, manager, kept, other)

    assert (first.status_code, replayed.json) == (200, first.json)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.json["code"]) == (409, "already_merged")


def test_two_wechat_accounts_or_one_record_are_not_merged(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    first, second = make.resident(desk.center_id), make.resident(desk.center_id)

    both = merge(client, manager, first.id, second.id)
    itself = merge(client, manager, first.id, first.id)

    assert (both.status_code, both.json["code"]) == (409, "resident_has_wechat")
    assert (itself.status_code, itself.json["code"]) == (422, "validation_error")


def test_the_survivors_member_card_stands(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    """One live card per resident: the survivor's; the other's is revoked, not lost."""
    kept, other = register(client, desk), register(client, desk)
    cards = [
        client.post(f"/api/v1/residents/{rid}/member-card", headers=desk.headers).json
        for rid in (kept, other)
    ]

    merge(client, manager, kept, other)

    with app.app_context():
        kept_card, other_card = (db.session.get(MemberCard, card["id"]) for card in cards)
        assert (kept_card.resident_id, kept_card.revoked_at) == (kept, None)
        assert (other_card.resident_id, other_card.revoke_reason) == (kept, CARD_REVOKE_REASON)
        assert other_card.revoked_by_id == manager.id
        assert card_codes.resident_of(cards[0]["code"])[0].id == kept
        with pytest.raises(CardRevoked):
            card_codes.resident_of(cards[1]["code"])


def test_managers_see_records_sharing_a_number(
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    other_center_desk: Account,
) -> None:
    first, second = register(client, desk), register(client, desk, name="黄秀英（母）")
    register(client, desk, phone="13900001111")
    register(client, other_center_desk)  # the same number at another center

    found = client.get("/api/v1/residents/duplicates", headers=manager.headers)

    assert found.status_code == 200
    assert [
        (group["phone_masked"], group["verified"], [r["id"] for r in group["residents"]])
        for group in found.json["items"]
    ] == [(f"{NUMBER[:3]}****{NUMBER[-4:]}", False, [first, second])]


def test_two_merges_of_one_pair_at_once_make_one(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    first, second = register(client, desk), register(client, desk)
    make.credit(first, 10)
    make.credit(second, 20)
    pairs = [(first, second), (second, first)]

    results = race(
        racing_app,
        2,
        lambda i: merging.merge(manager.principal, *pairs[i], REASON, utcnow()).points_moved,
    )

    assert sorted(type(r).__name__ for r in results) == [AlreadyMerged.__name__, "int"]
    with racing_app.app_context():
        survivors = db.session.scalars(
            select(Resident.id).where(Resident.merged_into_id.is_(None), Resident.id.in_(pairs[0]))
        ).all()
        assert len(survivors) == 1
        assert ledger.balance_of(survivors[0]) == (30, 0)
