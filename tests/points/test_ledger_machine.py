"""The points services driven at random against a plain-Python model of the ledger.

Each step is one committed transaction, as a request would be; after every step the
balance, the reservations, every lot and ``verify()`` must agree with the model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from core.db import db
from points import adjustments, holds, ledger, service
from points.expiry import expire_due
from points.ledger import Source
from points.models import LedgerEntry, PointsLot
from points.service import AlreadyReversed, InsufficientPoints
from points.verify import verify
from tests.conftest import empty_all_tables
from tests.factories import Account, Factory, credit

amounts = st.integers(min_value=1, max_value=60)


@dataclass
class Lot:
    amount: int
    remaining: int
    expires_at: datetime | None
    #: Points that expired out of this lot (and were not given back since).
    lapsed: int = 0


@dataclass
class Debit:
    transaction_id: int
    drawn: list[tuple[int, int]]
    refunded: bool = False


@dataclass
class Model:
    """What the ledger should hold, computed the plain way."""

    lots: list[Lot] = field(default_factory=list)
    reserved: int = 0
    holds: dict[str, tuple[int, str]] = field(default_factory=dict)
    credits: dict[str, tuple[int, int]] = field(default_factory=dict)  # source: (txn, lot)
    reversed_credits: set[int] = field(default_factory=set)
    debits: list[Debit] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots)

    @property
    def available(self) -> int:
        return self.balance - self.reserved

    def draw(self, amount: int, prefer: int | None = None) -> list[tuple[int, int]]:
        order = sorted(
            (i for i, lot in enumerate(self.lots) if lot.remaining > 0),
            key=lambda i: (
                i != prefer if prefer is not None else False,
                self.lots[i].expires_at is None,
                self.lots[i].expires_at or datetime.max.replace(tzinfo=UTC),
                i,
            ),
        )
        drawn = []
        for i in order:
            take = min(amount, self.lots[i].remaining)
            if take:
                self.lots[i].remaining -= take
                drawn.append((i, take))
                amount -= take
        assert amount == 0
        return drawn


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, app: Flask, make: Factory) -> None:
        super().__init__()
        self.app = app
        with app.app_context():
            empty_all_tables()
        self.resident: Account = make.resident()
        self.manager: Account = make.staff("manager", center_id=self.resident.center_id)
        self.model = Model()
        self.clock = datetime.now(UTC)
        self.names = itertools.count(1)

    def run(self, function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.app.app_context():
            try:
                result = function(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    def _credit(self, amount: int, days: int | None) -> None:
        name = f"s{next(self.names)}"
        expires_at = self.clock + timedelta(days=days) if days else None
        movement = self.run(
            credit,
            self.resident.id,
            amount,
            Source("test", name, "测试"),
            expires_at=expires_at,
        )
        assert not movement.duplicate
        self.model.lots.append(Lot(amount, amount, expires_at))
        self.model.credits[name] = (movement.transaction_id, len(self.model.lots) - 1)

    @rule(amount=amounts, days=st.none() | st.integers(min_value=1, max_value=90))
    def earn(self, amount: int, days: int | None) -> None:
        self._credit(amount, days)

    @precondition(lambda self: self.model.credits)
    @rule(data=st.data())
    def earn_again(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model.credits)))
        movement = self.run(credit, self.resident.id, 99, Source("test", name, "测试"))
        assert movement.duplicate
        assert movement.transaction_id == self.model.credits[name][0]

    @rule(amount=amounts)
    def debit(self, amount: int) -> None:
        source = Source("test", f"d{next(self.names)}", "兑换")
        if amount > self.model.available:
            try:
                self.run(service.debit, self.resident.id, amount, source, None)
            except InsufficientPoints:
                return
            raise AssertionError("an overdraft went through")
        movement = self.run(service.debit, self.resident.id, amount, source, None)
        self.model.debits.append(Debit(movement.transaction_id, self.model.draw(amount)))

    @rule(amount=amounts)
    def reserve(self, amount: int) -> None:
        name = f"h{next(self.names)}"
        if amount > self.model.available:
            try:
                self.run(holds.hold, self.resident.id, amount, "test", name)
            except InsufficientPoints:
                return
            raise AssertionError("a hold beyond the spendable points went through")
        self.run(holds.hold, self.resident.id, amount, "test", name)
        self.model.holds[name] = (amount, "held")
        self.model.reserved += amount

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model.holds)))
        amount, status = self.model.holds[name]
        assert self.run(holds.release, "test", name) == (status == "held")
        if status == "held":
            self.model.holds[name] = (amount, "released")
            self.model.reserved -= amount

    @precondition(lambda self: any(s == "held" for _, s in self.model.holds.values()))
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        held = sorted(name for name, (_, s) in self.model.holds.items() if s == "held")
        name = data.draw(st.sampled_from(held))
        amount, _ = self.model.holds[name]
        movement = self.run(holds.capture, "test", name, Source("test", name, "领取"), None)
        self.model.holds[name] = (amount, "captured")
        self.model.reserved -= amount
        self.model.debits.append(Debit(movement.transaction_id, self.model.draw(amount)))

    @precondition(lambda self: self.model.debits)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        debit = data.draw(st.sampled_from(self.model.debits))
        if debit.refunded:
            try:
                self.run(service.reverse, debit.transaction_id, "退回", None)
            except AlreadyReversed:
                return
            raise AssertionError("a debit was refunded twice")
        self.run(service.reverse, debit.transaction_id, "退回", None)
        debit.refunded = True
        for lot, amount in debit.drawn:
            self.model.lots[lot].remaining += amount

    @precondition(lambda self: self.model.credits)
    @rule(data=st.data())
    def reverse_earn(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model.credits)))
        transaction_id, lot = self.model.credits[name]
        amount, lapsed = self.model.lots[lot].amount, self.model.lots[lot].lapsed
        expected = (
            AlreadyReversed
            if transaction_id in self.model.reversed_credits
            else InsufficientPoints
            if amount > self.model.available + lapsed  # what lapsed is given back first
            else None
        )
        if expected is not None:
            try:
                self.run(service.reverse, transaction_id, "作废", None)
            except expected:
                return
            raise AssertionError(f"expected {expected.__name__}")
        self.run(service.reverse, transaction_id, "作废", None)
        self.model.reversed_credits.add(transaction_id)
        self.model.lots[lot].remaining += lapsed
        self.model.lots[lot].lapsed = 0
        self.model.draw(amount, prefer=lot)

    @rule(points=st.integers(min_value=-60, max_value=60).filter(bool))
    def adjust(self, points: int) -> None:
        if -points > self.model.available:
            try:
                self.run(
                    adjustments.adjust,
                    self.resident.id,
                    points,
                    "更正",
                    self.manager.principal,
                    center_id=None,
                    expires_at=None,
                )
            except InsufficientPoints:
                return
            raise AssertionError("a negative adjustment overdrew")
        movement = self.run(
            adjustments.adjust,
            self.resident.id,
            points,
            "更正",
            self.manager.principal,
            center_id=None,
            expires_at=None,
        )
        if points > 0:
            self.model.lots.append(Lot(points, points, None))
        else:
            self.model.debits.append(Debit(movement.transaction_id, self.model.draw(-points)))

    @rule(days=st.integers(min_value=1, max_value=60))
    def advance_and_expire(self, days: int) -> None:
        self.clock += timedelta(days=days)
        self.run(expire_due, self.clock)
        for i, lot in enumerate(self.model.lots):
            if lot.remaining and lot.expires_at and lot.expires_at <= self.clock:
                amount = min(lot.remaining, self.model.available)
                if amount > 0:
                    self.model.draw(amount, prefer=i)
                    lot.lapsed += amount

    @rule(points=st.integers(min_value=1, max_value=30), other=st.integers(1, 30))
    def replay_a_key(self, points: int, other: int) -> None:
        client = self.app.test_client()
        url = f"/api/v1/residents/{self.resident.id}/adjustments"
        headers = {**self.manager.headers, "Idempotency-Key": f"k{next(self.names)}"}
        body = {"points": points, "reason": "补录"}
        first = client.post(url, headers=headers, json=body)
        replay = client.post(url, headers=headers, json=body)
        changed = client.post(url, headers=headers, json={**body, "points": points + other})
        assert first.status_code == replay.status_code == 201
        assert replay.get_json() == first.get_json()
        assert changed.get_json()["code"] == "idempotency_key_reused"
        with self.app.app_context():
            expires_at = db.session.scalar(
                select(PointsLot.expires_at).order_by(PointsLot.id.desc()).limit(1)
            )
        self.model.lots.append(Lot(points, points, expires_at))

    @invariant()
    def the_ledger_matches_the_model(self) -> None:
        with self.app.app_context():
            assert ledger.balance_of(self.resident.id) == (
                self.model.balance,
                self.model.reserved,
            )
            entries = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.delta), 0)))
            assert entries == self.model.balance
            remaining = list(db.session.scalars(select(PointsLot.remaining).order_by(PointsLot.id)))
            assert remaining == [lot.remaining for lot in self.model.lots]
            assert verify() == []


def test_the_ledger_behaves_like_its_model(app: Flask, make: Factory) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(app, make),
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
