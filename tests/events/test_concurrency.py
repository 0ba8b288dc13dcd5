"""A hall scanning at once, on PostgreSQL: one credit per resident, capacity never exceeded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from events.checkin import annul, check_in
from events.models import Checkin, Event
from events.scans import Scanner
from points import ledger
from points.expiry import PointsSettings
from points.models import LedgerTransaction
from tests.factories import Account, Factory
from tests.racing import while_held


def scan_together(app: Flask, scanners: list[Account], token: str) -> list[int]:
    barrier = threading.Barrier(len(scanners))

    def scan(resident: Account) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(
            "/api/v1/checkins", headers=resident.headers, json={"token": token}
        ).status_code

    with ThreadPoolExecutor(max_workers=len(scanners)) as pool:
        return list(pool.map(scan, scanners))


def static_token(app: Flask, staff: Account, event_id: int) -> str:
    response = app.test_client().get(
        f"/api/v1/events/{event_id}/qr?mode=static", headers=staff.headers
    )
    return str(response.json["token"])


def count(app: Flask, column: object, **where: object) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(column)).filter_by(**where)))


def test_fifty_scans_by_one_resident_make_one_checkin_and_one_credit(
    racing_app: Flask, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)

    statuses = scan_together(racing_app, [resident] * 50, static_token(racing_app, desk, event_id))

    assert sorted(statuses) == [200] * 49 + [201]
    assert count(racing_app, Checkin.id) == 1
    assert count(racing_app, LedgerTransaction.id) == 1
    with racing_app.app_context():
        assert ledger.balance_of(resident.id) == (10, 0)


def test_twenty_residents_scanning_at_once_are_all_credited(
    racing_app: Flask, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    residents = [make.resident(desk.center_id) for _ in range(20)]

    statuses = scan_together(racing_app, residents, static_token(racing_app, desk, event_id))

    assert statuses == [201] * 20
    with racing_app.app_context():
        assert [ledger.balance_of(r.id) for r in residents] == [(10, 0)] * 20


def test_a_full_hall_never_takes_more_than_its_capacity(racing_app: Flask, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, capacity=5)
    residents = [make.resident(desk.center_id) for _ in range(20)]

    statuses = scan_together(racing_app, residents, static_token(racing_app, desk, event_id))

    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert count(racing_app, Checkin.id) == 5
    assert count(racing_app, LedgerTransaction.id) == 5


def test_a_seat_freed_while_another_resident_takes_one_is_counted_right(
    app: Flask, racing_app: Flask, make: Factory
) -> None:
    """The annulment reads the event before the other check-in commits, and frees its seat
    after: the count in the database is what it corrects, not the one it read."""
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, capacity=5)
    first, second = make.resident(desk.center_id), make.resident(desk.center_id)
    first_checkin = make.checkin(event_id, first.id)

    def second_checks_in() -> None:
        check_in(
            event_id,
            second.id,
            now=datetime.now(UTC),
            settings=PointsSettings.from_config(racing_app.config),
            scanner=Scanner.of(None),
        )

    def annul_the_first() -> None:
        with app.app_context():
            annul(first_checkin, desk.principal, "扫错了", datetime.now(UTC))
            db.session.commit()

    while_held(racing_app, second_checks_in, annul_the_first)

    with app.app_context():
        assert db.session.get(Event, event_id).seats_taken == 1
