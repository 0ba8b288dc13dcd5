"""A resident takes a copy of their data: all of their own, nothing of anyone else's, in a
fixed number of queries however long their history."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from core.db import db
from identity.models import AuditEvent
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory
from tests.identity.test_member_cards import print_card
from tests.identity.test_residents import consent_and_tag
from tests.merging.test_link import bearer, link_code, register, scan

EXPORT = "/api/v1/me/export"


def taking_part(
    client: FlaskClient,
    make: Factory,
    desk: Account,
    resident: Account,
    *,
    condition: str,
    item_id: int,
    times: int = 1,
) -> None:
    """Consent and a condition tag, then ``times`` of each: a check-in, a credit, a gift at
    the desk, a follow-up, and the desk opening their record."""
    consent_and_tag(client, desk, resident, condition)
    for n in range(times):
        make.checkin(make.event(desk.center_id, title=f"讲座{n}"), resident.id)
        make.credit(resident.id, 50)
        assert redeem(client, desk, resident.id, item_id).status_code == 201
        followup = client.post(
            "/api/v1/followups",
            headers=desk.headers,
            json={
                "resident_id": resident.id,
                "condition": condition,
                "due_on": f"2099-01-{n + 1:02d}",
            },
        )
        assert followup.status_code == 201
        client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers)


def test_the_copy_holds_the_residents_own_data_and_nobody_elses(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=10, cost=20)
    mine = make.resident(desk.center_id, name="黄秀英", phone="13812341234")
    theirs = make.resident(desk.center_id, name="李建国", phone="13900001111")
    taking_part(client, make, desk, mine, condition="hypertension", item_id=item_id)
    taking_part(client, make, desk, theirs, condition="type2_diabetes", item_id=item_id)
    for resident in (mine, theirs):
        accepted = client.post(
            "/api/v1/me/privacy", headers=resident.headers, json={"version": "2026-12"}
        )
        assert accepted.status_code == 200
    lost = print_card(client, desk, mine.id).json["code"]
    held = print_card(client, desk, mine.id, reissue_reason="卡片遗失").json["code"]
    me = client.get("/api/v1/me", headers=mine.headers).json

    response = client.get(EXPORT, headers=mine.headers)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    copy = response.json
    center = {"id": desk.center_id, "name": copy["profile"]["center"]["name"]}
    assert {k: copy["profile"][k] for k in ("id", "name", "phone", "center")} == {
        "id": mine.id,
        "name": "黄秀英",
        "phone": "13812341234",
        "center": center,
    }
    assert copy["profile"]["phone_verified"] is True
    assert [c["purpose"] for c in copy["consents"]] == ["health_conditions"]
    assert [a["version"] for a in copy["privacy_acceptances"]] == ["2026-12"]
    assert [(c["code"], c["name"]) for c in copy["conditions"]] == [("hypertension", "高血压")]
    assert copy["points"] == {"balance": me["balance"], "reserved": 0}
    assert [
        (c["last_chars"], c["revoked_at"] is not None, c["revoke_reason"])
        for c in copy["member_cards"]
    ] == [(lost[-4:], True, "卡片遗失"), (held[-4:], False, None)]
    assert [(c["event"]["title"], c["event"]["center"]) for c in copy["checkins"]] == [
        ("讲座0", center)
    ]
    assert [e["seq"] for e in copy["ledger"]] == list(range(1, len(copy["ledger"]) + 1))
    assert copy["ledger"][-1]["balance_after"] == me["balance"]
    assert [(r["item"]["id"], r["status"]) for r in copy["redemptions"]] == [(item_id, "fulfilled")]
    assert [(f["condition"]["code"], f["status"], f["center"]) for f in copy["followups"]] == [
        ("hypertension", "open", center)
    ]
    reads = [a for a in copy["access_log"] if a["action"] == "resident.read"]
    assert reads and all(
        a["by"] == {"kind": "staff", "role": "staff", "center": center} for a in reads
    )
    assert {"consent.grant", "resident.conditions.update"} <= {
        a["action"] for a in copy["access_log"]
    }
    text = json.dumps(copy, ensure_ascii=False)
    for someone_elses in ("李建国", "13900001111", "type2_diabetes", desk.username):
        assert someone_elses not in text
    assert lost not in text and held not in text  # a card is named by its last characters
    with app.app_context():
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.export")
        ).one()
        assert (audit.actor_kind, audit.actor_id, audit.resident_id) == (
            "resident",
            mine.id,
            mine.id,
        )


def test_only_a_resident_takes_a_copy(client: FlaskClient, desk: Account) -> None:
    refused = client.get(EXPORT, headers=desk.headers)

    assert (refused.status_code, refused.json["code"]) == (403, "forbidden")


def statements_for_copy(app: Flask, client: FlaskClient, resident: Account) -> list[str]:
    statements: list[str] = []
    with app.app_context():

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(EXPORT, headers=resident.headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_a_long_history_takes_no_more_queries_than_a_short_one(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=20, cost=20)
    newcomer, regular = make.resident(desk.center_id), make.resident(desk.center_id)
    taking_part(client, make, desk, newcomer, condition="hypertension", item_id=item_id)
    taking_part(client, make, desk, regular, condition="stroke", item_id=item_id, times=8)

    short = statements_for_copy(app, client, newcomer)
    long = statements_for_copy(app, client, regular)

    assert len(client.get(EXPORT, headers=regular.headers).json["checkins"]) == 8
    assert len(long) == len(short)


def test_a_copy_after_a_link_holds_what_stayed_on_the_record_merged_in(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    """Both records went to one lecture; the desk opened the WeChat record; then the person
    linked them. The WeChat record's ledger, its annulled check-in and who read it are theirs."""
    desk_record = register(client, desk)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, desk_record)
    wechat = make.resident(desk.center_id, openid="o-copy")
    make.checkin(lecture, wechat.id)
    assert client.get(f"/api/v1/residents/{wechat.id}", headers=desk.headers).status_code == 200
    linked = scan(client, wechat, link_code(client, desk, desk_record).json["code"])
    assert linked.status_code == 200, linked.json

    copy = client.get(EXPORT, headers=bearer(linked)).json

    chains = {
        record: [e["delta"] for e in copy["ledger"] if e["record_id"] == record]
        for record in (desk_record, wechat.id)
    }
    assert chains == {desk_record: [10, 10, -10], wechat.id: [10, -10]}  # earned, moved, back
    assert sorted(c["annulled_at"] is not None for c in copy["checkins"]) == [False, True]
    assert "resident.read" in {a["action"] for a in copy["access_log"]}
