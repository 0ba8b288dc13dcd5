"""A merge holding its locks while other work on the two records waits for them: what waited
goes on with the survivor (or refuses as for a closed record), never fails for the merge's
sake; a check-in caught in a deadlock with it answers a retryable 503."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db, utcnow
from events.attendance import attend
from events.models import Checkin
from events.scans import Scanner
from identity.models import MemberCard
from merging import service as merging
from points import ledger
from points.expiry import expire_due
from tests.factories import Account, Factory
from tests.merging.test_link import register
from tests.merging.test_merge import REASON, balance, merge
from tests.racing import while_held

LAST_WEEK = datetime.now(UTC) - timedelta(days=7)


def merging_held(manager: Account, kept: int, other: int) -> Callable[[], object]:
    return lambda: merging.merge(manager.principal, kept, other, REASON, utcnow())


def test_an_expiry_run_that_waited_for_a_merge_passes_the_merged_account_over(
    app: Flask,
    racing_app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
) -> None:
    kept, other = register(client, desk), make.resident(desk.center_id)
    make.credit(other.id, 10, expires_at=LAST_WEEK)

    def expiry_run() -> int:
        with app.app_context():
            written = expire_due(utcnow())
            db.session.commit()
            return written

    first = while_held(racing_app, merging_held(manager, kept, other.id), expiry_run)

    assert first == 0  # the run went on; the points it found had moved meanwhile
    assert balance(app, kept) == (10, 0)
    assert expiry_run() == 1  # the next run expires them where they are now, on their day
    assert balance(app, kept) == (0, 0)


def test_a_check_in_annulled_while_its_record_merges_is_undone_on_the_survivor(
    app: Flask,
    racing_app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
) -> None:
    kept, other = register(client, desk), register(client, desk)
    checkin_id = make.checkin(make.event(desk.center_id), other)

    annulled = while_held(
        racing_app,
        merging_held(manager, kept, other),
        lambda: client.post(
            f"/api/v1/checkins/{checkin_id}/annul", headers=desk.headers, json={"reason": "扫错了"}
        ),
    )

    assert annulled.status_code == 200, annulled.json
    assert balance(app, kept) == (0, 0)  # 10 moved over, 10 taken back there
    assert balance(app, other) == (0, 0)


def test_a_card_is_not_printed_for_a_record_being_merged(
    app: Flask,
    racing_app: Flask,
    client: FlaskClient,
    desk: Account,
    manager: Account,
) -> None:
    kept, other = register(client, desk), register(client, desk)

    printed = while_held(
        racing_app,
        merging_held(manager, kept, other),
        lambda: client.post(f"/api/v1/residents/{other}/member-card", headers=desk.headers),
    )

    assert (printed.status_code, printed.json["code"]) == (404, "not_found")
    with app.app_context():
        assert db.session.scalars(select(MemberCard)).all() == []


def test_a_merge_deadlocked_with_a_check_in_answers_503_and_goes_through_when_sent_again(
    app: Flask,
    racing_app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
) -> None:
    """The check-in records the attendance, then locks the account to credit it; the merge
    locks the accounts, then moves the other record's check-in at that event onto the same
    key: each waits for the other, and PostgreSQL undoes the merge."""
    kept, other = register(client, desk), register(client, desk)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, other)

    refused = while_held(
        racing_app,
        lambda: attend(lecture, kept, Scanner.of(desk.id), utcnow()),
        lambda: merge(client, manager, kept, other),
        finish=lambda: ledger.lock_account(kept),  # where the check-in's earn locks it
    )
    again = merge(client, manager, kept, other)

    assert (refused.status_code, refused.json["code"]) == (503, "unavailable")
    assert refused.headers["Retry-After"]
    assert "请重新提交" in refused.json["detail"]  # "send it again"
    assert (again.status_code, again.json["duplicate_checkins"]) == (200, 1)
    with app.app_context():
        standing = db.session.scalars(
            select(Checkin.resident_id).where(Checkin.annulled_at.is_(None))
        ).all()
        assert standing == [kept]
