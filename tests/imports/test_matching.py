"""Whom rows name: only the batch's center's residents, by phone under the row's name."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from events.models import Checkin
from identity.models import Resident
from points import ledger
from tests.factories import Account, Factory
from tests.imports.conftest import ATTENDANCE, BALANCES, batch, csv_bytes, send

PHONE = "13812341234"


def balance(client: FlaskClient, resident: Account) -> int:
    return client.get("/api/v1/me", headers=resident.headers).json["balance"]  # type: ignore[no-any-return]


def test_another_centers_resident_is_never_matched_by_phone(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    huang = make.resident(manager.center_id, name="黄秀英", phone=PHONE)
    other = make.staff("manager", center_id=make.center())
    lines = csv_bytes([BALANCES, ["某某", PHONE, "500", "结转"]])
    sheet = csv_bytes([ATTENDANCE, ["2025-03-08", "控制血压", "讲座", "某某", PHONE]])

    dry = send(client, other, "balances", lines, dry_run=True).json
    credited = batch(client, other, send(client, other, "balances", lines).json["id"])
    attended = batch(client, other, send(client, other, "attendance", sheet).json["id"])

    # The number is as unknown at center B as any other: nothing says it exists elsewhere.
    assert (dry["created"], dry["skipped"], dry["residents_created"]) == (1, 0, 1)
    assert (credited["created"], credited["residents_created"]) == (1, 1)
    assert (attended["created"], attended["residents_created"]) == (1, 0)
    assert balance(client, huang) == 0
    with app.app_context():
        attendee = db.session.scalars(select(Checkin.resident_id)).one()
        namesake = db.session.get(Resident, attendee)
        assert (namesake.name, namesake.center_id) == ("某某", other.center_id)


def test_a_number_held_under_another_name_is_a_problem_of_the_row(
    client: FlaskClient, manager: Account, make: Factory
) -> None:
    huang = make.resident(manager.center_id, name="黄秀英", phone=PHONE)
    lines = csv_bytes([BALANCES, ["某某", PHONE, "500", "结转"], ["黄秀英", PHONE, "20", "结转"]])

    dry = send(client, manager, "balances", lines, dry_run=True).json
    done = batch(client, manager, send(client, manager, "balances", lines).json["id"])

    assert [(e["row"], e["column"], e["code"]) for e in dry["errors"]] == [
        (2, "姓名", "name_mismatch")
    ]
    assert (done["created"], done["invalid"], done["residents_created"]) == (1, 1, 0)
    assert balance(client, huang) == 20


def test_a_new_number_given_under_two_names_is_the_first_ones(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    lines = csv_bytes(
        [
            BALANCES,
            ["黄秀英", PHONE, "20", "结转"],
            ["某某", PHONE, "500", "结转"],
            ["黄秀英", PHONE, "30", "结转"],
        ]
    )

    dry = send(client, manager, "balances", lines, dry_run=True).json
    done = batch(client, manager, send(client, manager, "balances", lines).json["id"])

    assert [(e["row"], e["code"]) for e in dry["errors"]] == [(3, "name_mismatch")]
    assert (dry["created"], dry["residents_created"]) == (2, 1)
    assert (done["created"], done["invalid"], done["residents_created"]) == (2, 1, 1)
    with app.app_context():
        (huang,) = db.session.scalars(select(Resident).where(Resident.phone == PHONE)).all()
        assert huang.name == "黄秀英"
        assert ledger.balance_of(huang.id)[0] == 50
