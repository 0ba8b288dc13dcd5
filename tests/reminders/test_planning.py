"""What is decided, once: expiring points by day, reserved gifts about to lapse, overdue
follow-ups; a reminder whose cause went away is never sent; the desk's call list."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from catalog.models import Redemption
from core.db import db
from events.models import FollowUp
from points.ledger import Source
from points.service import debit, reverse
from reminders.planning import plan_reminders
from reminders.settings import ReminderSettings
from tests.desks import reserve
from tests.factories import Factory
from tests.reminders.conftest import (
    DAY,
    DISTRICT,
    FakeWeChat,
    at,
    grant,
    registered_at_desk,
    reminders_of,
    run,
    schedule_followup,
    three_days_after,
)


def test_points_expiring_are_one_reminder_per_expiry_day(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident = make.resident()
    year_end = at(23, 59, DAY + timedelta(days=20))
    make.credit(resident.id, 30, expires_at=year_end)
    make.credit(resident.id, 50, expires_at=year_end)
    make.credit(resident.id, 10, expires_at=at(12, 0, DAY + timedelta(days=5)))
    make.credit(resident.id, 70, expires_at=at(12, 0, DAY + timedelta(days=60)))  # not yet
    grant(reminders_app, resident.id, "points_expiring", 5)

    run(reminders_app, at(10))
    run(reminders_app, at(15))

    reminders = reminders_of(reminders_app, resident.id)
    assert sorted((r.kind, r.subject_id, r.data["amount"]) for r in reminders) == [
        ("points_expiring", 20270306, 10),
        ("points_expiring", 20270321, 80),
    ]
    sent = sorted(body["data"]["number3"]["value"] for _, body in wechat.messages)
    assert sent == ["10", "80"]
    assert all(body["page"] == "pages/points/index" for _, body in wechat.messages)


def test_a_points_reminder_says_what_is_left_when_it_goes_out(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    """Decided at night, it waits for eight; a gift in between spent some of the points, and
    a second resident's spent all of theirs."""
    spends_some, spends_all = make.resident(), make.resident()
    year_end = at(23, 59, DAY + timedelta(days=20))
    for resident in (spends_some, spends_all):
        make.credit(resident.id, 80, expires_at=year_end)
        make.credit(resident.id, 100)  # never lapses: spent last
        grant(reminders_app, resident.id, "points_expiring")
    with reminders_app.app_context():
        plan_reminders(at(22), ReminderSettings.from_config(reminders_app.config))
        db.session.commit()
    _spend(reminders_app, spends_some.id, 60)
    _spend(reminders_app, spends_all.id, 150)

    run(reminders_app, at(8, 0, DAY + timedelta(days=1)))

    assert [body["data"]["number3"]["value"] for _, body in wechat.messages] == ["20"]
    (some,) = reminders_of(reminders_app, spends_some.id)
    (none,) = reminders_of(reminders_app, spends_all.id)
    assert (some.status, some.data["amount"]) == ("sent", 20)
    assert none.status == "cancelled"


def test_points_given_back_to_their_day_are_announced_again(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    """All spent, the reminder went; a refund brings them back with their expiry."""
    resident = make.resident()
    make.credit(resident.id, 80, expires_at=at(23, 59, DAY + timedelta(days=20)))
    grant(reminders_app, resident.id, "points_expiring")
    with reminders_app.app_context():
        plan_reminders(at(22), ReminderSettings.from_config(reminders_app.config))
        db.session.commit()
    gift = _spend(reminders_app, resident.id, 80)
    run(reminders_app, at(8, 0, DAY + timedelta(days=1)))
    with reminders_app.app_context():
        reverse(gift, "礼品退回", None)
        db.session.commit()

    run(reminders_app, at(9, 0, DAY + timedelta(days=1)))

    (reminder,) = reminders_of(reminders_app, resident.id)
    assert (reminder.status, reminder.data["amount"]) == ("sent", 80)
    assert [body["data"]["number3"]["value"] for _, body in wechat.messages] == ["80"]


def _spend(app: Flask, resident_id: int, amount: int) -> int:
    """A gift paid with points; its ledger transaction."""
    with app.app_context():
        spent = debit(resident_id, amount, Source("test", f"gift-{resident_id}", "兑换礼品"), None)
        db.session.commit()
        assert spent.transaction_id is not None
        return spent.transaction_id


def test_a_reserved_gift_is_recalled_the_day_before_it_lapses(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    manager = make.staff("manager", center)
    resident = make.resident(center)
    make.credit(resident.id, 100)
    client = reminders_app.test_client()
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": "腰围尺", "points_cost": 30}
    ).json["id"]
    client.post(
        f"/api/v1/catalog/items/{item}/stock",
        headers=manager.headers,
        json={"center_id": center, "delta": 5, "reason": "received"},
    )
    reserve(client, resident, item, center)
    grant(reminders_app, resident.id, "pickup_expiring")
    (lapses,) = _reservation_expiries(reminders_app, resident.id)
    the_day_before = (lapses - timedelta(days=1)).astimezone(DISTRICT).date()

    run(reminders_app, at(10, 0, the_day_before - timedelta(days=2)))  # too early
    assert wechat.messages == []
    run(reminders_app, at(10, 0, the_day_before))

    ((_, body),) = wechat.messages
    assert body["template_id"] == "tpl-pickup"
    assert body["data"]["thing1"] == {"value": "腰围尺"}
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert (reminder.kind, reminder.status) == ("pickup_expiring", "sent")


def _reservation_expiries(app: Flask, resident_id: int) -> list[datetime]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Redemption.expires_at).where(Redemption.resident_id == resident_id)
            )
        )


