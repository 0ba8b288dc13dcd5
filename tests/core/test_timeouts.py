"""A request never waits on the database for long: a held lock or a statement past its
timeout answers 503 ``unavailable`` with ``Retry-After`` (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from core.db import db, prepare_report_transaction
from tests.factories import Factory


@contextmanager
def account_locked_elsewhere(database_url: str, resident_id: int) -> Iterator[None]:
    """The resident's account row locked by another session (as from psql) until the end.

    PostgreSQL ends that session after 10 s idle, so without timeouts of its own a request
    would wait that long and then succeed (the test fails) rather than hang the suite.
    """
    engine = create_engine(database_url)
    try:
        with engine.connect() as other:
            other.execute(text("SET idle_in_transaction_session_timeout = '10s'"))
            locked = other.execute(
                text("SELECT resident_id FROM points_accounts WHERE resident_id = :id FOR UPDATE"),
                {"id": resident_id},
            ).all()
            assert locked, "the account exists"
            yield
    finally:
        engine.dispose()


def assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert (response.status_code, response.content_type) == (503, "application/problem+json")
    assert response.json["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "timeouts",
    [
        {"DB_LOCK_TIMEOUT_MS": 100},  # the lock wait gives up first
        {"DB_LOCK_TIMEOUT_MS": 0, "DB_STATEMENT_TIMEOUT_MS": 100},  # no lock timeout: the statement
    ],
    ids=["lock_timeout", "statement_timeout"],
)
def test_a_redemption_and_an_adjustment_on_a_locked_account_answer_503(
    app: Flask, client: FlaskClient, make: Factory, database_url: str, timeouts: dict[str, int]
) -> None:
    app.config.update(timeouts)
    desk = make.staff("staff", center_id=make.center())
    manager = make.staff("manager", center_id=desk.center_id)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": "腰围尺", "points_cost": 10}
    ).json
    client.post(
        f"/api/v1/catalog/items/{item['id']}/stock",
        headers=manager.headers,
        json={"center_id": desk.center_id, "delta": 5, "reason": "received"},
    )

    with account_locked_elsewhere(database_url, resident.id):
        redemption = client.post(
            "/api/v1/redemptions",
            headers=desk.headers,
            json={"resident_id": resident.id, "item_id": item["id"]},
        )
        adjustment = client.post(
            f"/api/v1/residents/{resident.id}/adjustments",
            headers=manager.headers,
            json={"points": 5, "reason": "补录"},
        )
        health = client.get("/api/v1/health")

    assert_unavailable(redemption)
    assert_unavailable(adjustment)
    assert health.status_code == 200
    me = client.get("/api/v1/me", headers=resident.headers).json
    assert me["balance"] == 100  # nothing was written


def settings_in_a_request(app: Flask, prepare: bool = False) -> tuple[str, str]:
    with app.test_request_context():
        if prepare:
            prepare_report_transaction()
        row = db.session.execute(
            text("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
        ).one()
        db.session.rollback()
        return row[0], row[1]


def test_requests_get_the_timeouts_and_reports_a_longer_statement_timeout(app: Flask) -> None:
    app.config.update(
        DB_STATEMENT_TIMEOUT_MS=4000,
        DB_LOCK_TIMEOUT_MS=1500,
        DB_REPORT_STATEMENT_TIMEOUT_MS=12000,
    )

    assert settings_in_a_request(app) == ("4s", "1500ms")
    assert settings_in_a_request(app, prepare=True) == ("12s", "1500ms")
    assert settings_in_a_request(app) == ("4s", "1500ms")  # SET LOCAL: that transaction only


def test_jobs_outside_a_request_run_without_a_timeout(app: Flask, client: FlaskClient) -> None:
    assert client.get("/api/v1/health").status_code == 200  # the pooled connection served one

    with app.app_context():
        row = db.session.execute(
            text("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
        ).one()

    assert tuple(row) == ("0", "0")
