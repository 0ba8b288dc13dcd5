"""``flask stats refresh``: rolls up each day once, and two runs at once take turns."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from stats.models import DailyCheckins, RollupState
from stats.rollups import refresh
from tests.factories import Factory
from tests.racing import race

SHANGHAI = ZoneInfo("Asia/Shanghai")


def arrange_a_lecture(make: Factory) -> None:
    center = make.center()
    lecture = make.event(center, starts_at=datetime(2025, 3, 10, 9, tzinfo=SHANGHAI))
    for _ in range(3):
        make.checkin(lecture, make.resident(center).id, datetime(2025, 3, 10, 9, tzinfo=SHANGHAI))


def test_the_command_rolls_up_what_ended_and_then_nothing(app: Flask, make: Factory) -> None:
    arrange_a_lecture(make)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["stats", "refresh"])
    second = runner.invoke(args=["stats", "refresh"])

    assert first.exit_code == 0 and "Rolled up" in first.output
    assert "Rolled up 0 day(s)." in second.output
    with app.app_context():
        state = db.session.get(RollupState, 1)
        assert state is not None
        assert state.covered_through < datetime.now(SHANGHAI).date()  # today is still open
        checkins = db.session.scalar(
            select(func.sum(DailyCheckins.checkins)).where(DailyCheckins.scope == 0)
        )
    assert checkins == 3


def test_two_refreshes_at_once_take_turns(racing_app: Flask, make: Factory) -> None:
    arrange_a_lecture(make)

    outcomes = race(racing_app, 2, lambda _: refresh(datetime.now(UTC), SHANGHAI))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert 0 in outcomes  # the second found nothing left to do
    with racing_app.app_context():
        total = db.session.scalar(
            select(func.sum(DailyCheckins.checkins)).where(DailyCheckins.scope == 0)
        )
    assert total == 3