def test_an_overdue_follow_up_is_recalled_once(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    schedule_followup(reminders_app, make, resident.id, center, DAY + timedelta(days=1))
    grant(reminders_app, resident.id, count=5)

    for day in range(5):
        run(reminders_app, at(10, 0, DAY + timedelta(days=day)))

    assert [r.kind for r in reminders_of(reminders_app, resident.id)] == [
        "followup_due",
        "followup_overdue",
    ]
    titles = [body["data"]["thing1"]["value"] for _, body in wechat.messages]
    assert titles == ["随访提醒", "随访已逾期"]


def test_a_follow_up_done_before_its_reminder_went_out_is_not_recalled(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    followup_id = schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    grant(reminders_app, resident.id)
    with reminders_app.app_context():
        plan_reminders(at(22), ReminderSettings.from_config(reminders_app.config))
        db.session.commit()
    _complete(reminders_app, followup_id)

    run(reminders_app, at(8, 0, DAY + timedelta(days=1)))

    assert wechat.messages == []
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert reminder.status == "cancelled"


def _complete(app: Flask, followup_id: int) -> None:
    with app.app_context():
        db.session.get(FollowUp, followup_id).done_at = at(23)  # type: ignore[union-attr]
        db.session.commit()


def test_decided_at_night_it_waits_for_eight(reminders_app: Flask, make: Factory) -> None:
    center = make.center()
    resident = make.resident(center)
    schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    settings = ReminderSettings.from_config(reminders_app.config)

    with reminders_app.app_context():
        planned = plan_reminders(at(22, 30), settings)
        again = plan_reminders(at(23), settings)
        db.session.commit()

    assert planned["followup_due"] == 1 and again["followup_due"] == 0
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert reminder.send_after == at(8, 0, DAY + timedelta(days=1))


def test_residents_without_wechat_are_the_desks_call_list(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    desk = make.staff("staff", center)
    resident_id = registered_at_desk(reminders_app, desk)
    schedule_followup(reminders_app, make, resident_id, center, three_days_after())
    other_desk = make.staff("staff", make.center())

    run(reminders_app, at(10))

    assert wechat.messages == []
    client = reminders_app.test_client()
    listed = client.get(
        "/api/v1/reminders",
        query_string={"channel": "call", "status": "pending"},
        headers=desk.headers,
    ).json["items"]
    assert [(r["resident_id"], r["kind"], r["title"]) for r in listed] == [
        (resident_id, "followup_due", "随访提醒")
    ]
    assert listed[0]["resident_name"] == "王芳"
    assert listed[0]["phone_masked"] == "137****1111"
    elsewhere = client.get("/api/v1/reminders", headers=other_desk.headers).json["items"]
    assert elsewhere == []


def test_a_follow_up_moved_is_recalled_for_its_new_day(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    followup_id = schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    grant(reminders_app, resident.id)
    with reminders_app.app_context():
        plan_reminders(at(22), ReminderSettings.from_config(reminders_app.config))
        moved = DAY + timedelta(days=2)
        db.session.get(FollowUp, followup_id).due_on = moved  # type: ignore[union-attr]
        db.session.commit()

    run(reminders_app, at(10, 0, DAY + timedelta(days=1)))

    ((_, body),) = wechat.messages
    assert body["data"]["date2"]["value"] == f"{moved.year}年{moved.month}月{moved.day}日"
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert (reminder.status, reminder.data["when"]) == ("sent", moved.isoformat())
