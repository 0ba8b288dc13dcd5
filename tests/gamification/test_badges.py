"""Badges: the district's defaults and its managers' own, each awarded once, with the day
and the check-in that earned it, and gone again if that check-in is annulled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient

from gamification.rules import Activity, BadgeRule, FollowUpDone, History, badge_earning
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements, attend, months_ago


def held(client: FlaskClient, resident: Account) -> dict[str, dict[str, object]]:
    return {badge["code"]: badge for badge in achievements(client, resident)["badges"]}


def test_the_first_lecture_earns_its_badge_once(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    first = attend(make, resident, months_ago(1))
    attend(make, resident, months_ago(1, day=20))

    badge = held(client, resident)["first_lecture"]

    assert badge["checkin_id"] == first
    assert badge["earned_at"].startswith(f"{months_ago(1):%Y-%m-%d}")
    assert [b["code"] for b in achievements(client, resident)["badges"]].count("first_lecture") == 1


def test_the_fifth_activity_of_any_kind_earns_five_activities(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    kinds = ("lecture", "consultation", "screening", "lecture")
    for day, kind in enumerate(kinds, start=1):
        attend(make, resident, months_ago(2, day=day), kind=kind)
    four = held(client, resident)
    fifth = attend(make, resident, months_ago(2, day=9), kind="consultation")

    assert "activities_5" not in four
    assert held(client, resident)["activities_5"]["checkin_id"] == fifth


def test_an_annulled_checkin_takes_its_badge_to_the_next_that_earns_it(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    first = attend(make, resident, months_ago(0, day=1))
    second = attend(make, resident, months_ago(0, day=2))

    make.annul(first, resident.center_id or 0)
    moved = held(client, resident)["first_lecture"]["checkin_id"]
    make.annul(second, resident.center_id or 0)

    assert moved == second
    assert "first_lecture" not in held(client, resident)


def test_six_months_in_a_row_earn_the_streak_badge_in_the_sixth(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    checkins = [attend(make, resident, months_ago(months)) for months in range(7, 1, -1)]

    assert held(client, resident)["streak_6"]["checkin_id"] == checkins[5]


def test_a_manager_makes_a_badge_from_the_rule_vocabulary(
    client: FlaskClient,
    make: Factory,
    resident: Account,
    district_manager: Account,
) -> None:
    made = client.post(
        "/api/v1/badges",
        headers=district_manager.headers,
        json={"name": "筛查先锋", "rule": "activities", "activity": "screening", "count": 2},
    )
    attend(make, resident, months_ago(1, day=3), kind="screening")
    second = attend(make, resident, months_ago(1, day=4), kind="screening")

    assert made.status_code == 201
    assert made.json["code"] == "custom-1" and made.json["default"] is False
    listed = client.get("/api/v1/badges", headers=resident.headers).json["items"]
    assert [b["code"] for b in listed][-1] == "custom-1"
    assert {"first_lecture", "streak_6", "first_gift"} <= {b["code"] for b in listed}
    badge = held(client, resident)["custom-1"]
    assert badge["name"] == "筛查先锋" and badge["checkin_id"] == second


def test_a_badge_counts_within_its_period(
    client: FlaskClient, make: Factory, resident: Account, district_manager: Account
) -> None:
    this_month = months_ago(0, day=1).date()
    client.post(
        "/api/v1/badges",
        headers=district_manager.headers,
        json={"name": "本月之星", "rule": "activities", "count": 1, "starts_on": str(this_month)},
    )
    attend(make, resident, months_ago(1))
    before = held(client, resident)
    counted = attend(make, resident, months_ago(0, day=1))

    assert "custom-1" not in before
    assert held(client, resident)["custom-1"]["checkin_id"] == counted


def test_a_rule_that_cannot_be_met_is_refused(
    client: FlaskClient, district_manager: Account
) -> None:
    response = client.post(
        "/api/v1/badges",
        headers=district_manager.headers,
        json={"name": "x", "rule": "streak", "count": 3, "activity": "lecture"},
    )

    assert response.status_code == 422
    assert response.json["code"] == "badge_rule_invalid"


def test_a_centers_manager_may_not_make_the_districts_badges(
    client: FlaskClient, manager: Account
) -> None:
    response = client.post(
        "/api/v1/badges", headers=manager.headers, json={"name": "x", "rule": "first_gift"}
    )

    assert response.status_code == 403
    listed = client.get("/api/v1/badges", headers=manager.headers).json["items"]
    assert listed[-1]["default"] is True


MOMENT = datetime(2026, 3, 1, 2, tzinfo=UTC)


def _history(**fields: object) -> History:
    base: dict[str, object] = {
        "activities": [],
        "followups": [],
        "personal_screenings": [],
        "first_gift_at": None,
        "today": date(2026, 12, 1),
    }
    return History(**{**base, **fields})  # type: ignore[arg-type]


def _followup(due: str, done: str | None, checkin_id: int | None = None) -> FollowUpDone:
    done_at = datetime.fromisoformat(f"{done}T02:00:00+00:00") if done else None
    return FollowUpDone(
        date.fromisoformat(due), done_at.date() if done_at else None, done_at, checkin_id
    )


def test_follow_ups_on_time_count_in_a_row_and_a_late_one_starts_again() -> None:
    rule = BadgeRule("followups_3", "followups_on_time", 3)
    late = [
        _followup("2026-01-10", "2026-01-09", 1),
        _followup("2026-02-10", "2026-02-12", 2),  # late
        _followup("2026-03-10", "2026-03-10", 3),
        _followup("2026-04-10", "2026-04-01", 4),
    ]
    missed = [*late, _followup("2026-05-10", None), _followup("2026-06-10", "2026-06-01", 6)]
    kept = [*late, _followup("2026-05-10", "2026-05-10", 5)]

    assert badge_earning(rule, _history(followups=late), grace=True) is None
    assert badge_earning(rule, _history(followups=missed), grace=True) is None
    earning = badge_earning(rule, _history(followups=kept), grace=True)
    assert earning is not None and earning[1] == 5


def test_every_screening_made_for_the_resident_attended_earns_the_badge() -> None:
    rule = BadgeRule("all_screenings", "all_screenings")

    def screening(checkin_id: int, event_id: int, days: int) -> Activity:
        at = MOMENT + timedelta(days=days)
        return Activity(checkin_id, at, at.date(), "screening", 1, event_id)

    personal = [(10, MOMENT), (11, MOMENT + timedelta(days=30))]
    one_of_two = _history(
        activities=[screening(1, 10, 0), screening(2, 99, 31)], personal_screenings=personal
    )
    both = _history(
        activities=[screening(1, 10, 0), screening(2, 11, 30)], personal_screenings=personal
    )

    first = badge_earning(rule, one_of_two, grace=True)
    assert first is not None and first[1] == 1  # the only one due by then was attended
    assert badge_earning(rule, _history(activities=[screening(1, 99, 0)]), grace=True) is None
    assert badge_earning(rule, both, grace=True) == (MOMENT, 1)


def test_the_first_gift_earns_its_badge_when_handed_over() -> None:
    rule = BadgeRule("first_gift", "first_gift")

    assert badge_earning(rule, _history(), grace=True) is None
    assert badge_earning(rule, _history(first_gift_at=MOMENT), grace=True) == (MOMENT, None)


def test_the_first_gift_handed_over_at_the_desk_earns_its_badge_and_keeps_the_level(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 120)
    item = client.post(
        "/api/v1/catalog/items",
        headers=manager.headers,
        json={"name": "腰围尺", "points_cost": 100},
    ).json["id"]
    client.post(
        f"/api/v1/catalog/items/{item}/stock",
        headers=manager.headers,
        json={"center_id": desk.center_id, "delta": 1, "reason": "received"},
    )
    code = client.get("/api/v1/me/member-code", headers=resident.headers).json["code"]

    handed = client.post(
        "/api/v1/redemptions", headers=desk.headers, json={"member_code": code, "item_id": item}
    )

    assert handed.status_code == 201
    body = achievements(client, resident)
    assert [(b["code"], b["checkin_id"]) for b in body["badges"]] == [("first_gift", None)]
    assert body["level"]["name"] == "健康学徒" and body["level"]["lifetime_points"] == 120
