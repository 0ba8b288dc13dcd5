"""A resident the desk registered opens the mini-program: the desk shows a link code, they scan
it, and the desk record and the WeChat account are one resident, keeping everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db, utcnow
from events.models import Checkin, FollowUp
from identity.link_codes import LinkCodeUsed
from identity.models import AuditEvent, Consent, LinkCode, MemberCard, Resident
from merging import service as merging
from points import ledger
from points.models import LedgerEntry, LedgerTransaction, PointsLot
from tests.factories import Account, Factory
from tests.racing import race

NUMBER = "13812341234"
LATE_2027 = datetime(2027, 12, 31, 16, tzinfo=UTC)
MID_2027 = datetime(2027, 6, 30, 16, tzinfo=UTC)


def register(client: FlaskClient, desk: Account, name: str = "黄秀英", phone: str = NUMBER) -> int:
    """The desk registers a resident without a smartphone."""
    response = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": name, "phone": phone}
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def link_code(client: FlaskClient, desk: Account, resident_id: int) -> Any:
    return client.post(f"/api/v1/residents/{resident_id}/link-code", headers=desk.headers)


def scan(client: FlaskClient, resident: Account, code: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/me/link", headers={**resident.headers, **headers}, json={"code": code}
    )


def bearer(answer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def a_desk_record_in_use(
    client: FlaskClient, make: Factory, desk: Account
) -> tuple[int, dict[str, int]]:
    """A desk-registered resident with points, a check-in, consent and a condition tag, a
    follow-up and a printed member card."""
    resident_id = register(client, desk)
    make.credit(resident_id, 100, expires_at=LATE_2027)
    lecture = make.event(desk.center_id)
    checkin_id = make.checkin(lecture, resident_id)
    make.consent(resident_id)
    tagged = client.put(
        f"/api/v1/residents/{resident_id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )
    followup = client.post(
        "/api/v1/followups",
        headers=desk.headers,
        json={"resident_id": resident_id, "condition": "hypertension", "due_on": "2099-01-01"},
    )
    card = client.post(f"/api/v1/residents/{resident_id}/member-card", headers=desk.headers)
    assert (tagged.status_code, followup.status_code, card.status_code) == (200, 201, 201)
    return resident_id, {
        "checkin": checkin_id,
        "followup": followup.json["id"],
        "card": card.json["id"],
    }


def test_scanning_the_desks_code_makes_one_resident_that_keeps_everything(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record, made = a_desk_record_in_use(client, make, desk)
    wechat = make.resident(desk.center_id, name="黄秀英", openid="o-huang")
    make.credit(wechat.id, 30, expires_at=MID_2027)
    wechat_checkin = make.checkin(make.event(desk.center_id), wechat.id)
    make.consent(wechat.id)
    desk_balance, _ = balance(app, desk_record)
    wechat_balance, _ = balance(app, wechat.id)
    issued = link_code(client, desk, desk_record)
    assert issued.status_code == 201
    assert issued.json["grouped"].startswith("HPL-")

    linked = scan(client, wechat, issued.json["grouped"])

    assert linked.status_code == 200, linked.json
    assert linked.json["resident"]["id"] == desk_record
    assert linked.json["resident"]["has_wechat"] is True
    assert linked.json["points_moved"] == wechat_balance
    me = client.get("/api/v1/me", headers=bearer(linked)).json
    assert (me["id"], me["balance"]) == (desk_record, desk_balance + wechat_balance)
    assert {"2027-06-30", "2027-12-31"} <= {e["on"] for e in me["expiring"]}
    entries = client.get("/api/v1/me/ledger", headers=bearer(linked)).json["items"]
    merged_in = [e for e in entries if e["source"]["type"] == "merge"]
    assert {(e["kind"], e["reason"]) for e in merged_in} == {("adjust", "账户合并")}
    assert sum(e["delta"] for e in merged_in) == wechat_balance
    again = client.post("/api/v1/auth/wechat", json={"code": "dev:o-huang"})
    assert again.json["resident"]["id"] == desk_record
    stale = client.get("/api/v1/me", headers=wechat.headers)
    assert (stale.status_code, stale.json["code"]) == (401, "token_revoked")
    with app.app_context():
        absorbed = db.session.get(Resident, wechat.id)
        assert (absorbed.merged_into_id, absorbed.openid) == (desk_record, None)
        assert (absorbed.name, absorbed.closed_at is not None) == (None, True)
        for checkin_id in (made["checkin"], wechat_checkin):
            assert db.session.get(Checkin, checkin_id).resident_id == desk_record
        assert db.session.get(FollowUp, made["followup"]).resident_id == desk_record
        card = db.session.get(MemberCard, made["card"])
        assert (card.resident_id, card.revoked_at) == (desk_record, None)
        consents = db.session.scalars(
            select(Consent).where(Consent.resident_id == desk_record).order_by(Consent.id)
        ).all()
        assert [c.withdrawn_at is None for c in consents] == [False, True]  # both records kept
        assert db.session.get(Resident, desk_record).conditions == ["hypertension"]
        # The WeChat record's ledger is whole: its balance left by one entry of its own chain.
        last = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.resident_id == wechat.id)
            .order_by(LedgerEntry.seq.desc())
        ).first()
        assert (last.delta, last.balance_after) == (-wechat_balance, 0)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.resident_id == desk_record)
        ).all()
        assert "resident.merge" in actions


def test_the_points_keep_the_day_they_expire(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record = register(client, desk)
    wechat = make.resident(desk.center_id)
    make.credit(wechat.id, 30, expires_at=MID_2027)
    make.credit(wechat.id, 20)  # never expires

    scan(client, wechat, link_code(client, desk, desk_record).json["code"])

    with app.app_context():
        lots = db.session.execute(
            select(PointsLot.expires_at, PointsLot.remaining)
            .where(PointsLot.resident_id == desk_record)
            .order_by(PointsLot.id)
        ).all()
        assert [(lot.expires_at, lot.remaining) for lot in lots] == [(MID_2027, 30), (None, 20)]
        sources = db.session.scalars(
            select(LedgerTransaction.source_type).where(
                LedgerTransaction.resident_id.in_([desk_record, wechat.id]),
                LedgerTransaction.kind == "adjust",
            )
        ).all()
        assert sources == ["merge"] * 3


def test_a_code_is_typed_as_printed_or_without_its_prefix(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record = register(client, desk)
    code = link_code(client, desk, desk_record).json["code"]
    typed = f"{code[3:7]} {code[7:11]}-{code[11:]}".lower()

    linked = scan(client, make.resident(desk.center_id), typed)

    assert (linked.status_code, linked.json["resident"]["id"]) == (200, desk_record)


# -- refusals ---------------------------------------------------------------------------------


def test_a_code_works_once(client: FlaskClient, make: Factory, desk: Account) -> None:
    code = link_code(client, desk, register(client, desk)).json["code"]
    assert scan(client, make.resident(desk.center_id), code).status_code == 200

    second = scan(client, make.resident(desk.center_id), code)

    assert (second.status_code, second.json["code"]) == (409, "link_code_used")


def test_an_expired_code_is_refused(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record = register(client, desk)
    code = link_code(client, desk, desk_record).json["code"]
    with app.app_context():
        for row in db.session.scalars(select(LinkCode)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    wechat = make.resident(desk.center_id)

    late = scan(client, wechat, code)

    assert (late.status_code, late.json["code"]) == (410, "link_code_expired")
    with app.app_context():
        assert db.session.get(Resident, desk_record).openid is None


def test_an_unknown_code_is_refused(client: FlaskClient, make: Factory) -> None:
    unknown = scan(client, make.resident(), "HPL-0000-0000-0000")
    garbage = scan(client, make.resident(), "not a code")

    assert [(r.status_code, r.json["code"]) for r in (unknown, garbage)] == [
        (404, "link_code_unknown")
    ] * 2


def test_a_record_with_wechat_gets_no_code_and_a_second_code_cannot_link_it(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    wechat_resident = make.resident(desk.center_id)
    desk_record = register(client, desk)
    first, second = (link_code(client, desk, desk_record).json["code"] for _ in range(2))
    assert scan(client, make.resident(desk.center_id), first).status_code == 200

    refused_code = link_code(client, desk, wechat_resident.id)
    refused_link = scan(client, make.resident(desk.center_id), second)

    assert (refused_code.status_code, refused_code.json["code"]) == (409, "resident_has_wechat")
    assert (refused_link.status_code, refused_link.json["code"]) == (409, "resident_has_wechat")


def test_another_centers_desk_cannot_issue_a_code(
    client: FlaskClient, desk: Account, other_center_desk: Account
) -> None:
    refused = link_code(client, other_center_desk, register(client, desk))

    assert (refused.status_code, refused.json["code"]) == (404, "not_found")


def test_guessing_codes_is_locked_out(client: FlaskClient, make: Factory, desk: Account) -> None:
    code = link_code(client, desk, register(client, desk)).json["code"]
    guesser = make.resident(desk.center_id)

    guesses = [scan(client, guesser, f"HPL00000000000{n}").json["code"] for n in range(5)]
    locked = scan(client, guesser, code)

    assert guesses == ["link_code_unknown"] * 5
    assert (locked.status_code, locked.json["code"]) == (429, "rate_limited")
    assert int(locked.headers["Retry-After"]) >= 1
    assert scan(client, make.resident(desk.center_id), code).status_code == 200


def test_a_link_whose_answer_was_lost_is_not_made_twice(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record = register(client, desk)
    code = link_code(client, desk, desk_record).json["code"]
    wechat = make.resident(desk.center_id, openid="o-lost-answer")
    assert scan(client, wechat, code).status_code == 200

    retried = scan(client, wechat, code)
    logged_in = client.post("/api/v1/auth/wechat", json={"code": "dev:o-lost-answer"})

    assert (retried.status_code, retried.json["code"]) == (401, "token_revoked")
    assert logged_in.json["resident"]["id"] == desk_record
    with client.application.app_context():
        merged = select(func.count()).where(Resident.merged_into_id == desk_record)
        assert db.session.scalar(merged) == 1


def test_two_accounts_scanning_one_code_at_once_one_wins(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    desk_record = register(client, desk)
    code = link_code(client, desk, desk_record).json["code"]
    scanners = [make.resident(desk.center_id) for _ in range(2)]
    for scanner in scanners:
        make.credit(scanner.id, 10)

    results = race(
        racing_app,
        2,
        lambda i: merging.link(scanners[i].id, code, utcnow(), "5 per minute").points_moved,
    )

    assert sorted(type(r).__name__ for r in results) == [LinkCodeUsed.__name__, "int"]
    assert 10 in results
    with racing_app.app_context():
        assert ledger.balance_of(desk_record) == (10, 0)
        merged = db.session.scalars(
            select(Resident.id).where(Resident.merged_into_id == desk_record)
        ).all()
        assert len(merged) == 1


def balance(app: Flask, resident_id: int) -> tuple[int, int]:
    with app.app_context():
        return ledger.balance_of(resident_id)
