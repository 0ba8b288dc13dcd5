"""The ledger's jobs, run by the scheduler (``flask scheduler run``): expiry, the caps'
counters, Idempotency-Keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.idempotency import IdempotencyKey
from core.jobs import registered_jobs
from points import ledger
from points.models import EarningCounter
from tests.factories import Factory


def run(app: Flask, job: str) -> str:
    result = app.test_cli_runner().invoke(args=["scheduler", "run", job])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_ledgers_jobs_run_after_the_districts_midnight_and_at_night(app: Flask) -> None:
    schedules = {job.name: job.schedule for job in registered_jobs(app)}

    assert schedules["points-expire"] == "5 0 * * *"
    assert schedules["points-prune-counters"] == "15 0 * * *"
    assert schedules["points-prune-keys"] == "30 3 * * *"


def test_the_expire_job_expires_the_lots_that_are_due(app: Flask, make: Factory) -> None:
    resident = make.resident()
    make.credit(resident.id, 10, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    make.credit(resident.id, 4)

    output = run(app, "points-expire")

    assert "points-expire: ok: Expired 1 lot(s)." in output
    with app.app_context():
        assert ledger.balance_of(resident.id) == (4, 0)


def test_the_prune_counters_job_forgets_ended_days_only(app: Flask, make: Factory) -> None:
    resident = make.resident()
    make.checkin(make.event(resident.center_id), resident.id)
    with app.app_context():
        today = db.session.scalars(select(EarningCounter)).first()
        db.session.add(
            EarningCounter(
                resident_id=resident.id, activity=today.activity, period="D2020-01-01", points=1
            )
        )
        db.session.commit()

    output = run(app, "points-prune-counters")

    assert "Removed 1 counter(s) of ended days and months." in output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EarningCounter)) == 2


def test_the_prune_keys_job_forgets_keys_older_than_a_day(app: Flask) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        for key, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=23))):
            db.session.add(
                IdempotencyKey(principal="staff:1", key=key, request_hash="-", created_at=now - age)
            )
        db.session.commit()

    output = run(app, "points-prune-keys")

    assert "Removed 1 idempotency key(s)." in output
    with app.app_context():
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]
