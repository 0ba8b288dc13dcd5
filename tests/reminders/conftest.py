"""Reminders' tests: an app whose WeChat is pytest-httpserver (:class:`FakeWeChat` plays the
access token and the subscribe-message send), follow-ups scheduled through the service, and
runs at chosen district moments."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from core.db import db
from events import followups
from identity import service as identity
from reminders import subscriptions
from reminders.jobs import run_reminders
from reminders.models import Reminder, ReminderAttempt
from tests.conftest import Build
from tests.factories import Account, Factory
from tests.wechat import wechat_config

DISTRICT = ZoneInfo("Asia/Shanghai")
#: A day to run on, and the follow-up three days after it.
DAY = date(2027, 3, 1)
TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/subscribe/send"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """``hour:minute`` in the district on ``day``."""
    return datetime.combine(day, time(hour, minute), DISTRICT)


Answer = dict[str, Any] | int | Callable[[], Response]


class FakeWeChat:
    """WeChat's token and send endpoints: tokens ``token-1``, ``token-2``... (each request
    a new one), and sends answered by ``answers`` in order (a JSON body, an HTTP status, or
    a function making the response), then ``ok``. Records what it was asked."""

    def __init__(self, server: HTTPServer) -> None:
        self.token_requests: list[dict[str, Any]] = []
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[Answer] = []
        server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(self._token)
        server.expect_request(SEND_PATH, method="POST").respond_with_handler(self._send)

    def _token(self, request: Request) -> Response:
        self.token_requests.append(request.get_json())
        token = {"access_token": f"token-{len(self.token_requests)}", "expires_in": 7200}
        return Response(json.dumps(token), content_type="application/json")

    def _send(self, request: Request) -> Response:
        self.messages.append((request.args["access_token"], request.get_json()))
        answer = self.answers.pop(0) if self.answers else {"errcode": 0, "errmsg": "ok"}
        if isinstance(answer, int):
            return Response("busy", status=answer)
        if callable(answer):
            return answer()
        return Response(json.dumps(answer), content_type="application/json")


@pytest.fixture
def wechat(httpserver: HTTPServer) -> FakeWeChat:
    return FakeWeChat(httpserver)


@pytest.fixture
def reminders_app(build: Build, httpserver: HTTPServer) -> Flask:
    return build(
        **wechat_config(httpserver.url_for(""), timeout=0.3),
        WECHAT_TEMPLATE_FOLLOWUP_DUE="tpl-followup",
        WECHAT_TEMPLATE_POINTS_EXPIRING="tpl-points",
        WECHAT_TEMPLATE_PICKUP_EXPIRING="tpl-pickup",
        WECHAT_TEMPLATE_EVENT_REMINDER="tpl-event",
        REMINDER_RETRY_SECONDS=0,
        REMINDER_MAX_ATTEMPTS=3,
        REMINDER_SENDERS=2,
    )


def schedule_followup(
    app: Flask, make: Factory, resident_id: int, center_id: int, due_on: date
) -> int:
    """A desk schedules a hypertension follow-up (the resident consented first)."""
    make.consent(resident_id)
    desk = make.staff("staff", center_id)
    with app.app_context():
        followup = followups.schedule(desk.principal, resident_id, "hypertension", due_on)
        db.session.commit()
        return followup.id


def grant(app: Flask, resident_id: int, template: str = "followup_due", count: int = 1) -> None:
    with app.app_context():
        subscriptions.grant(resident_id, template, count, at(9))
        db.session.commit()


def registered_at_desk(app: Flask, desk: Account, name: str = "王芳") -> int:
    """A resident without WeChat, registered at the desk."""
    with app.app_context():
        resident = identity.register_resident(desk.principal, name, "13700001111")
        db.session.commit()
        return resident.id


def run(app: Flask, now: datetime) -> dict[str, Any]:
    with app.app_context():
        return run_reminders(now)


def reminders_of(app: Flask, resident_id: int) -> list[Reminder]:
    with app.app_context():
        found = db.session.scalars(
            select(Reminder).where(Reminder.resident_id == resident_id).order_by(Reminder.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def attempts_of(app: Flask, reminder_id: int) -> list[ReminderAttempt]:
    with app.app_context():
        found = db.session.scalars(
            select(ReminderAttempt)
            .where(ReminderAttempt.reminder_id == reminder_id)
            .order_by(ReminderAttempt.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def three_days_after(day: date = DAY) -> date:
    return day + timedelta(days=3)
