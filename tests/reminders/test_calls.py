"""The desk's call list: residents without WeChat get their due reminders by phone; each
call's outcome is recorded (reached or refused settles the reminder, no answer keeps it on
the list); the numbers are masked but on an audited ask or in the audited sheet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from console.calls import when_text
from core.db import db
from identity.models import AuditEvent, Resident
from reminders.models import Reminder
from tests.access import World
from tests.consoles import log_in
from tests.factories import Account, Factory
from tests.reminders.conftest import DISTRICT, at, registered_at_desk, run, schedule_followup
from tests.spreadsheets import csv_rows, xlsx_rows


@pytest.fixture
def to_call(reminders_app: Flask, make: Factory) -> dict[str, Any]:
    """王芳 (no WeChat) has a follow-up in two days; the reminders were planned yesterday."""
    desk = make.staff("staff", make.center())
    resident_id = registered_at_desk(reminders_app, desk)
    today = datetime.now(DISTRICT).date()
    schedule_followup(reminders_app, make, resident_id, desk.center_id, today + timedelta(days=2))
    run(reminders_app, at(10, day=today - timedelta(days=1)))
    (item,) = call_list(reminders_app, desk)
    return {"desk": desk, "resident_id": resident_id, "reminder_id": item["id"], "item": item}


def call_list(app: Flask, staff: Account) -> list[dict[str, Any]]:
    response = app.test_client().get("/api/v1/reminders/calls", headers=staff.headers)
    assert response.status_code == 200, response.json
    return response.json["items"]  # type: ignore[no-any-return]


def record(app: Flask, staff: Account, reminder_id: int, **sent: Any) -> Any:
    return app.test_client().post(
        f"/api/v1/reminders/{reminder_id}/calls", headers=staff.headers, json=sent
    )


def audited(app: Flask, action: str) -> list[int | None]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.resident_id).where(AuditEvent.action == action))
        )


def move(app: Flask, resident_id: int, center_id: int) -> None:
    """The resident moved: their home is another center now."""
    with app.app_context():
        db.session.get_one(Resident, resident_id).center_id = center_id
        db.session.commit()


def test_the_list_holds_the_centers_residents_without_wechat_numbers_masked(
    reminders_app: Flask, make: Factory, to_call: dict[str, Any]
) -> None:
    item = to_call["item"]

    assert (item["resident_id"], item["kind"], item["title"]) == (
        to_call["resident_id"],
        "followup_due",
        "随访提醒",
    )
    assert item["phone_masked"] == "137****1111" and "phone" not in item
    assert call_list(reminders_app, make.staff("staff", make.center())) == []
    assert len(call_list(reminders_app, make.staff("manager"))) == 1  # the district's


def test_no_answer_keeps_it_on_the_list_and_reached_settles_it(
    reminders_app: Flask, to_call: dict[str, Any]
) -> None:
    desk, reminder_id = to_call["desk"], to_call["reminder_id"]

    unanswered = record(reminders_app, desk, reminder_id, outcome="no_answer", note="响铃无人接")
    still = call_list(reminders_app, desk)
    reached = record(reminders_app, desk, reminder_id, outcome="reached")
    again = record(reminders_app, desk, reminder_id, outcome="reached")

    assert unanswered.status_code == 201, unanswered.json
    assert (unanswered.json["outcome"], unanswered.json["note"]) == ("no_answer", "响铃无人接")
    assert [item["id"] for item in still] == [reminder_id]
    assert reached.status_code == 201 and call_list(reminders_app, desk) == []
    assert (again.status_code, again.json["code"]) == (409, "reminder_settled")
    listed = (
        reminders_app.test_client()
        .get("/api/v1/reminders", headers=desk.headers, query_string={"channel": "call"})
        .json["items"]
    )
    assert [item["status"] for item in listed] == ["called"]


def test_another_centers_desk_and_bad_outcomes_are_refused(
    reminders_app: Flask, make: Factory, to_call: dict[str, Any]
) -> None:
    elsewhere = make.staff("staff", make.center())

    foreign = record(reminders_app, elsewhere, to_call["reminder_id"], outcome="reached")
    wrong = record(reminders_app, to_call["desk"], to_call["reminder_id"], outcome="maybe")
    resident = make.resident(to_call["desk"].center_id)
    by_resident = record(reminders_app, resident, to_call["reminder_id"], outcome="reached")

    assert (foreign.status_code, foreign.json["code"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json["code"]) == (422, "validation_error")
    assert by_resident.status_code == 403
    assert [item["id"] for item in call_list(reminders_app, to_call["desk"])] == [
        to_call["reminder_id"]
    ]


def test_the_console_page_records_a_call_and_the_sheets_carry_the_numbers_audited(
    reminders_app: Flask, to_call: dict[str, Any]
) -> None:
    desk, reminder_id = to_call["desk"], to_call["reminder_id"]
    console = log_in(reminders_app, desk)

    page = console.get("/console/calls").get_data(as_text=True)
    sheet = csv_rows(console.get("/console/calls/sheet.csv"))
    workbook = xlsx_rows(console.get("/console/calls/sheet.xlsx"))
    shown = console.post(f"/console/calls/{reminder_id}/phone").get_data(as_text=True)
    recorded = console.post(f"/console/calls/{reminder_id}/calls", {"outcome": "refused"})

    assert f'data-testid="reminder-{reminder_id}"' in page and "王芳" in page
    assert "137****1111" in page and "13700001111" not in page
    assert sheet[0][:4] == ["提醒编号", "居民编号", "姓名", "电话"]
    assert sheet[1][2:5] == ["王芳", "13700001111", "随访将到期"]
    assert workbook[1][3] == "13700001111"
    assert "13700001111" in shown
    assert audited(reminders_app, "reminder.export") == [to_call["resident_id"]] * 2
    assert audited(reminders_app, "reminder.phone") == [to_call["resident_id"]]
    assert 'data-outcome="refused"' in recorded.get_data(as_text=True)
    empty = console.get("/console/calls").get_data(as_text=True)
    assert 'data-testid="no-calls"' in empty


def call_reminder_at_center_a(w: World) -> int:
    """A reminder on center A's call list: its desk registered the resident, no WeChat."""
    resident_id = registered_at_desk(w.app, w.desk, name="赵丽")
    today = datetime.now(DISTRICT).date()
    schedule_followup(w.app, w.make, resident_id, w.desk.center_id, today + timedelta(days=2))
    run(w.app, at(10, day=today - timedelta(days=1)))
    with w.app.app_context():
        return db.session.scalars(
            select(Reminder.id).where(Reminder.resident_id == resident_id)
        ).one()


