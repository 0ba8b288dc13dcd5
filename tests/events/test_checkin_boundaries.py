"""Check-in at the edges of its rules: the window's first and last instants, caps reached exactly.

The desk checks residents in at a moment the test sets (the view's clock is replaced), so
the check-in's statements meet the very instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from events import api as events_api
from events.models import Checkin
from points import ledger
from points.models import EarningCounter
from tests.factories import Account, Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)
OPENS = MORNING - timedelta(minutes=30)
CLOSES = MORNING + timedelta(hours=1, minutes=30)
TICK = timedelta(microseconds=1)

Clock = Callable[[datetime], None]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the moment the check-in view sees as now."""

    def set_to(at: datetime) -> None:
        monkeypatch.setattr(events_api, "utcnow", lambda: at)

    return set_to


def desk_checkin(client: FlaskClient, desk: Account, event_id: int, resident_id: int):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"resident_id": resident_id},
    )


def set_lecture_rule(
    client: FlaskClient, make: Factory, center_id: int, **caps: int | None
) -> None:
    manager = make.staff("manager", center_id=center_id)
    response = client.put(
        "/api/v1/points/rules/lecture",
        headers=manager.headers,
        json={"center_id": center_id, "points": 10, **caps},
    )
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("at", [OPENS, CLOSES], ids=["the opening instant", "the closing instant"])
def test_a_checkin_at_the_windows_very_edge_is_accepted_and_earns(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, clock: Clock, at: datetime
) -> None:
    event_id = make.event(desk.center_id, starts_at=MORNING)
    resident = make.resident(desk.center_id)
    clock(at)

    response = desk_checkin(client, desk, event_id, resident.id)

    assert response.status_code == 201, response.json
    assert (response.json["points_awarded"], response.json["balance"]) == (10, 10)
    with app.app_context():
        assert ledger.balance_of(resident.id) == (10, 0)
        attended = db.session.scalars(select(Checkin.resident_id)).all()
    assert attended == [resident.id]


@pytest.mark.parametrize(
    ("at", "code"),
    [(OPENS - TICK, "checkin_not_open"), (CLOSES + TICK, "checkin_closed")],
    ids=["just before it opens", "just after it closes"],
)
def test_a_checkin_just_outside_the_window_is_refused_and_writes_nothing(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    clock: Clock,
    at: datetime,
    code: str,
) -> None:
    event_id = make.event(desk.center_id, starts_at=MORNING)
    resident = make.resident(desk.center_id)
    clock(at)

    response = desk_checkin(client, desk, event_id, resident.id)

    assert (response.status_code, response.json["code"]) == (409, code)
    with app.app_context():
        assert ledger.balance_of(resident.id) == (0, 0)
        assert db.session.scalars(select(Checkin.id)).all() == []


def test_a_daily_cap_reached_exactly_credits_the_earn_that_lands_on_it(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, clock: Clock
) -> None:
    set_lecture_rule(client, make, desk.center_id, daily_cap=20)
    resident = make.resident(desk.center_id)
    events = [make.event(desk.center_id, starts_at=MORNING + timedelta(hours=h)) for h in (0, 2, 4)]

    results = []
    for hour, event_id in zip((0, 2, 4), events, strict=True):
        clock(MORNING + timedelta(hours=hour))
        results.append(desk_checkin(client, desk, event_id, resident.id))

    assert [r.status_code for r in results] == [201, 201, 201]
    assert [(r.json["points_awarded"], r.json["capped"]) for r in results] == [
        (10, False),
        (10, False),  # 10 + 10 is the cap itself: credited
        (0, True),
    ]
    assert [r.json["balance"] for r in results] == [10, 20, 20]
    with app.app_context():
        counters = db.session.execute(select(EarningCounter.period, EarningCounter.points)).all()
    assert sorted(counters) == [("D2026-11-22", 20), ("M2026-11", 20)]


def test_a_monthly_cap_reached_exactly_credits_the_earn_that_lands_on_it(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, clock: Clock
) -> None:
    set_lecture_rule(client, make, desk.center_id, daily_cap=10, monthly_cap=30)
    resident = make.resident(desk.center_id)
    days = [MORNING.replace(day=d) for d in (3, 10, 17, 24)] + [MORNING.replace(month=12, day=1)]

    results = []
    for at in days:
        event_id = make.event(desk.center_id, starts_at=at)
        clock(at)
        results.append(desk_checkin(client, desk, event_id, resident.id))

    assert [r.status_code for r in results] == [201] * 5
    assert [(r.json["points_awarded"], r.json["capped"]) for r in results] == [
        (10, False),
        (10, False),
        (10, False),  # 20 + 10 is the month's cap itself: credited
        (0, True),
        (10, False),  # a new month
    ]
    with app.app_context():
        assert ledger.balance_of(resident.id) == (40, 0)


def test_a_cap_that_cuts_an_earn_credits_what_is_left_up_to_the_cap(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, clock: Clock
) -> None:
    set_lecture_rule(client, make, desk.center_id, daily_cap=25)
    resident = make.resident(desk.center_id)

    awarded = []
    for hour in (0, 2, 4):
        at = MORNING + timedelta(hours=hour)
        event_id = make.event(desk.center_id, starts_at=at)
        clock(at)
        body = desk_checkin(client, desk, event_id, resident.id).json
        awarded.append((body["points_awarded"], body["capped"]))

    assert awarded == [(10, False), (10, False), (5, True)]
    with app.app_context():
        assert ledger.balance_of(resident.id) == (25, 0)
