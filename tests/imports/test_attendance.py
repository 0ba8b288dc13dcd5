"""Attendance from paper: events and check-ins, checked first, keyed against repeats."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin, Event
from identity.models import Resident
from tests.factories import Account, Factory
from tests.imports.conftest import ATTENDANCE, batch, csv_bytes, send

SHEET = [
    ATTENDANCE,
    ["2025-03-08", "控制血压", "讲座", "黄秀英", "13812341234"],
    ["2025/3/8", "控制血压", "讲座", "张明", "13900001111"],
    ["2025年4月2日", "糖尿病饮食", "讲座", "黄秀英", "13812341234"],
    ["2025-04-02", "义诊", "义诊", "李芳", ""],
]


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Event)),
            db.session.scalar(select(func.count()).select_from(Checkin)),
            db.session.scalar(select(func.count()).select_from(Resident)),
        )


def test_a_real_run_makes_events_check_ins_and_residents(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    response = send(client, manager, "attendance", csv_bytes(SHEET))

    assert response.status_code == 201, response.json
    assert response.json["status"] == "running"
    done = batch(client, manager, response.json["id"])
    assert done["status"] == "done"
    assert (done["rows"], done["created"], done["skipped"], done["invalid"]) == (4, 4, 0, 0)
    assert (done["residents_created"], done["events_created"]) == (3, 3)
    assert done["processed"] == 4
    assert counts(app) == (3, 4, 3 + 0)
    with app.app_context():
        methods = set(db.session.scalars(select(Checkin.method)))
        huang = db.session.scalars(select(Resident).where(Resident.name == "黄秀英")).one()
        assert methods == {"import"}
        assert huang.phone == "13812341234" and huang.phone_verified_at is None
        assert huang.center_id == manager.center_id


def test_a_dry_run_names_each_problem_by_row_and_column_and_writes_nothing(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    make.resident(manager.center_id, name="王刚", phone="13700001111")
    make.resident(manager.center_id, name="王刚", phone="13700002222")
    tomorrow = date.today() + timedelta(days=2)
    sheet = [
        *SHEET,
        ["2025-05-01", "控制血压", "讲座", "赵六", "1381234"],
        ["2025-05-01", "控制血压", "茶话会", "赵六", "13812345678"],
        [tomorrow.isoformat(), "控制血压", "讲座", "赵六", "13812345678"],
        ["2025-05-01", "控制血压", "讲座", "王刚", None],
        ["2025-05-01", "", "讲座", "", "13812345678"],
    ]
    before = counts(app)

    response = send(client, manager, "attendance", csv_bytes(sheet), dry_run=True)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["dry_run"], body["status"]) == (True, "checked")
    assert (body["rows"], body["created"], body["skipped"], body["invalid"]) == (9, 4, 0, 5)
    assert (body["residents_created"], body["events_created"]) == (3, 3)
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (6, "手机号", "bad_phone"),
        (7, "活动类型", "unknown_kind"),
        (8, "日期", "future_date"),
        (9, "姓名", "ambiguous_resident"),
        (10, "姓名", "missing"),
        (10, "活动名称", "missing"),
    ]
    assert "2" in body["errors"][3]["message"]
    assert counts(app) == before


def test_the_same_sheet_again_makes_nothing_twice(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    first = send(client, manager, "attendance", csv_bytes(SHEET)).json
    after_first = counts(app)

    again = send(client, manager, "attendance", csv_bytes(SHEET[:3]), dry_run=True).json
    second = batch(
        client, manager, send(client, manager, "attendance", csv_bytes(SHEET)).json["id"]
    )

    assert batch(client, manager, first["id"])["created"] == 4
    assert (again["created"], again["skipped"]) == (0, 2)
    assert (second["created"], second["skipped"], second["residents_created"]) == (0, 4, 0)
    assert counts(app) == after_first


def test_an_overlapping_sheet_makes_only_its_new_lines(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    send(client, manager, "attendance", csv_bytes(SHEET[:4]))
    after_first = counts(app)
    overlapping = [
        ATTENDANCE,
        *SHEET[2:],
        ["2025-04-02", "糖尿病饮食", "讲座", "张明", "13900001111"],
    ]

    sent = send(client, manager, "attendance", csv_bytes(overlapping))

    done = batch(client, manager, sent.json["id"])
    # Two lines were there already; 李芳 and the lecture 义诊 are new, and 张明's second visit.
    assert (done["created"], done["skipped"]) == (2, 2)
    assert (done["residents_created"], done["events_created"]) == (1, 1)
    assert counts(app) == (after_first[0] + 1, after_first[1] + 2, after_first[2] + 1)


def test_a_shared_number_names_the_one_of_that_name_the_verified_one_among_namesakes(
    app: Flask, client: FlaskClient, manager: Account, desk: Account, make: Factory
) -> None:
    def at_desk(name: str, phone: str) -> int:
        response = client.post(
            "/api/v1/residents", headers=desk.headers, json={"name": name, "phone": phone}
        )
        assert response.status_code == 201, response.json
        return response.json["id"]  # type: ignore[no-any-return]

    verified = make.resident(manager.center_id, name="黄秀英", phone="13811110000").id
    at_desk("黄秀英", "13811110000")
    huang_lan = at_desk("黄秀兰", "13811110000")
    zhang_ming, zhang_wei = at_desk("张明", "13922220000"), at_desk("张伟", "13922220000")
    at_desk("李芳", "13733330000"), at_desk("李芳", "13733330000")
    sheet = [
        ATTENDANCE,
        ["2025-03-08", "控制血压", "讲座", "黄秀兰", "13811110000"],
        ["2025-03-08", "控制血压", "讲座", "黄秀英", "13811110000"],
        ["2025-03-08", "控制血压", "讲座", "张伟", "13922220000"],
        ["2025-03-08", "控制血压", "讲座", "张明", "13922220000"],
        ["2025-03-08", "控制血压", "讲座", "李芳", "13733330000"],
        ["2025-03-08", "控制血压", "讲座", "王五", "13733330000"],
    ]

    sent = send(client, manager, "attendance", csv_bytes(sheet))

    done = batch(client, manager, sent.json["id"])
    assert (done["created"], done["invalid"], done["residents_created"]) == (4, 2, 0)
    assert [(e["row"], e["column"], e["code"]) for e in done["errors"]] == [
        (6, "手机号", "ambiguous_resident"),
        (7, "姓名", "name_mismatch"),
    ]
    with app.app_context():
        attended = set(db.session.scalars(select(Checkin.resident_id)))
    assert attended == {huang_lan, verified, zhang_wei, zhang_ming}


def test_a_line_repeated_in_the_sheet_counts_once(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    response = send(client, manager, "attendance", csv_bytes([*SHEET, SHEET[1]]))

    done = batch(client, manager, response.json["id"])
    assert (done["created"], done["skipped"]) == (4, 1)
    assert counts(app)[1] == 4


def test_all_or_nothing_imports_nothing_while_a_row_is_wrong(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sheet = [*SHEET, ["2025-05-01", "控制血压", "讲座", "赵六", "12345"]]

    response = send(client, manager, "attendance", csv_bytes(sheet), all_or_nothing=True)

    assert response.status_code == 422
    assert response.json["code"] == "import_invalid"
    assert response.json["errors"] == [
        {
            "row": 6,
            "column": "手机号",
            "code": "bad_phone",
            "message": response.json["errors"][0]["message"],
        }
    ]
    assert counts(app) == (0, 0, 0)


def test_undo_annuls_the_check_ins_and_calls_off_the_events_nobody_else_attended(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    sent = send(client, manager, "attendance", csv_bytes(SHEET)).json
    with app.app_context():
        kept = db.session.scalar(select(Event.id).where(Event.title == "义诊"))
        # Someone scans into one of the imported events at the desk afterwards.
        db.session.execute(
            Event.__table__.update()
            .where(Event.id == kept)
            .values(checkin_closes_at=func.now() + timedelta(hours=1))
        )
        db.session.commit()
    make.checkin(kept, make.resident(manager.center_id).id)

    undone = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)

    assert undone.status_code == 200, undone.json
    with app.app_context():
        checkins = db.session.execute(select(Checkin.method, Checkin.annulled_at)).all()
        events = dict(db.session.execute(select(Event.title, Event.cancelled_at)).all())
    assert sorted((method, at is None) for method, at in checkins) == [
        ("import", False),
        ("import", False),
        ("import", False),
        ("import", False),
        ("self", True),
    ]
    assert events["义诊"] is None  # attended since: it took place
    assert events["控制血压"] is not None and events["糖尿病饮食"] is not None
