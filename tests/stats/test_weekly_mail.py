"""The weekly report by e-mail: once a week to each manager who asked for it, through a local
SMTP server; nothing without SMTP configured."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from core.jobs import registered_jobs
from stats.weekly_mail import send_weekly_reports
from tests.factories import Account, Factory
from tests.stats.test_summary import local

#: A Monday morning in Shanghai: the last complete week is 2026-W10.
MONDAY = local(2026, 3, 9, 8).astimezone(UTC)


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    received = Inbox()
    with socket.socket() as probe:  # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_FROM="report@example.cn",
        SMTP_STARTTLS=False,
    )
    yield received
    controller.stop()


def opt_in(client: FlaskClient, who: Account, address: str) -> None:
    response = client.put(
        "/api/v1/auth/me", headers=who.headers, json={"email": address, "weekly_report": True}
    )
    assert response.status_code == 200, response.json


def send(app: Flask, now: datetime = MONDAY) -> int:
    with app.app_context():
        sent = send_weekly_reports(now)
        db.session.commit()
        return sent


def test_each_opted_in_manager_gets_the_week_once(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox
) -> None:
    center = make.center("东区中心")
    center_manager, district_manager = make.staff("manager", center), make.staff("manager")
    make.staff("manager", center)  # did not ask
    opt_in(client, center_manager, "dong@example.cn")
    opt_in(client, district_manager, "qu@example.cn")

    assert send(app) == 2
    assert send(app) == 0  # a rerun sends nothing
    assert send(app, local(2026, 3, 15, 23).astimezone(UTC)) == 0  # still the same week

    assert sorted(to for to, _ in inbox.messages) == [["dong@example.cn"], ["qu@example.cn"]]
    message = dict((to[0], m) for to, m in inbox.messages)["dong@example.cn"]
    assert message["Subject"] == "东区中心 · 健康积分周报 2026-W10"
    assert message["From"] == "report@example.cn"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "签到人次" in parts["text/plain"].get_content()
    assert "size: A4" in parts["text/html"].get_content()
    attachment = parts["text/csv"]
    assert attachment.get_filename() == "weekly-2026-W10.csv"
    assert attachment.get_payload(decode=True).decode("utf-8-sig").startswith("指标,")

    assert send(app, local(2026, 3, 16, 8).astimezone(UTC)) == 2  # the next week's
    assert len(inbox.messages) == 4


def test_a_manager_who_withdrew_or_a_deactivated_one_gets_nothing(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox, admin: Account
) -> None:
    withdrew, deactivated = make.staff("manager"), make.staff("manager")
    for who in (withdrew, deactivated):
        opt_in(client, who, f"{who.username}@example.cn")
    client.put("/api/v1/auth/me", headers=withdrew.headers, json={"weekly_report": False})
    client.patch(f"/api/v1/staff/{deactivated.id}", headers=admin.headers, json={"active": False})

    assert send(app) == 0
    assert inbox.messages == []


def test_nothing_is_sent_without_smtp(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox
) -> None:
    manager = make.staff("manager")
    opt_in(client, manager, "qu@example.cn")
    app.config["SMTP_HOST"] = ""

    assert send(app) == 0
    result = app.test_cli_runner().invoke(args=["stats", "weekly-mail"])

    assert "SMTP_HOST is not set" in result.output
    assert inbox.messages == []
    app.config["SMTP_HOST"] = "127.0.0.1"
    assert send(app) == 1  # not recorded as sent while SMTP was off


def test_a_failed_send_is_tried_again_next_run(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox, closed_port: int
) -> None:
    opt_in(client, make.staff("manager"), "qu@example.cn")
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = closed_port

    assert send(app) == 0

    app.config["SMTP_PORT"] = port
    assert send(app) == 1
    assert len(inbox.messages) == 1


def test_the_command_sends_and_says_how_many(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox
) -> None:
    opt_in(client, make.staff("manager"), "qu@example.cn")

    result = app.test_cli_runner().invoke(args=["stats", "weekly-mail"])

    assert result.exit_code == 0, result.output
    assert "Sent 1 weekly report(s)." in result.output
    assert len(inbox.messages) == 1


def test_the_scheduler_mails_on_monday_morning(
    app: Flask, client: FlaskClient, make: Factory, inbox: Inbox
) -> None:
    opt_in(client, make.staff("manager"), "qu@example.cn")
    (job,) = (job for job in registered_jobs(app) if job.name == "stats-weekly-mail")

    result = app.test_cli_runner().invoke(args=["scheduler", "run", job.name])

    assert job.schedule == "0 8 * * 1"
    assert "stats-weekly-mail: ok: Sent 1 weekly report(s)." in result.output
    assert len(inbox.messages) == 1
