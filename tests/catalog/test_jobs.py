"""Reservations nobody picked up are released by the scheduler's daily job."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from core.jobs import registered_jobs
from points import ledger
from tests.catalog.test_redemption import gift, stock_at
from tests.catalog.test_reservations import lapse, reserve
from tests.factories import Account, Factory


def test_the_daily_job_releases_lapsed_reservations(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)
    lapse(app, reserve(client, resident, item_id, desk.center_id).json["id"])
    (job,) = (job for job in registered_jobs(app) if job.name == "catalog-expire-reservations")

    result = app.test_cli_runner().invoke(args=["scheduler", "run", job.name])

    assert job.schedule == "10 0 * * *"
    assert "catalog-expire-reservations: ok: Released 1 lapsed reservation(s)." in result.output
    assert stock_at(client, desk, item_id, desk.center_id) == 1
    with app.app_context():
        assert ledger.balance_of(resident.id) == (50, 0)
