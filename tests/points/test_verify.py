"""Tamper evidence: raw SQL edits to the ledger are refused or found, row by row."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError

from core.db import db, utcnow
from identity import service as identity
from merging import service as merging
from points import holds
from points import service as points
from points.chain import entry_hash
from points.ledger import Source, append, lock_account
from points.merging import MERGE_SOURCE
from points.models import LedgerEntry, LedgerTransaction
from points.verify import verify
from tests.factories import Account, Factory, credit

pytestmark = pytest.mark.tampers_ledger
LEDGER_TABLES = ("ledger_transactions", "ledger_entries", "lot_allocations")


def run_verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    return result.exit_code, result.stderr


@contextmanager
def raw_sql(app: Flask) -> Iterator[None]:
    """Execute as someone with database access would, past the append-only triggers."""
    with app.app_context():
        for table in LEDGER_TABLES:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
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


def test_the_database_refuses_to_change_or_delete_ledger_rows(app: Flask, ledger: int) -> None:
    with app.app_context():
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


def _tamper_transaction_id(entry_id: int, transaction_id: int) -> None:
    """Point the entry at an exact copy of its transaction: only the id differs."""
    t = LedgerTransaction.__table__
    original = db.session.execute(select(t).where(t.c.id == transaction_id)).one()._asdict()
    db.session.execute(
        update(t).where(t.c.id == transaction_id).values(source_id=f"{original['source_id']}-old")
    )
    copy = {k: v for k, v in original.items() if k != "id"}
    new_id = db.session.execute(insert(t).values(**copy).returning(t.c.id)).scalar_one()
    db.session.execute(
        update(LedgerEntry.__table__)
        .where(LedgerEntry.__table__.c.id == entry_id)
        .values(transaction_id=new_id)
    )


#: Every input of the entry's hash but the previous hash, with a value it did not have.
HASHED_ENTRY_FIELDS = {
    "resident_id": "other resident",
    "seq": 7,
    "transaction_id": None,  # see _tamper_transaction_id
    "delta": 21,
    "balance_after": 31,
    "created_at": datetime(2026, 1, 1, 8, tzinfo=UTC),
    "prev_hash": "0" * 64,
}
HASHED_TRANSACTION_FIELDS = {
    "kind": "adjust",
    "amount": 21,
    "reason": "改过的原因",
    "source_type": "forged",
    "source_id": "forged-1",
    "center_id": "resident's center",
    "actor_kind": "staff",
    "actor_id": 99,
    "reverses_id": 1,
}


def test_the_tamper_cases_cover_every_field_the_hash_reads() -> None:
    """A field added to the hash must be added to the tamper cases below."""
    read: set[str] = set()

    class Recorder(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> object:
            read.add(key)
            return datetime.now(UTC) if key == "created_at" else 1

    entry_hash("0" * 64, Recorder(), Recorder())

    assert read == (set(HASHED_ENTRY_FIELDS) | set(HASHED_TRANSACTION_FIELDS)) - {"prev_hash"}


@pytest.mark.parametrize(
    ("table", "field"),
    [("ledger_entries", f) for f in HASHED_ENTRY_FIELDS]
    + [("ledger_transactions", f) for f in HASHED_TRANSACTION_FIELDS],
)
def test_a_change_to_any_hashed_field_breaks_that_entrys_hash(
    app: Flask, make: Factory, ledger: int, table: str, field: str
) -> None:
    other = make.resident()
    value = {**HASHED_ENTRY_FIELDS, **HASHED_TRANSACTION_FIELDS}[field]
    if value == "other resident":
        value = other.id
    elif value == "resident's center":
        value = other.center_id
    model = LedgerEntry if table == "ledger_entries" else LedgerTransaction
    with raw_sql(app):
        if field == "transaction_id":
            _tamper_transaction_id(2, 2)
        else:
            c = model.__table__.c
            db.session.execute(update(model.__table__).where(c.id == 2).values({field: value}))

    with app.app_context():
        problems = verify()

    named = [p for p in problems if p.startswith("ledger_entries id=2 (")]
    assert any(": hash does not match" in p for p in named), problems


def test_reserved_points_without_an_open_hold_are_named(
    app: Flask, make: Factory, ledger: int
) -> None:
    with app.app_context():
        holds.hold(ledger, 25, "reservation", "r-1")
        holds.hold(ledger, 5, "reservation", "r-2")
        holds.release("reservation", "r-2")  # a settled hold reserves nothing
        db.session.commit()
        assert verify() == []
    with raw_sql(app):
        db.session.execute(text("UPDATE points_holds SET status = 'released'"))

    with app.app_context():
        problems = verify()

    assert problems == [
        f"points_accounts resident_id={ledger}: reserved 25, open holds add up to 0"
    ]


def test_an_open_hold_the_account_does_not_reserve_is_named(
    app: Flask, make: Factory, ledger: int
) -> None:
    with app.app_context():
        holds.hold(ledger, 25, "reservation", "r-1")
        db.session.commit()
    with raw_sql(app):
        db.session.execute(text("UPDATE points_accounts SET reserved = 20"))

    with app.app_context():
        problems = verify()

    assert problems == [
        f"points_accounts resident_id={ledger}: reserved 20, open holds add up to 25"
    ]


def test_an_entrys_hash_is_fixed_by_its_content_whatever_the_servers_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hashes written years ago must still verify: the canonical form may never drift."""
    entry = {
        "resident_id": 7,
        "seq": 3,
        "transaction_id": 41,
        "delta": -30,
        "balance_after": 120,
        "created_at": datetime(2026, 11, 22, 9, 30, 15, 250, tzinfo=ZoneInfo("Asia/Shanghai")),
    }
    transaction = {
        "kind": "redeem",
        "amount": -30,
        "reason": "兑换腰围尺",
        "source_type": "redemption",
        "source_id": "12",
        "center_id": 2,
        "actor_kind": "staff",
        "actor_id": 5,
        "reverses_id": None,
    }
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        digest = entry_hash("a" * 64, entry, transaction)
    finally:
        monkeypatch.undo()
        time.tzset()

    assert (
        digest
        == hashlib.sha256(
            "|".join(
                [
                    "a" * 64,
                    "7|3|41|-30|120|2026-11-22T01:30:15.000250+00:00",
                    "redeem|-30|兑换腰围尺|redemption|12|2|staff|5|None",
                ]
            ).encode()
        ).hexdigest()
    )


