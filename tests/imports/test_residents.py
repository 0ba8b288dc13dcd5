"""A center's register: residents matched by phone (then name), registered once, with
nothing more than the desk would record."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from identity.models import AuditEvent, Consent, Resident, ResidentCondition
from tests.factories import Account, Factory
from tests.imports.conftest import RESIDENTS, batch, csv_bytes, send

REGISTER = [
    RESIDENTS,
    ["黄秀英", "13812341234", "1950-02-03", "女"],
    ["张明", "13900001111", "", "男"],
    ["李芳", "", "", ""],
    ["黄秀英", "13812341234", "", ""],
]


def residents(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resident)) or 0


def test_a_register_registers_each_person_once(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    make.resident(manager.center_id, name="张明", phone="13900001111")

    sent = send(client, manager, "residents", csv_bytes(REGISTER))

    done = batch(client, manager, sent.json["id"])
    assert (done["created"], done["skipped"], done["residents_created"]) == (2, 2, 2)
    assert residents(app) == 3
    again = batch(
        client, manager, send(client, manager, "residents", csv_bytes(REGISTER)).json["id"]
    )
    assert (again["created"], again["skipped"]) == (0, 4)
    assert residents(app) == 3
    with app.app_context():
        # No condition, no consent: the desk's name and number, the number unverified.
        assert db.session.scalar(select(func.count()).select_from(ResidentCondition)) == 0
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 0
        imported = db.session.scalars(select(Resident).where(Resident.name == "黄秀英")).one()
        assert imported.phone_verified_at is None and imported.openid is None
        assert imported.registered_by_id == manager.id


def test_each_batch_is_recorded_and_audited(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    content = csv_bytes(REGISTER)

    done = batch(client, manager, send(client, manager, "residents", content).json["id"])

    assert done["file_name"] == "名单.csv"
    assert done["staff_id"] == manager.id
    assert len(done["file_sha256"]) == 64
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["import.start", "import.done"]
        # The rows' names and numbers are not kept once applied.
        from imports.models import ImportRow

        assert (
            db.session.scalars(select(ImportRow.phone).where(ImportRow.phone.is_not(None))).all()
            == []
        )


def test_undo_removes_the_residents_nobody_has_touched(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sent = send(client, manager, "residents", csv_bytes(REGISTER)).json
    with app.app_context():
        zhang = db.session.scalar(select(Resident.id).where(Resident.name == "张明"))
    read = client.get(f"/api/v1/residents/{zhang}", headers=manager.headers)
    assert read.status_code == 200

    undone = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)

    assert undone.status_code == 200, undone.json
    assert undone.json["status"] == "undone"
    with app.app_context():
        # 张明's record was read since: the audit trail refers to him, so he stays.
        assert db.session.scalars(select(Resident.name)).all() == ["张明"]
    twice = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)
    assert (twice.status_code, twice.json["code"]) == (409, "import_undone")
