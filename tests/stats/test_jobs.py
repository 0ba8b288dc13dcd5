"""The statistics' rollups are refreshed by the scheduler every five minutes."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.jobs import registered_jobs
from stats.models import DailyCheckins
from tests.factories import Factory
from tests.stats.test_rollups import arrange_a_lecture


def test_the_refresh_job_rolls_up_ended_days(app: Flask, make: Factory) -> None:
    arrange_a_lecture(make)
    (job,) = (job for job in registered_jobs(app) if job.name == "stats-refresh")

    result = app.test_cli_runner().invoke(args=["scheduler", "run", job.name])

    assert job.schedule == "*/5 * * * *"
    assert "stats-refresh: ok: Rolled up" in result.output
    with app.app_context():
        checkins = db.session.scalar(
            select(func.sum(DailyCheckins.checkins)).where(DailyCheckins.scope == 0)
        )
    assert checkins == 3
