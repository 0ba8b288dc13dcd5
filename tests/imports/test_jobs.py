"""A dry run's rows are forgotten an hour on by the scheduler's job, without waiting for the
next import."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from core.jobs import registered_jobs
from imports.models import ImportBatch, ImportRow
from tests.factories import Account
from tests.imports.conftest import csv_bytes, send
from tests.imports.test_confirm import SHEET


def test_the_job_forgets_the_rows_of_checks_not_confirmed_within_the_hour(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    old = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    recent = send(client, manager, "attendance", csv_bytes(SHEET), dry_run=True).json
    with app.app_context():
        db.session.get(ImportBatch, old["id"]).created_at -= timedelta(minutes=61)
        db.session.commit()
    (job,) = (job for job in registered_jobs(app) if job.name == "imports-forget-held")

    result = app.test_cli_runner().invoke(args=["scheduler", "run", job.name])

    assert job.schedule == "*/10 * * * *"
    assert "imports-forget-held: ok: Forgot 3 row(s) of unconfirmed checks." in result.output
    with app.app_context():
        held = select(ImportRow.batch_id, func.count()).group_by(ImportRow.batch_id)
        assert db.session.execute(held).all() == [(recent["id"], 3)]
