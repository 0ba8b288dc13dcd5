"""Undo, correct the file, import it again: what was undone is made again, once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin, Event
from points.verify import verify
from tests.factories import Account, Factory
from tests.imports.conftest import ATTENDANCE, BALANCES, batch, csv_bytes, send

BOOKLETS = [BALANCES, ["张明", "13900001111", "35", ""], ["张明", "13900001111", "35", ""]]
SHEET = [
    ATTENDANCE,
    ["2025-03-08", "控制血压", "讲座", "黄秀英", "13812341234"],
    ["2025-04-02", "义诊", "义诊", "黄秀英", "13812341234"],
]


def undo(client: FlaskClient, manager: Account, batch_id: int) -> None:
    response = client.post(f"/api/v1/imports/{batch_id}/undo", headers=manager.headers)
    assert response.status_code == 200, response.json


def imported(client: FlaskClient, manager: Account, kind: str, rows: list[list[str]]) -> dict:
    sent = send(client, manager, kind, csv_bytes(rows))
    assert sent.status_code == 201, sent.json
    return batch(client, manager, sent.json["id"])


def test_balances_undone_are_credited_again_once(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    zhang = make.resident(manager.center_id, name="张明", phone="13900001111")
    undo(client, manager, imported(client, manager, "balances", BOOKLETS)["id"])

    dry = send(client, manager, "balances", csv_bytes(BOOKLETS), dry_run=True).json
    again = imported(client, manager, "balances", BOOKLETS)
    twice = imported(client, manager, "balances", BOOKLETS)

    assert (dry["created"], dry["skipped"]) == (2, 0)
    assert (again["status"], again["created"], again["skipped"]) == ("done", 2, 0)
    assert (twice["created"], twice["skipped"]) == (0, 2)
    assert client.get("/api/v1/me", headers=zhang.headers).json["balance"] == 70
    undo(client, manager, again["id"])
    third = imported(client, manager, "balances", BOOKLETS)
    assert third["created"] == 2
    assert client.get("/api/v1/me", headers=zhang.headers).json["balance"] == 70
    with app.app_context():
        assert verify() == []


def test_attendance_undone_is_recorded_again_once(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    first = imported(client, manager, "attendance", SHEET)
    # Someone else's sheet of the lecture: undoing the first leaves the lecture held.
    imported(client, manager, "attendance", [ATTENDANCE, [*SHEET[1][:3], "张明", "13900001111"]])
    undo(client, manager, first["id"])

    dry = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    again = imported(client, manager, "attendance", SHEET)
    twice = imported(client, manager, "attendance", SHEET)

    assert (dry["created"], dry["skipped"], dry["events_created"]) == (2, 0, 1)
    assert (again["created"], again["skipped"], again["events_created"]) == (2, 0, 1)
    assert (twice["created"], twice["skipped"], twice["events_created"]) == (0, 2, 0)
    with app.app_context():
        standing = select(func.count()).where(Checkin.annulled_at.is_(None))
        assert db.session.scalar(standing.where(Checkin.method == "import")) == 3
        held = select(Event.title).where(Event.cancelled_at.is_(None)).order_by(Event.id)
        assert db.session.scalars(held).all()[-2:] == ["控制血压", "义诊"]
