"""``flask points expire``, ``prune-keys`` and ``prune-counters``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.idempotency import IdempotencyKey
from points import ledger
from points.models import EarningCounter
from tests.factories import Factory


def test_expire_as_of_a_day_expires_what_is_due_by_its_start_once(
    app: Flask, make: Factory
) -> None:
    resident = make.resident()
    # Due at 2027-01-01 00:00 in Shanghai, i.e. 16:00 UTC the day before.
    make.credit(resident.id, 10, expires_at=datetime(2026, 12, 31, 16, tzinfo=UTC))
    make.credit(resident.id, 4, expires_at=datetime(2027, 1, 1, 16, tzinfo=UTC))
    runner = app.test_cli_runner()

    early = runner.invoke(args=["points", "expire", "--as-of", "2026-12-31"])
    due = runner.invoke(args=["points", "expire", "--as-of", "2027-01-01"])
    again = runner.invoke(args=["points", "expire", "--as-of", "2027-01-01"])

    assert "Expired 0 lot(s)" in early.output
    assert "Expired 1 lot(s) due by 2027-01-01T00:00:00+08:00" in due.output
    assert "Expired 0 lot(s)" in again.output
    with app.app_context():
        assert ledger.balance_of(resident.id) == (4, 0)


def test_prune_keys_forgets_only_keys_older_than_a_day(app: Flask, client, make: Factory) -> None:  # type: ignore[no-untyped-def]
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    for key in ("old", "new"):
        client.post(
            f"/api/v1/residents/{resident.id}/adjustments",
            headers={**manager.headers, "Idempotency-Key": key},
            json={"points": 1, "reason": "补录"},
        )
    with app.app_context():
        old = db.session.get(IdempotencyKey, (f"staff:{manager.id}", "old"))
        old.created_at = datetime.now(UTC) - timedelta(hours=25)
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["points", "prune-keys"])

    assert "Removed 1 idempotency key(s)." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_prune_counters_keeps_what_todays_caps_read(app: Flask, make: Factory) -> None:
    resident = make.resident()
    event = make.event(resident.center_id)
    make.checkin(event, resident.id)

    result = app.test_cli_runner().invoke(args=["points", "prune-counters"])

    assert "Removed 0 counter(s) of ended days and months." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EarningCounter)) == 2
