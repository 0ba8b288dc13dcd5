"""Sending through a fake WeChat (pytest-httpserver): once per grant, never at night, its
refusals, stale tokens, 5xx and slowness each handled as WeChat means them."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from flask import Flask
from pytest_httpserver import HTTPServer
from werkzeug import Response

from core.db import db
from reminders.models import ReminderSubscription
from tests.factories import Factory
from tests.reminders.conftest import (
    FakeWeChat,
    at,
    attempts_of,
    grant,
    reminders_of,
    run,
    schedule_followup,
    three_days_after,
)


def a_resident_due_in_three_days(app: Flask, make: Factory, grants: int = 1) -> int:
    center = make.center()
    resident = make.resident(center, openid="o-chen-wei")
    schedule_followup(app, make, resident.id, center, three_days_after())
    if grants:
        grant(app, resident.id, count=grants)
    return resident.id


def test_a_follow_up_due_in_three_days_is_one_message_that_names_no_condition(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make, grants=2)

    run(reminders_app, at(10))
    run(reminders_app, at(10, 5))  # a second run decides and sends nothing more

    assert len(wechat.messages) == 1
    token, body = wechat.messages[0]
    assert token == "token-1"
    assert body["touser"] == "o-chen-wei"
    assert body["template_id"] == "tpl-followup"
    assert body["data"]["thing1"] == {"value": "随访提醒"}
    assert body["data"]["date2"] == {"value": "2027年3月4日"}
    assert "hypertension" not in json.dumps(body) and "高血压" not in json.dumps(body)
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert (reminder.kind, reminder.status, reminder.channel) == ("followup_due", "sent", "wechat")
    (attempt,) = attempts_of(reminders_app, reminder.id)
    assert (attempt.http_status, attempt.errcode) == (200, 0)


def test_the_grant_is_spent_by_the_message(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    grant(reminders_app, resident.id)

    run(reminders_app, at(10))

    client = reminders_app.test_client()
    held = client.get("/api/v1/me/subscriptions", headers=resident.headers).json["items"]
    assert {"template": "followup_due", "remaining": 0, "template_id": "tpl-followup"} in held


def test_without_a_grant_nothing_is_sent(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make, grants=0)

    run(reminders_app, at(10))
    grant(reminders_app, resident_id)  # granted later: the reminder was decided already
    run(reminders_app, at(11))

    assert wechat.messages == []
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "no_grant"


def test_nothing_goes_out_at_night_and_the_first_message_at_eight(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)

    assert run(reminders_app, at(21))["quiet"] is True
    assert run(reminders_app, at(7, 59))["quiet"] is True
    assert wechat.messages == []
    assert reminders_of(reminders_app, resident_id) == []

    run(reminders_app, at(8))

    assert len(wechat.messages) == 1
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "sent"
    assert reminder.send_after == at(8)


def test_a_refused_send_is_not_retried_and_the_grants_are_gone(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make, grants=3)
    wechat.answers = [{"errcode": 43101, "errmsg": "user refuse to accept the msg"}]

    run(reminders_app, at(10))
    run(reminders_app, at(11))

    assert len(wechat.messages) == 1
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "refused"
    (attempt,) = attempts_of(reminders_app, reminder.id)
    assert (attempt.errcode, attempt.errmsg) == (43101, "user refuse to accept the msg")
    assert _remaining(reminders_app, make, resident_id) == 0


def _remaining(app: Flask, make: Factory, resident_id: int) -> int:
    with app.app_context():
        subscription = db.session.get(ReminderSubscription, (resident_id, "followup_due"))
        return subscription.remaining if subscription else 0


def test_a_stale_token_is_replaced_once(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)
    wechat.answers = [{"errcode": 42001, "errmsg": "access_token expired"}]

    run(reminders_app, at(10))

    assert [token for token, _ in wechat.messages] == ["token-1", "token-2"]
    assert [asked["force_refresh"] for asked in wechat.token_requests] == [False, True]
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "sent"
    assert [a.errcode for a in attempts_of(reminders_app, reminder.id)] == [42001, 0]


def test_a_token_refused_twice_is_not_replaced_again(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)
    wechat.answers = [{"errcode": 40001, "errmsg": "invalid credential"}] * 2

    run(reminders_app, at(10))

    assert len(wechat.token_requests) == 2
    assert len(wechat.messages) == 2
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "failed"


def test_5xx_is_tried_a_bounded_number_of_times(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)
    wechat.answers = [502] * 10

    run(reminders_app, at(10))
    run(reminders_app, at(11))

    assert len(wechat.messages) == 3  # REMINDER_MAX_ATTEMPTS
    (reminder,) = reminders_of(reminders_app, resident_id)
    assert (reminder.status, reminder.attempts) == ("failed", 3)
    assert [a.http_status for a in attempts_of(reminders_app, reminder.id)] == [502] * 3


def test_a_rate_limit_then_success_is_sent(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)
    wechat.answers = [{"errcode": 45009, "errmsg": "reach max api daily quota limit"}, 503]

    run(reminders_app, at(10))

    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "sent"
    attempts = attempts_of(reminders_app, reminder.id)
    assert [(a.http_status, a.errcode) for a in attempts] == [(200, 45009), (503, None), (200, 0)]


def test_a_slow_wechat_fails_the_reminder_without_hanging_or_sending_twice(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat, httpserver: HTTPServer
) -> None:
    """The request went out and no answer came: WeChat may have delivered it, so it is not
    sent again, and the grant stays spent."""
    resident_id = a_resident_due_in_three_days(reminders_app, make)

    def slow() -> Response:
        time.sleep(0.5)  # the app waits 0.3 s (WECHAT_TIMEOUT)
        return Response(json.dumps({"errcode": 0}), content_type="application/json")

    wechat.answers = [slow] * 3

    run(reminders_app, at(10))

    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "failed"
    attempts = attempts_of(reminders_app, reminder.id)
    assert [(a.http_status, a.errmsg) for a in attempts] == [(None, "ReadTimeout")]
    assert len(wechat.messages) == 1
    assert _remaining(reminders_app, make, resident_id) == 0
    # The late answer is out before the next test's server starts.
    deadline = time.monotonic() + 10
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_send_wechat_never_took_gives_the_grant_back(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    resident_id = a_resident_due_in_three_days(reminders_app, make)
    wechat.answers = [503] * 3

    run(reminders_app, at(10))

    (reminder,) = reminders_of(reminders_app, resident_id)
    assert reminder.status == "failed" and len(wechat.messages) == 3
    assert _remaining(reminders_app, make, resident_id) == 1


def test_night_falling_during_retries_holds_the_rest_back(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    """Claimed a moment before 21:00, the first answer slow to come: the retry would go
    out after 21:00, so the reminder goes back to the queue with its grant."""
    resident_id = a_resident_due_in_three_days(reminders_app, make)

    def busy_and_slow() -> Response:
        time.sleep(0.2)
        return Response("busy", status=503)

    wechat.answers = [busy_and_slow]

    run(reminders_app, at(20, 59) + timedelta(seconds=59.9))

    (reminder,) = reminders_of(reminders_app, resident_id)
    assert len(wechat.messages) == 1
    assert (reminder.status, reminder.claimed_at) == ("pending", None)
    assert _remaining(reminders_app, make, resident_id) == 1


def test_no_access_token_holds_every_reminder_back_after_one_ask(
    reminders_app: Flask, make: Factory, httpserver: HTTPServer
) -> None:
    """A wrong secret (40125): no storm of token requests, nothing spent, nothing lost."""
    httpserver.expect_request("/cgi-bin/stable_token", method="POST").respond_with_json(
        {"errcode": 40125, "errmsg": "invalid appsecret"}
    )
    residents = []
    for n in range(5):
        center = make.center()
        resident = make.resident(center, openid=f"o-resident-{n}")
        schedule_followup(reminders_app, make, resident.id, center, three_days_after())
        grant(reminders_app, resident.id)
        residents.append(resident.id)

    run(reminders_app, at(10))

    token_asks = [r for r, _ in httpserver.log if r.path == "/cgi-bin/stable_token"]
    assert len(token_asks) <= 2  # one per sender thread at most (REMINDER_SENDERS=2)
    for resident_id in residents:
        (reminder,) = reminders_of(reminders_app, resident_id)
        assert reminder.status == "pending"
        assert _remaining(reminders_app, make, resident_id) == 1


def test_two_reminders_of_one_template_spend_two_grants(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat
) -> None:
    center = make.center()
    resident = make.resident(center)
    schedule_followup(reminders_app, make, resident.id, center, at(0).date() - timedelta(days=2))
    schedule_followup(reminders_app, make, resident.id, center, three_days_after())
    grant(reminders_app, resident.id, count=1)

    run(reminders_app, at(10))

    assert len(wechat.messages) == 1
    statuses = sorted(r.status for r in reminders_of(reminders_app, resident.id))
    assert statuses == ["no_grant", "sent"]
