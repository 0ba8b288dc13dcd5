"""Earning rules per center with district defaults, and caps per day and month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from points import earning, ledger, rules
from points.expiry import PointsSettings
from points.ledger import Source
from points.models import EarningCounter
from tests.factories import Account, Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = PointsSettings(tz=SHANGHAI, expiry="never")
Commit = Callable[..., Any]


def earn(commit: Commit, resident_id: int, center_id: int, name: str, at: datetime) -> Any:
    source = Source("test", name, "参加健康讲座", center_id)
    return commit(
        earning.earn, resident_id, source, None, activity="lecture", settings=SETTINGS, at=at
    )


def test_the_center_rule_wins_over_the_district_default(
    make: Factory, commit: Commit, app: Flask
) -> None:
    center = make.center()
    other = make.center()
    manager = make.staff("manager", center_id=center).principal

    commit(rules.set_rule, make.staff("manager").principal, None, "lecture", 8, None, None)
    commit(rules.set_rule, manager, center, "lecture", 15, None, None)

    with app.app_context():
        here = rules.rule_for(center, "lecture")
        there = rules.rule_for(other, "lecture")
        default = rules.rule_for(other, "screening")
    assert (here.points, here.origin) == (15, "center")
    assert (there.points, there.origin) == (8, "district")
    assert (default.points, default.origin) == (rules.DEFAULT_POINTS["screening"], "default")


def test_a_daily_cap_cuts_the_credit_and_still_reports_it(make: Factory, commit: Commit) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, 25, None)
    morning = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)

    results = [earn(commit, resident.id, center, f"talk-{n}", morning) for n in range(4)]

    assert [(r.movement.amount, r.capped) for r in results] == [
        (10, False),
        (10, False),
        (5, True),
        (0, True),
    ]
    assert results[-1].movement.transaction_id is None
    assert results[-1].movement.balance == 25


def test_a_source_earned_again_once_the_cap_is_full_is_the_first_credit(
    make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, 10, None)
    morning = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)
    first = earn(commit, resident.id, center, "talk-1", morning)

    again = earn(commit, resident.id, center, "talk-1", morning)

    assert again.movement.duplicate is True
    assert again.movement.transaction_id == first.movement.transaction_id
    assert (again.movement.amount, again.movement.balance) == (10, 10)


def test_the_ledger_refuses_a_moment_without_a_time_zone(make: Factory, commit: Commit) -> None:
    resident = make.resident()

    with pytest.raises(ValueError, match="aware"):
        earn(commit, resident.id, resident.center_id, "talk-1", datetime(2026, 11, 22, 9))


@pytest.mark.parametrize("caps", [(20, None), (None, 20)], ids=["daily", "monthly"])
def test_an_earn_that_lands_exactly_on_a_cap_is_credited_and_the_next_is_not(
    app: Flask, make: Factory, commit: Commit, caps: tuple[int | None, int | None]
) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, *caps)
    morning = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)

    results = [earn(commit, resident.id, center, f"talk-{n}", morning) for n in range(3)]

    assert [(r.movement.amount, r.capped) for r in results] == [
        (10, False),
        (10, False),  # the counter goes from 10 to the cap itself
        (0, True),
    ]
    with app.app_context():
        assert ledger.balance_of(resident.id) == (20, 0)
        counters = db.session.execute(select(EarningCounter.period, EarningCounter.points)).all()
    assert sorted(counters) == [("D2026-11-22", 20), ("M2026-11", 20)]


def test_days_and_months_are_counted_in_the_district_time_zone(
    make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, 10, 20)
    # 23:30 on Dec 31 and 00:30 on Jan 1 in Shanghai are the same UTC day, different local ones.
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)

    eve = earn(commit, resident.id, center, "eve", new_years_eve)
    eve_again = earn(commit, resident.id, center, "eve-2", new_years_eve)
    day_one = earn(commit, resident.id, center, "jan-1", new_year)

    assert [eve.movement.amount, eve_again.movement.amount, day_one.movement.amount] == [10, 0, 10]


def test_a_monthly_cap_holds_across_days(make: Factory, commit: Commit) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, None, 25)

    awarded = [
        earn(commit, resident.id, center, f"d{day}", datetime(2026, 11, day, 10, tzinfo=SHANGHAI))
        for day in (1, 2, 3, 4)
    ]
    next_month = earn(commit, resident.id, center, "dec", datetime(2026, 12, 1, tzinfo=SHANGHAI))

    assert [e.movement.amount for e in awarded] == [10, 10, 5, 0]
    assert next_month.movement.amount == 10


def test_pruning_forgets_ended_days_and_months_and_todays_caps_still_hold(
    app: Flask, make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, 15, 25)
    earn(commit, resident.id, center, "nov-30", datetime(2026, 11, 30, 9, tzinfo=SHANGHAI))
    earn(commit, resident.id, center, "dec-1", datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))

    removed = commit(earning.prune_counters, datetime(2026, 12, 1, 10, tzinfo=SHANGHAI), SETTINGS)
    later = earn(
        commit, resident.id, center, "dec-1-pm", datetime(2026, 12, 1, 14, tzinfo=SHANGHAI)
    )

    assert removed == 2  # November 30 and November
    assert (later.movement.amount, later.capped) == (5, True)  # December 1 still counts 10
    with app.app_context():
        counters = db.session.execute(select(EarningCounter.period, EarningCounter.points)).all()
    assert sorted(counters) == [("D2026-12-01", 15), ("M2026-12", 15)]


def test_a_repeated_source_earns_nothing_more_and_counts_nothing(
    make: Factory, commit: Commit
) -> None:
    resident = make.resident()
    center = resident.center_id
    manager = make.staff("manager", center_id=center).principal
    commit(rules.set_rule, manager, center, "lecture", 10, 20, None)
    at = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)

    first = earn(commit, resident.id, center, "same", at)
    repeat = earn(commit, resident.id, center, "same", at)
    other = earn(commit, resident.id, center, "other", at)

    assert repeat.movement.duplicate is True
    assert repeat.movement.transaction_id == first.movement.transaction_id
    assert other.movement.amount == 10  # the repeat did not eat into the cap


def test_managers_read_and_change_rules_through_the_api(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    desk = make.staff("staff", center_id=manager.center_id)

    changed = client.put(
        "/api/v1/points/rules/lecture",
        headers=manager.headers,
        json={"center_id": manager.center_id, "points": 12, "daily_cap": 24},
    )
    listed = client.get("/api/v1/points/rules", headers=desk.headers)

    assert changed.status_code == 200
    assert changed.json == {
        "activity": "lecture",
        "points": 12,
        "daily_cap": 24,
        "monthly_cap": None,
        "origin": "center",
        "center_id": manager.center_id,
    }
    lecture = next(rule for rule in listed.json if rule["activity"] == "lecture")
    assert (lecture["points"], lecture["origin"]) == (12, "center")
    assert len(listed.json) == 5


def test_a_center_manager_cannot_change_the_district_or_another_center(
    client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager", center_id=make.center())
    elsewhere = make.center()
    desk = make.staff("staff", center_id=manager.center_id)

    district = client.put(
        "/api/v1/points/rules/lecture", headers=manager.headers, json={"points": 1}
    )
    other = client.put(
        "/api/v1/points/rules/lecture",
        headers=manager.headers,
        json={"center_id": elsewhere, "points": 1},
    )
    by_desk = client.put(
        "/api/v1/points/rules/lecture",
        headers=desk.headers,
        json={"center_id": desk.center_id, "points": 1},
    )
    unknown = client.put(
        "/api/v1/points/rules/yoga",
        headers=manager.headers,
        json={"center_id": manager.center_id, "points": 1},
    )

    assert [r.status_code for r in (district, other, by_desk)] == [403, 403, 403]
    assert {r.json["code"] for r in (district, other, by_desk)} == {"forbidden"}
    assert unknown.status_code == 422
    assert unknown.json["code"] == "validation_error"


def test_a_district_manager_sets_the_default_for_every_center(
    client: FlaskClient, make: Factory, district_manager: Account
) -> None:
    center = make.center()

    client.put(
        "/api/v1/points/rules/screening",
        headers=district_manager.headers,
        json={"center_id": None, "points": 20, "monthly_cap": 40},
    )
    listed = client.get(
        f"/api/v1/points/rules?center_id={center}", headers=district_manager.headers
    )

    screening = next(rule for rule in listed.json if rule["activity"] == "screening")
    assert (screening["points"], screening["monthly_cap"], screening["origin"]) == (
        20,
        40,
        "district",
    )
