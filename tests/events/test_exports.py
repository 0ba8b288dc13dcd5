"""The attendance list and the overdue list as staff open them in Excel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity.models import Staff
from tests.events.test_followups import consenting, schedule, today
from tests.factories import Factory
from tests.spreadsheets import FORMULAS, csv_rows, renamed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_overdue_list_exports_no_formula(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    for name in FORMULAS:
        resident = renamed(client, consenting(client, make, desk.center_id), name)
        schedule(client, desk, resident.id, today() - timedelta(days=3))

    rows = csv_rows(client.get("/api/v1/followups/overdue.csv", headers=desk.headers))

    assert sorted(row[2] for row in rows[1:]) == sorted("'" + name for name in FORMULAS)
    assert all(row[6] == "3" for row in rows[1:])  # a number, not text


def test_the_attendance_list_exports_no_formula_in_local_time_with_the_staff_name(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    with app.app_context():
        db.session.get(Staff, desk.id).display_name = "王护士"  # type: ignore[union-attr]
        db.session.commit()
    event_id = make.event(desk.center_id)
    for name in FORMULAS:
        resident = renamed(client, make.resident(desk.center_id), name)
        client.post(
            f"/api/v1/events/{event_id}/checkins",
            headers=desk.headers,
            json={"resident_id": resident.id},
        )
    scanned = renamed(client, make.resident(desk.center_id), "黄秀英")
    make.checkin(event_id, scanned.id)
    listed = client.get(f"/api/v1/events/{event_id}/attendance", headers=desk.headers).json

    rows = csv_rows(
        client.get(f"/api/v1/events/{event_id}/attendance?format=csv", headers=desk.headers)
    )

    assert rows[0] == [
        "签到编号",
        "居民编号",
        "姓名",
        "电话",
        "方式",
        "经办人",
        "签到时间",
        "作废时间",
        "作废原因",
    ]
    assert [row[2] for row in rows[1:]] == ["'" + name for name in FORMULAS] + ["黄秀英"]
    assert [row[5] for row in rows[1:]] == ["王护士"] * len(FORMULAS) + [""]
    first = datetime.fromisoformat(listed["items"][0]["created_at"]).astimezone(SHANGHAI)
    assert rows[1][6] == first.strftime("%Y-%m-%d %H:%M:%S")
