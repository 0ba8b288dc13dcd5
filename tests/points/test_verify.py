"""Tamper evidence: raw SQL edits to the ledger are refused or found, row by row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import db
from points import service as points
from points.service import Source
from tests.factories import Factory

pytestmark = pytest.mark.tampers_ledger
LEDGER_TABLES = ("ledger_transactions", "ledger_entries", "lot_allocations")


def run_verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    return result.exit_code, result.stderr


@contextmanager
def raw_sql(app: Flask) -> Iterator[None]:
    """Execute as someone with database access would, past the append-only triggers."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            for table in LEDGER_TABLES:
                db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        if postgres:
            for table in LEDGER_TABLES:
                db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        db.session.commit()


@pytest.fixture
def ledger(app: Flask, make: Factory) -> int:
    resident = make.resident()
    for amount in (10, 20, 30):
        make.credit(resident.id, amount)
    return resident.id


def test_an_intact_ledger_verifies(app: Flask, ledger: int) -> None:
    code, errors = run_verify(app)

    assert (code, errors) == (0, "")


def test_a_changed_entry_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(text("UPDATE ledger_entries SET delta = 25 WHERE seq = 2"))

    code, errors = run_verify(app)

    assert code == 1
    assert "ledger_entries id=2 (resident" in errors
    assert "hash does not match" in errors


def test_a_changed_reason_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(text("UPDATE ledger_transactions SET reason = 'x' WHERE id = 1"))

    code, errors = run_verify(app)

    assert code == 1
    assert "ledger_entries id=1 " in errors


def test_a_deleted_entry_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(text("DELETE FROM ledger_entries WHERE seq = 2"))

    code, errors = run_verify(app)

    assert code == 1
    assert "ledger_entries id=3 " in errors and "expected seq 2" in errors
    assert "ledger_transactions id=2: has no entry" in errors


def test_an_inserted_transaction_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(
            text(
                "INSERT INTO ledger_transactions (resident_id, kind, amount, reason, source_type,"
                " actor_kind, created_at) VALUES (:r, 'earn', 500, 'gift', 'hand', 'system',"
                " CURRENT_TIMESTAMP)"
            ),
            {"r": ledger},
        )

    code, errors = run_verify(app)

    assert code == 1
    assert "ledger_transactions id=4: has no entry" in errors


def test_a_balance_changed_by_hand_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(text("UPDATE points_accounts SET balance = 1000"))

    code, errors = run_verify(app)

    assert code == 1
    assert f"points_accounts resident_id={ledger}: balance 1000, entries sum to 60" in errors


def test_a_lot_changed_by_hand_is_named(app: Flask, ledger: int) -> None:
    with raw_sql(app):
        db.session.execute(text("UPDATE points_lots SET remaining = 1 WHERE id = 1"))

    code, errors = run_verify(app)

    assert code == 1
    assert "points_lots id=1: remaining 1, amount 10 less allocations 0" in errors


def test_postgresql_refuses_to_change_or_delete_ledger_rows(app: Flask, ledger: int) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the append-only triggers are PostgreSQL's")
        points.debit(ledger, 15, Source("test", "gift", "兑换"), None)
        db.session.commit()
        for statement in (
            "UPDATE ledger_entries SET delta = 1",
            "DELETE FROM ledger_entries",
            "UPDATE ledger_transactions SET reason = 'x'",
            "DELETE FROM lot_allocations",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
