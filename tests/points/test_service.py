"""The service that moves points: credits, debits, holds, reversals, lots and expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.errors import Conflict
from points import holds, ledger, service
from points.expiry import PointsSettings, expire_due
from points.ledger import Source
from points.models import LedgerEntry, LedgerTransaction, LotAllocation, PointsLot
from points.service import AlreadyReversed, InsufficientPoints
from points.verify import verify
from tests.factories import Factory, credit

SHANGHAI = ZoneInfo("Asia/Shanghai")
Commit = Callable[..., Any]


def source(name: str, reason: str = "参加健康讲座") -> Source:
    return Source("test", name, reason)


def balance(app: Flask, resident_id: int) -> tuple[int, int]:
    with app.app_context():
        return ledger.balance_of(resident_id)


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)))


def test_a_credit_and_a_debit_move_the_balance_and_leave_entries(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()

    earned = commit(credit, resident.id, 30, source("lecture-1"))
    spent = commit(service.debit, resident.id, 12, source("gift-1", "兑换腰围尺"), None)

    assert (earned.amount, earned.balance, earned.duplicate) == (30, 30, False)
    assert (spent.amount, spent.balance) == (-12, 18)
    assert balance(app, resident.id) == (18, 0)
    with app.app_context():
        entries = db.session.execute(
            select(LedgerEntry.seq, LedgerEntry.delta, LedgerEntry.balance_after).order_by(
                LedgerEntry.seq
            )
        ).all()
    assert [tuple(e) for e in entries] == [(1, 30, 30), (2, -12, 18)]


def test_a_source_is_credited_once_and_the_repeat_returns_the_first(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()

    first = commit(credit, resident.id, 10, source("checkin-7"))
    again = commit(credit, resident.id, 10, source("checkin-7"))

    assert again.duplicate is True
    assert (again.transaction_id, again.amount, again.balance) == (first.transaction_id, 10, 10)
    assert count(app, LedgerTransaction) == 1


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    make.credit(resident.id, 5)

    with pytest.raises(InsufficientPoints):
        commit(service.debit, resident.id, 6, source("gift"), None)

    assert balance(app, resident.id) == (5, 0)
    assert count(app, LedgerTransaction) == 1


def test_held_points_cannot_be_spent_twice(app: Flask, make: Factory, commit: Commit) -> None:
    resident = make.resident()
    make.credit(resident.id, 100)

    commit(holds.hold, resident.id, 80, "reservation", "r1")

    assert balance(app, resident.id) == (100, 80)
    with pytest.raises(InsufficientPoints):
        commit(service.debit, resident.id, 30, source("desk"), None)
    with pytest.raises(InsufficientPoints):
        commit(holds.hold, resident.id, 30, "reservation", "r2")


def test_a_captured_hold_is_a_redeem_and_a_released_one_is_spendable_again(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    make.credit(resident.id, 100)
    commit(holds.hold, resident.id, 60, "reservation", "r1")
    commit(holds.hold, resident.id, 30, "reservation", "r2")

    captured = commit(holds.capture, "reservation", "r1", source("r1", "领取体重秤"), None)
    released = commit(holds.release, "reservation", "r2")
    released_twice = commit(holds.release, "reservation", "r2")

    assert (captured.amount, captured.balance) == (-60, 40)
    assert (released, released_twice) == (True, False)
    assert balance(app, resident.id) == (40, 0)
    with pytest.raises(Conflict, match="spent already"):
        commit(holds.capture, "reservation", "r1", source("r1"), None)


def test_reversing_a_credit_takes_it_back_once(app: Flask, make: Factory, commit: Commit) -> None:
    resident = make.resident()
    earned = make.credit(resident.id, 20)

    undone = commit(service.reverse, earned, "签到作废", None)

    assert (undone.amount, undone.balance) == (-20, 0)
    with pytest.raises(AlreadyReversed):
        commit(service.reverse, earned, "签到作废", None)
    with pytest.raises(Exception, match="cannot itself be reversed"):
        commit(service.reverse, undone.transaction_id, "again", None)


@pytest.mark.parametrize(("lapsed", "left"), [(35, 100), (15, 100)])
def test_reversing_a_credit_whose_points_lapsed_takes_none_of_the_residents_own(
    app: Flask, make: Factory, commit: Commit, lapsed: int, left: int
) -> None:
    """100 points of their own; a credit of 35, of which ``lapsed`` expired (20 of 35 were
    spent first when only 15 lapse). Undone, the resident keeps what was their own."""
    resident = make.resident()
    make.credit(resident.id, 100)
    last_week = datetime.now(UTC) - timedelta(days=7)
    imported = make.credit(resident.id, 35, expires_at=last_week)
    if lapsed < 35:
        commit(service.debit, resident.id, 35 - lapsed, source("gift"), None)
    commit(expire_due, datetime.now(UTC))

    undone = commit(service.reverse, imported, "撤销导入", None)

    spent = 35 - lapsed
    assert undone.amount == -35
    assert balance(app, resident.id) == (left - spent, 0)
    with app.app_context():
        assert verify() == []
        expiries = select(LedgerTransaction.id).where(LedgerTransaction.kind == "expire")
        undone_expiries = db.session.scalars(
            select(LedgerTransaction.id).where(LedgerTransaction.reverses_id.in_(expiries))
        ).all()
    assert len(undone_expiries) == 1  # the expiry, undone on the way


def test_points_that_lapsed_are_not_counted_as_spent(
    app: Flask, make: Factory, commit: Commit
) -> None:
    """A check-in earned twice for one attendance (two records merged): its points lapsed,
    so nothing of them was spent; undoing it takes nothing from a balance of 0."""
    resident = make.resident()
    last_week = datetime.now(UTC) - timedelta(days=7)
    with app.app_context():
        credit(resident.id, 10, Source("checkin", "77", "参加健康讲座"), expires_at=last_week)
        db.session.commit()
    commit(expire_due, datetime.now(UTC))

    kept = commit(service.reverse_earned_if_unspent, "checkin", "77", "重复签到作废", None)

    assert kept == 0
    assert balance(app, resident.id) == (0, 0)
    with app.app_context():
        assert verify() == []


def test_a_spent_credit_cannot_be_reversed_into_a_negative_balance(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    earned = make.credit(resident.id, 20)
    commit(service.debit, resident.id, 15, source("gift"), None)

    with pytest.raises(InsufficientPoints):
        commit(service.reverse, earned, "签到作废", None)

    assert balance(app, resident.id) == (5, 0)


def test_a_refund_puts_points_back_into_the_lots_they_came_from(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    soon = datetime.now(UTC) + timedelta(days=10)
    later = datetime.now(UTC) + timedelta(days=100)
    make.credit(resident.id, 10, expires_at=later)
    make.credit(resident.id, 10, expires_at=soon)
    make.credit(resident.id, 10)

    spent = commit(service.debit, resident.id, 15, source("gift"), None)

    with app.app_context():
        remaining = list(db.session.scalars(select(PointsLot.remaining).order_by(PointsLot.id)))
    assert remaining == [5, 0, 10]  # the soonest-expiring lot first, never-expiring last

    refunded = commit(service.reverse, spent.transaction_id, "退回兑换", None)

    assert refunded.amount == 15
    with app.app_context():
        kind = db.session.get(LedgerTransaction, refunded.transaction_id).kind
        remaining = list(db.session.scalars(select(PointsLot.remaining).order_by(PointsLot.id)))
        restored = db.session.scalars(
            select(LotAllocation.amount).where(
                LotAllocation.transaction_id == refunded.transaction_id
            )
        ).all()
    assert kind == "refund"
    assert remaining == [10, 10, 10]
    assert sorted(restored) == [-10, -5]


def test_points_expire_at_the_end_of_the_year_after_they_were_earned() -> None:
    settings = PointsSettings(tz=SHANGHAI, expiry="end_of_next_year")
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)

    assert settings.expires_at(new_years_eve) == datetime(2028, 1, 1, tzinfo=SHANGHAI)
    assert settings.expires_at(new_year) == datetime(2029, 1, 1, tzinfo=SHANGHAI)
    assert settings.last_day(datetime(2028, 1, 1, tzinfo=SHANGHAI)) == "2027-12-31"
    assert PointsSettings(SHANGHAI, "never").expires_at(new_year) is None
    assert PointsSettings(SHANGHAI, "90d").expires_at(new_year) == new_year + timedelta(days=90)
    with pytest.raises(ValueError, match="POINTS_EXPIRY"):
        PointsSettings(SHANGHAI, "sometimes")


def test_the_expiry_job_expires_each_due_lot_once(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    now = datetime.now(UTC)
    make.credit(resident.id, 10, expires_at=now - timedelta(days=1))
    make.credit(resident.id, 7, expires_at=now - timedelta(hours=1))
    make.credit(resident.id, 5, expires_at=now + timedelta(days=1))

    first = commit(expire_due, now)
    second = commit(expire_due, now)

    assert (first, second) == (2, 0)
    assert balance(app, resident.id) == (5, 0)
    with app.app_context():
        expired = db.session.scalars(
            select(LedgerTransaction.amount).where(LedgerTransaction.kind == "expire")
        ).all()
    assert sorted(expired) == [-10, -7]


def test_the_expiry_job_leaves_reserved_points_until_the_hold_is_settled(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    now = datetime.now(UTC)
    make.credit(resident.id, 10, expires_at=now - timedelta(days=1))
    commit(holds.hold, resident.id, 4, "reservation", "r1")

    commit(expire_due, now)
    assert balance(app, resident.id) == (4, 4)

    commit(holds.release, "reservation", "r1")
    assert commit(expire_due, now) == 1
    assert balance(app, resident.id) == (0, 0)
