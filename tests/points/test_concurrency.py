"""Real threads racing on PostgreSQL: row locks and unique keys keep the ledger right."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from points import ledger, rules, service
from points.earning import earn
from points.expiry import PointsSettings, expire_due
from points.ledger import Source
from points.models import LedgerTransaction
from points.service import InsufficientPoints
from tests.factories import Factory, credit
from tests.racing import race


def count_transactions(app: Flask, **where: Any) -> int:
    with app.app_context():
        stmt = select(func.count(LedgerTransaction.id)).filter_by(**where)
        return int(db.session.scalar(stmt))


def test_fifty_threads_crediting_one_source_credit_it_once(
    racing_app: Flask, make: Factory
) -> None:
    resident = make.resident()
    source = Source("checkin", "42", "参加健康讲座")

    results = race(racing_app, 50, lambda _: credit(resident.id, 10, source))

    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.transaction_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert count_transactions(racing_app) == 1
    with racing_app.app_context():
        assert ledger.balance_of(resident.id) == (10, 0)


def test_thirty_debits_of_ten_from_a_hundred_leave_exactly_zero(
    racing_app: Flask, make: Factory
) -> None:
    resident = make.resident()
    make.credit(resident.id, 100)

    results = race(
        racing_app,
        30,
        lambda i: service.debit(resident.id, 10, Source("gift", str(i), "兑换"), None),
    )

    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(succeeded) == 10
    assert len(refused) == 20 and all(isinstance(r, InsufficientPoints) for r in refused)
    with racing_app.app_context():
        assert ledger.balance_of(resident.id) == (0, 0)


def test_twenty_replays_of_one_idempotency_key_have_one_effect(
    racing_app: Flask, make: Factory
) -> None:
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    headers = {**manager.headers, "Idempotency-Key": "flaky-wifi-1"}
    url = f"/api/v1/residents/{resident.id}/adjustments"
    barrier = threading.Barrier(20)

    def post(_: int) -> tuple[int, bytes]:
        client = racing_app.test_client()
        barrier.wait()
        response = client.post(url, headers=headers, json={"points": 50, "reason": "补录"})
        return response.status_code, response.get_data()

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    assert len(set(responses)) == 1
    assert responses[0][0] == 201
    assert count_transactions(racing_app, kind="adjust") == 1


def test_two_expiry_jobs_at_once_expire_each_lot_once(racing_app: Flask, make: Factory) -> None:
    now = datetime.now(UTC)
    residents = [make.resident() for _ in range(3)]
    for resident in residents:
        make.credit(resident.id, 10, expires_at=now - timedelta(days=1))

    results = race(racing_app, 2, lambda _: expire_due(now))

    assert sorted(results) == [0, 3]
    assert count_transactions(racing_app, kind="expire") == 3


def test_a_daily_cap_holds_when_a_resident_earns_from_many_threads(
    racing_app: Flask, make: Factory, commit: Callable[..., Any]
) -> None:
    resident = make.resident()
    manager = make.staff("manager", center_id=resident.center_id)
    commit(rules.set_rule, manager.principal, resident.center_id, "lecture", 10, 30, None)
    settings = PointsSettings(ZoneInfo("Asia/Shanghai"), "never")

    results = race(
        racing_app,
        20,
        lambda i: earn(
            resident.id,
            Source("checkin", str(i), "参加健康讲座", resident.center_id),
            None,
            activity="lecture",
            settings=settings,
        ),
    )

    assert sum(r.movement.amount for r in results) == 30
    with racing_app.app_context():
        assert ledger.balance_of(resident.id) == (30, 0)