@pytest.fixture
def merged(app: Flask, make: Factory, manager: Account) -> tuple[int, int]:
    """``(survivor, absorbed)``: two records of one person merged, 60 points moved."""
    with app.app_context():
        survivor, absorbed = (
            identity.register_resident(manager.principal, "黄秀英", "13812341234").id
            for _ in range(2)
        )
        db.session.commit()
    make.credit(absorbed, 40)
    make.credit(absorbed, 20, expires_at=datetime(2027, 12, 31, 16, tzinfo=UTC))
    with app.app_context():
        merging.merge(manager.principal, survivor, absorbed, "同一人重复登记", utcnow())
        db.session.commit()
    return survivor, absorbed


def test_a_merge_credit_the_debit_did_not_pay_for_is_named(
    app: Flask, merged: tuple[int, int]
) -> None:
    survivor, absorbed = merged
    with app.app_context():
        forged = Source(MERGE_SOURCE, f"{absorbed}.3", "账户合并")
        append(lock_account(survivor), "adjust", 10, forged, None, opens_lot=True)
        db.session.commit()

    code, errors = run_verify(app)

    assert code == 1
    assert f"merge of resident {absorbed}: 60 points taken, 70 arrived" in errors


def test_points_on_a_merged_account_are_named(app: Flask, merged: tuple[int, int]) -> None:
    _, absorbed = merged
    with app.app_context():
        reopen = "UPDATE points_accounts SET closed_at = {} WHERE resident_id = :id"
        db.session.execute(text(reopen.format("NULL")), {"id": absorbed})
        credit(absorbed, 10, Source("test", "after-the-merge", "测试积分"))
        db.session.execute(text(reopen.format("now()")), {"id": absorbed})
        db.session.commit()

    code, errors = run_verify(app)

    assert code == 1
    assert errors.strip() == (
        f"points_accounts resident_id={absorbed}: merged into another record, "
        "yet balance 10, reserved 0"
    )
