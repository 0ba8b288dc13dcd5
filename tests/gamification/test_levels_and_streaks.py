"""Levels follow points earned ever; streaks count months in a row with an activity."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from gamification.rules import streak_runs
from points.ledger import Source
from points.service import debit
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements, attend, months_ago


def test_a_new_resident_is_a_beginner_with_no_streak(
    client: FlaskClient, resident: Account
) -> None:
    body = achievements(client, resident)

    assert body["level"] == {"name": "健康新手", "lifetime_points": 0, "next_at": 100}
    assert body["streak"] == {"months": 0, "best": 0}
    assert body["badges"] == [] and body["challenges"] == []


def test_redeeming_never_demotes(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    make.credit(resident.id, 150)
    with app.app_context():
        debit(resident.id, 140, Source("test", "gift", "兑换礼品"), None)
        db.session.commit()

    level = achievements(client, resident)["level"]

    assert level == {"name": "健康学徒", "lifetime_points": 150, "next_at": 300}


def test_the_top_level_has_no_next(client: FlaskClient, make: Factory, resident: Account) -> None:
    make.credit(resident.id, 2500)

    assert achievements(client, resident)["level"] == {
        "name": "健康达人",
        "lifetime_points": 2500,
        "next_at": None,
    }


def test_levels_are_the_districts(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    app.config["GAMIFICATION_LEVELS"] = "0:新手,50:达人"
    make.credit(resident.id, 60)

    assert achievements(client, resident)["level"]["name"] == "达人"


def test_an_annulled_checkins_points_are_not_earned(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    checkin = attend(make, resident, months_ago(0, day=1))
    earned = achievements(client, resident)["level"]["lifetime_points"]
    make.annul(checkin, resident.center_id or 0)

    assert earned == 10  # the district's rule for a lecture
    assert achievements(client, resident)["level"]["lifetime_points"] == 0


def test_a_streak_counts_months_in_a_row_up_to_last_month(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    for months in (6, 3, 2, 1):
        attend(make, resident, months_ago(months))

    assert achievements(client, resident)["streak"] == {"months": 3, "best": 3}


def test_one_missed_month_a_year_keeps_the_streak_if_the_district_allows(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    for months in (4, 2, 1, 0):  # three months ago nothing
        attend(make, resident, months_ago(months, day=1))

    kept = achievements(client, resident)["streak"]
    app.config["STREAK_GRACE"] = False
    broken = achievements(client, resident)["streak"]

    assert kept == {"months": 4, "best": 4}
    assert broken == {"months": 3, "best": 3}


def test_a_streak_ends_two_empty_months_later() -> None:
    # Months as year * 12 + month - 1: Jan, Feb, (Mar), Apr, (May), Jun of one year.
    assert streak_runs([24288, 24289, 24291, 24293], grace=True) == [
        [24288, 24289, 24291],
        [24293],
    ]
    # One grace in each calendar year: Nov, (Dec), Jan, (Feb), Mar.
    assert streak_runs([24286, 24288, 24290], grace=True) == [[24286, 24288, 24290]]
    assert streak_runs([24286, 24289], grace=True) == [[24286], [24289]]
