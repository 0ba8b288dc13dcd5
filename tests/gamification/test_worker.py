"""Off the hot path: the check-in writes nothing for gamification; the worker finds it in
the history (``flask gamification run`` is one pass) and refreshes its resident."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from gamification import worker
from gamification.models import BadgeAward, GamificationCursor
from gamification.progress import GameSettings
from merging import service as merging
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements
from tests.merging.test_link import register


def badges(client: FlaskClient, resident: Account) -> list[str]:
    return [badge["code"] for badge in achievements(client, resident)["badges"]]


def one_pass(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["gamification", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_worker_awards_what_a_checkin_earned_and_takes_back_what_an_annulment_undid(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = False
    checkin = make.checkin(make.event(resident.center_id), resident.id)
    before = badges(client, resident)

    first = one_pass(app)
    awarded = badges(client, resident)
    again = one_pass(app)
    make.annul(checkin, resident.center_id or 0)
    after_annulment = one_pass(app)

    assert before == [] and "Refreshed 1 " in first and awarded == ["first_lecture"]
    assert "Refreshed 1 " in again  # within the margin: a new process has seen nothing yet
    assert "Refreshed 1 " in after_annulment and badges(client, resident) == []


def test_a_pass_skips_what_it_refreshed_for_and_moves_its_cursor_on(
    app: Flask, make: Factory, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = False
    make.checkin(make.event(resident.center_id), resident.id)
    settings = GameSettings.from_config(app.config)
    seen: worker.Seen = {}
    with app.app_context():
        first = worker.run_once(settings, seen)
        second = worker.run_once(settings, seen)
        until = db.session.get(GamificationCursor, 1).scanned_until  # type: ignore[union-attr]

    assert (first, second) == (1, 0)
    assert datetime.now(UTC) - until < timedelta(minutes=1)


def test_a_checkin_committed_after_its_moment_is_found_within_the_margin(
    app: Flask, make: Factory, resident: Account
) -> None:
    """A check-in dated before the last pass but committed after it."""
    app.config["GAMIFICATION_INLINE"] = False
    settings = GameSettings.from_config(app.config)
    event = make.event(resident.center_id)
    with app.app_context():
        worker.run_once(settings)
    make.checkin(event, resident.id, at=datetime.now(UTC) - timedelta(seconds=30))

    with app.app_context():
        assert worker.run_once(settings) == 1


def test_two_records_merged_play_as_one(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    """The desk record came to a lecture; merged into the WeChat account, the lecture is
    the survivor's first, and the merged record holds no badge."""
    app.config["GAMIFICATION_INLINE"] = False
    kept = make.resident(desk.center_id)
    other = register(client, desk)
    make.checkin(make.event(desk.center_id), other)
    one_pass(app)
    with app.app_context():
        merging.merge(manager.principal, kept.id, other, "同一人，两份档案", datetime.now(UTC))
        db.session.commit()

    one_pass(app)

    assert badges(client, kept) == ["first_lecture"]
    with app.app_context():
        left = select(BadgeAward).where(BadgeAward.resident_id == other)
        assert db.session.scalars(left).all() == []


def test_the_worker_yields_the_processor_to_the_web_workers(
    app: Flask, make: Factory, resident: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a hall's rush the check-ins come first: the worker runs at a lower priority, and
    its passes still refresh who checked in."""
    make.checkin(make.event(kind="lecture"), resident.id)
    niceness: list[int] = []
    monkeypatch.setattr(os, "nice", niceness.append)
    monkeypatch.setattr(worker.time, "sleep", stop_after_one_pass)

    result = app.test_cli_runner().invoke(args=["gamification", "work"])

    assert niceness == [10]
    assert "Refreshed 1 residents." in result.output


def stop_after_one_pass(_seconds: float) -> None:
    raise KeyboardInterrupt  # as systemd's stop would
