"""A closed account's reminders and grants are erased; a merged record's become the
survivor's, and reach it through the WeChat login the merge brought."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from reminders.models import ReminderSubscription
from tests.factories import Factory
from tests.reminders.conftest import (
    FakeWeChat,
    at,
    grant,
    registered_at_desk,
    reminders_of,
    run,
    schedule_followup,
    three_days_after,
)


def grants_of(app: Flask, resident_id: int) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(ReminderSubscription.template, ReminderSubscription.remaining).where(
                    ReminderSubscription.resident_id == resident_id
                )
            ).all()
        )


def test_closing_an_account_erases_its_reminders_and_grants(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    grant(reminders_app, resident.id, count=1)
    grant(reminders_app, resident.id, "points_expiring", 3)
    run(reminders_app, at(10))
    assert len(reminders_of(reminders_app, resident.id)) == 1

    closed = reminders_app.test_client().delete("/api/v1/me", headers=resident.headers)

    assert closed.status_code == 204
    assert reminders_of(reminders_app, resident.id) == []
    assert grants_of(reminders_app, resident.id) == {}
    with reminders_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSubscription)) == 0


def test_a_merged_records_grants_and_reminders_go_to_the_survivor(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    desk = make.staff("staff", center)
    manager = make.staff("manager", center)
    at_desk = registered_at_desk(reminders_app, desk)
    schedule_followup(reminders_app, make, at_desk, center, three_days_after())
    on_wechat = make.resident(center, openid="o-wang-fang")
    grant(reminders_app, on_wechat.id, count=2)
    grant(reminders_app, at_desk, count=1)
    run(reminders_app, at(8))  # planned for the call list: the desk record has no WeChat
    (planned,) = reminders_of(reminders_app, at_desk)
    assert (planned.channel, planned.status) == ("call", "pending")

    merged = reminders_app.test_client().post(
        f"/api/v1/residents/{at_desk}/merge",
        headers=manager.headers,
        json={"from_resident_id": on_wechat.id, "reason": "同一人"},
    )
    assert merged.status_code == 200, merged.json
    run(reminders_app, at(10))

    assert grants_of(reminders_app, on_wechat.id) == {}
    assert grants_of(reminders_app, at_desk) == {"followup_due": 2}  # 3, one spent
    (reminder,) = reminders_of(reminders_app, at_desk)
    assert (reminder.channel, reminder.status) == ("wechat", "sent")
    assert [body["touser"] for _, body in wechat.messages] == ["o-wang-fang"]
