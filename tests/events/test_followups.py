"""Scheduled follow-ups, done by attending, and the overdue list staff phone."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import AuditEvent
from tests.factories import Account, Factory


def today() -> date:
    """Today in the district (not on this machine's clock)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def consenting(client: FlaskClient, make: Factory, center_id: int, **fields: str) -> Account:
    resident = make.resident(center_id, **fields)
    client.post(
        "/api/v1/me/consents",
        headers=resident.headers,
        json={"purpose": "health_conditions", "version": "2026-01"},
    )
    return resident


def schedule(client: FlaskClient, desk: Account, resident_id: int, due_on: date):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/followups",
        headers=desk.headers,
        json={
            "resident_id": resident_id,
            "condition": "hypertension",
            "due_on": due_on.isoformat(),
        },
    )


def test_a_follow_up_needs_the_residents_consent(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)

    response = schedule(client, desk, resident.id, today())

    assert (response.status_code, response.json["code"]) == (409, "consent_required")


def test_attending_a_follow_up_session_completes_the_earliest_one(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    resident = consenting(client, make, desk.center_id)
    first = schedule(client, desk, resident.id, today() - timedelta(days=3)).json
    second = schedule(client, desk, resident.id, today() + timedelta(days=90)).json
    session = make.event(desk.center_id, kind="followup")

    checked_in = client.post(
        f"/api/v1/events/{session}/checkins",
        headers=desk.headers,
        json={"resident_id": resident.id},
    )
    listed = client.get("/api/v1/followups", headers=desk.headers).json["items"]

    assert first["status"] == "overdue" and second["status"] == "open"
    assert checked_in.status_code == 201
    assert [(f["id"], f["status"]) for f in listed] == [
        (first["id"], "done"),
        (second["id"], "open"),
    ]
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).get_data(as_text=True)
    assert "hypertension" not in ledger and "高血压" not in ledger


def test_annulling_the_check_in_reopens_the_follow_up(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    resident = consenting(client, make, desk.center_id)
    followup = schedule(client, desk, resident.id, today()).json
    session = make.event(desk.center_id, kind="followup")
    checkin = client.post(
        f"/api/v1/events/{session}/checkins",
        headers=desk.headers,
        json={"resident_id": resident.id},
    ).json["checkin"]

    client.post(
        f"/api/v1/checkins/{checkin['id']}/annul", headers=desk.headers, json={"reason": "误签"}
    )

    listed = client.get("/api/v1/followups", headers=desk.headers).json["items"]
    assert [(f["id"], f["status"]) for f in listed] == [(followup["id"], "open")]


def test_the_overdue_list_is_the_centers_own_and_exports_for_excel(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    late = consenting(client, make, desk.center_id, name="黄秀英", phone="13812345678")
    punctual = consenting(client, make, desk.center_id)
    other_desk = make.staff("staff")
    stranger = consenting(client, make, other_desk.center_id)
    schedule(client, desk, late.id, today() - timedelta(days=10))
    schedule(client, desk, punctual.id, today() + timedelta(days=10))
    schedule(client, other_desk, stranger.id, today() - timedelta(days=10))

    overdue = client.get("/api/v1/followups?status=overdue", headers=desk.headers).json["items"]
    export = client.get("/api/v1/followups/overdue.csv", headers=desk.headers)

    assert [(f["resident_id"], f["phone_masked"]) for f in overdue] == [(late.id, "138****5678")]
    assert export.content_type == "text/csv; charset=utf-8"
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["随访编号", "居民编号", "姓名", "电话", "随访类别", "应随访日期", "逾期天数"]
    assert rows[1][1:5] == [str(late.id), "黄秀英", "13812345678", "高血压"]
    assert rows[1][6] == "10"
    assert len(rows) == 2
    with app.app_context():
        exported = db.session.scalars(
            select(AuditEvent.resident_id).where(AuditEvent.action == "followup.export")
        ).all()
    assert exported == [late.id]


def test_residents_cannot_see_follow_ups(client: FlaskClient, make: Factory) -> None:
    response = client.get("/api/v1/followups", headers=make.resident().headers)

    assert (response.status_code, response.json["code"]) == (403, "forbidden")
