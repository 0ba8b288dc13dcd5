"""Expired refresh tokens are forgotten by the scheduler's daily job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from core.db import db
from core.jobs import registered_jobs
from identity.models import RefreshToken
from tests.factories import Factory


def test_the_daily_job_prunes_expired_refresh_tokens(app: Flask, make: Factory) -> None:
    lapsed, current = make.resident(), make.resident()
    with app.app_context():
        token = select(RefreshToken).where(RefreshToken.resident_id == lapsed.id)
        for row in db.session.scalars(token):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    (job,) = (job for job in registered_jobs(app) if job.name == "identity-prune-tokens")

    result = app.test_cli_runner().invoke(args=["scheduler", "run", job.name])

    assert job.schedule == "20 3 * * *"
    assert "identity-prune-tokens: ok: Pruned 1 expired refresh token(s)." in result.output
    with app.app_context():
        assert db.session.scalars(select(RefreshToken.resident_id)).all() == [current.id]
