"""Confirming a dry run imports the rows it checked, without the file again: once, within the
hour its rows are held, and whom each row names is matched again when it is applied."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin
from identity.models import AuditEvent, Resident
from imports.models import ImportBatch, ImportRow
from tests.factories import Account, Factory
from tests.imports.conftest import ATTENDANCE, BALANCES, batch, csv_bytes, send

SHEET = [
    ATTENDANCE,
    ["2025-03-08", "控制血压", "讲座", "黄秀英", "13812341234"],
    ["2025-03-08", "控制血压", "讲座", "张明", "13900001111"],
    ["2025-03-08", "控制血压", "开会", "李芳", "13900002222"],
]


def confirm(client: FlaskClient, account: Account, batch_id: int) -> object:
    return client.post(f"/api/v1/imports/{batch_id}/confirm", headers=account.headers)


def checkins(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Checkin)) or 0)


def test_a_confirmed_dry_run_imports_what_it_counted(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    checked = send(client, manager, "attendance", csv_bytes(SHEET), name="三月.csv", dry_run=True)
    assert checked.json["created"] == 2 and checked.json["invalid"] == 1
    assert checkins(app) == 0

    confirmed = confirm(client, manager, checked.json["id"])

    assert confirmed.status_code == 201, confirmed.json
    assert (confirmed.json["dry_run"], confirmed.json["status"]) == (False, "running")
    done = batch(client, manager, confirmed.json["id"])
    assert done["status"] == "done"
    assert (done["rows"], done["created"], done["skipped"], done["invalid"]) == (3, 2, 0, 1)
    assert (done["file_name"], done["file_sha256"]) == ("三月.csv", checked.json["file_sha256"])
    assert [(p["row"], p["column"]) for p in done["errors"]] == [(4, "活动类型")]
    assert checkins(app) == 2
    with app.app_context():
        audited = db.session.scalars(select(AuditEvent.detail).order_by(AuditEvent.id)).all()
        assert f"checked={checked.json['id']}" in audited[1]


def test_a_dry_run_is_imported_once(app: Flask, client: FlaskClient, manager: Account) -> None:
    checked = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    assert confirm(client, manager, checked["id"]).status_code == 201

    again = confirm(client, manager, checked["id"])

    assert (again.status_code, again.json["code"]) == (409, "import_expired")
    assert checkins(app) == 2


def test_after_an_hour_the_rows_are_forgotten_and_the_file_is_asked_for_again(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    checked = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    with app.app_context():
        held = db.session.get(ImportBatch, checked["id"])
        assert held is not None
        held.created_at -= timedelta(minutes=61)
        db.session.commit()

    late = confirm(client, manager, checked["id"])
    # The next import forgets the names and numbers the old check held.
    send(client, manager, "attendance", csv_bytes(SHEET[:2]), dry_run=True)

    assert (late.status_code, late.json["code"]) == (409, "import_expired")
    with app.app_context():
        held = select(func.count()).where(ImportRow.batch_id == checked["id"])
        assert db.session.scalar(held) == 0


def test_all_or_nothing_is_kept_and_a_real_run_is_not_confirmed(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    strict = send(
        client, manager, "attendance", csv_bytes(SHEET), dry_run=True, all_or_nothing=True
    ).json
    real = send(client, manager, "attendance", csv_bytes(SHEET[:2])).json

    refused = confirm(client, manager, strict["id"])
    ran = confirm(client, manager, real["id"])

    assert (refused.status_code, refused.json["code"]) == (422, "import_invalid")
    assert refused.json["errors"][0]["row"] == 4
    assert (ran.status_code, ran.json["code"]) == (409, "conflict")
    assert checkins(app) == 1


def test_whom_a_row_names_is_matched_again_when_confirmed(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    found = make.resident(manager.center_id, name="黄秀英", phone="13812341234", openid="o-h")
    sheet = [BALANCES, ["黄秀英", "13812341234", "120", "积分卡结转"]]
    checked = send(client, manager, "balances", csv_bytes(sheet), dry_run=True).json
    assert checked["residents_created"] == 0
    closed = client.delete("/api/v1/me", headers=found.headers)
    assert closed.status_code == 204, closed.json

    done = batch(client, manager, confirm(client, manager, checked["id"]).json["id"])

    # The account closed meanwhile: the number names nobody now, so it is a new resident's.
    assert (done["status"], done["created"], done["residents_created"]) == ("done", 1, 1)
    with app.app_context():
        holder = db.session.scalars(select(Resident).where(Resident.phone == "13812341234")).one()
        assert holder.id != found.id


def test_another_centers_manager_cannot_confirm(
    client: FlaskClient, make: Factory, manager: Account
) -> None:
    checked = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    elsewhere = make.staff("manager", center_id=make.center())

    refused = confirm(client, elsewhere, checked["id"])

    assert (refused.status_code, refused.json["code"]) == (404, "not_found")