def test_the_clerk_reads_a_moment_in_the_districts_time(reminders_app: Flask) -> None:
    """Event and gift reminders keep their moment in UTC: 07:00Z is 15:00 in Guangzhou."""
    with reminders_app.app_context():
        assert when_text("2026-12-07T07:00:00+00:00") == "2026-12-07 15:00"
        assert when_text("2026-12-07") == "2026-12-07"


def test_a_resident_who_moved_is_the_new_centers_to_call(
    reminders_app: Flask, make: Factory, to_call: dict[str, Any]
) -> None:
    new_desk = make.staff("staff", make.center())
    move(reminders_app, to_call["resident_id"], new_desk.center_id)

    old_desk_calls = record(
        reminders_app, to_call["desk"], to_call["reminder_id"], outcome="reached"
    )

    assert call_list(reminders_app, to_call["desk"]) == []
    assert old_desk_calls.status_code == 404
    assert [item["id"] for item in call_list(reminders_app, new_desk)] == [to_call["reminder_id"]]
    listed = reminders_app.test_client().get("/api/v1/reminders", headers=to_call["desk"].headers)
    assert listed.json["items"] == []


def followup_calls(app: Flask, staff: Account, reminder_id: int) -> Any:
    with app.app_context():
        followup_id = db.session.get_one(Reminder, reminder_id).subject_id
    return app.test_client().get(f"/api/v1/followups/{followup_id}/calls", headers=staff.headers)


def test_a_call_about_a_followup_is_one_of_the_followups_calls(
    reminders_app: Flask, to_call: dict[str, Any]
) -> None:
    desk, reminder_id = to_call["desk"], to_call["reminder_id"]

    record(reminders_app, desk, reminder_id, outcome="reached", note="周四上午来")

    calls = followup_calls(reminders_app, desk, reminder_id)
    assert calls.status_code == 200, calls.json
    assert [(call["outcome"], call["note"], call["staff_id"]) for call in calls.json["items"]] == [
        ("reached", "周四上午来", desk.id)
    ]


def test_the_followup_of_a_resident_who_moved_keeps_to_its_own_calls(
    reminders_app: Flask, make: Factory, to_call: dict[str, Any]
) -> None:
    """The reminder is the new center's to call; the follow-up stays the old center's."""
    new_desk = make.staff("staff", make.center())
    move(reminders_app, to_call["resident_id"], new_desk.center_id)

    called = record(reminders_app, new_desk, to_call["reminder_id"], outcome="reached")

    assert called.status_code == 201, called.json
    calls = followup_calls(reminders_app, to_call["desk"], to_call["reminder_id"])
    assert calls.json["items"] == []
