"""A sign-up's reminder: written with the sign-up, sent the day before at 10:00, called off
with the sign-up or the event."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Flask

from core.db import db
from events import service as events
from tests.factories import Factory
from tests.reminders.conftest import DISTRICT, FakeWeChat, grant, reminders_of, run


def an_event_in_three_days(make: Factory, center: int) -> tuple[int, datetime]:
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(DISTRICT).date()
    starts_at = datetime.combine(day, time(15), DISTRICT)
    return make.event(center, starts_at=starts_at, capacity=30, location="三楼会议室"), starts_at


def test_a_sign_up_is_recalled_the_day_before_at_ten(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    event_id, starts_at = an_event_in_three_days(make, center)
    grant(reminders_app, resident.id, "event_reminder")
    client = reminders_app.test_client()

    signed = client.post(f"/api/v1/events/{event_id}/signups", headers=resident.headers)

    assert signed.status_code == 201, signed.json
    (reminder,) = reminders_of(reminders_app, resident.id)
    day_before = starts_at.date() - timedelta(days=1)
    assert reminder.kind == "event_reminder"
    assert reminder.send_after == datetime.combine(day_before, time(10), DISTRICT)
    run(reminders_app, datetime.combine(day_before, time(9, 30), DISTRICT))
    assert wechat.messages == []
    run(reminders_app, datetime.combine(day_before, time(10), DISTRICT))
    ((_, body),) = wechat.messages
    assert body["template_id"] == "tpl-event"
    # The event is "控制血压，从吃盐做起": a title may name a condition, the kind cannot.
    assert body["data"]["thing1"] == {"value": "健康讲座"}
    assert body["data"]["thing3"] == {"value": "三楼会议室"}
    assert body["data"]["time2"]["value"].endswith(" 15:00")


def test_a_sign_up_called_off_is_not_recalled(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    event_id, starts_at = an_event_in_three_days(make, center)
    grant(reminders_app, resident.id, "event_reminder")
    client = reminders_app.test_client()
    client.post(f"/api/v1/events/{event_id}/signups", headers=resident.headers)

    off = client.delete(f"/api/v1/events/{event_id}/signups/me", headers=resident.headers)

    assert off.status_code == 204
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert reminder.status == "cancelled"
    run(reminders_app, datetime.combine(starts_at.date() - timedelta(days=1), time(10), DISTRICT))
    assert wechat.messages == []


def test_an_event_called_off_is_not_recalled(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    event_id, starts_at = an_event_in_three_days(make, center)
    grant(reminders_app, resident.id, "event_reminder")
    reminders_app.test_client().post(f"/api/v1/events/{event_id}/signups", headers=resident.headers)
    with reminders_app.app_context():
        events.cancel_event(make.organizer(center).principal, event_id, datetime.now(UTC))
        db.session.commit()

    run(reminders_app, datetime.combine(starts_at.date() - timedelta(days=1), time(10), DISTRICT))

    assert wechat.messages == []
    (reminder,) = reminders_of(reminders_app, resident.id)
    assert reminder.status == "cancelled"


def test_an_event_moved_is_recalled_for_its_new_day(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    event_id, starts_at = an_event_in_three_days(make, center)
    grant(reminders_app, resident.id, "event_reminder")
    reminders_app.test_client().post(f"/api/v1/events/{event_id}/signups", headers=resident.headers)
    later = starts_at + timedelta(days=7)
    with reminders_app.app_context():
        events.update_event(
            make.organizer(center).principal,
            event_id,
            {"starts_at": later, "ends_at": later + timedelta(hours=2)},
        )
        db.session.commit()

    run(reminders_app, datetime.combine(starts_at.date() - timedelta(days=1), time(10), DISTRICT))
    assert wechat.messages == []
    run(reminders_app, datetime.combine(later.date() - timedelta(days=1), time(10), DISTRICT))

    ((_, body),) = wechat.messages
    assert body["data"]["time2"]["value"].startswith(f"{later.year}年{later.month}月{later.day}日")
