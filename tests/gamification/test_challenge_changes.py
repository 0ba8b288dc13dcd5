"""Changing a challenge before it starts, ending a running one early, and deactivating a
manager's badge: what may change when, and by whom."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from core.localtime import district_today
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements, attend, months_ago
from tests.gamification.test_challenges import set_challenge


def put(client: FlaskClient, manager: Account, challenge: dict[str, Any], **changes: Any) -> Any:
    fields = ("title", "starts_on", "ends_on", "goal", "bonus_points")
    body = {name: challenge[name] for name in fields} | changes
    return client.put(f"/api/v1/challenges/{challenge['id']}", headers=manager.headers, json=body)


def upcoming(client: FlaskClient, manager: Account, **fields: Any) -> dict[str, Any]:
    today = district_today_of(client)
    first = today + timedelta(days=10)
    return set_challenge(
        client, manager, starts_on=str(first), ends_on=str(first + timedelta(days=30)), **fields
    )


def district_today_of(client: FlaskClient) -> Any:
    with client.application.app_context():
        return district_today()


def test_a_challenge_not_started_changes_whole(client: FlaskClient, manager: Account) -> None:
    made = upcoming(client, manager)

    response = put(
        client,
        manager,
        made,
        title="春季控糖挑战",
        goal={"kind": "any", "count": 5},
        bonus_points=80,
    )

    assert response.status_code == 200, response.json
    listed = client.get("/api/v1/challenges", headers=manager.headers).json["items"]
    assert [(c["title"], c["goal"], c["bonus_points"]) for c in listed] == [
        ("春季控糖挑战", {"kind": "any", "count": 5}, 80)
    ]


def test_a_started_challenge_keeps_its_goal_bonus_and_period(
    client: FlaskClient, manager: Account
) -> None:
    made = set_challenge(client, manager)  # running since 60 days ago

    goal = put(client, manager, made, goal={"kind": "lecture", "count": 1})
    bonus = put(client, manager, made, bonus_points=500)
    renamed = put(client, manager, made, title="冬季控压挑战（第二期）")

    assert (goal.status_code, goal.json["code"]) == (409, "challenge_started")
    assert (bonus.status_code, bonus.json["code"]) == (409, "challenge_started")
    assert renamed.status_code == 200 and renamed.json["bonus_points"] == 50
    assert renamed.json["title"] == "冬季控压挑战（第二期）"


def test_a_period_that_ends_before_it_starts_is_refused(
    client: FlaskClient, manager: Account
) -> None:
    made = upcoming(client, manager)

    response = put(client, manager, made, ends_on=str(district_today_of(client)))

    assert (response.status_code, response.json["code"]) == (422, "challenge_period_invalid")


def test_ending_a_running_challenge_makes_today_its_last_day(
    client: FlaskClient, make: Factory, manager: Account, resident: Account
) -> None:
    made = set_challenge(client, manager, goal={"kind": "lecture", "count": 2})
    attend(make, resident, months_ago(0, day=1))

    ended = client.post(f"/api/v1/challenges/{made['id']}/end", headers=manager.headers)
    again = client.post(f"/api/v1/challenges/{made['id']}/end", headers=manager.headers)

    assert ended.status_code == 200, ended.json
    assert ended.json["ends_on"] == str(district_today_of(client))
    assert ended.json["joined"] == 1
    assert (again.status_code, again.json["ends_on"]) == (200, ended.json["ends_on"])


def test_only_a_running_challenge_can_be_ended(client: FlaskClient, manager: Account) -> None:
    today = district_today_of(client)
    not_yet = upcoming(client, manager)
    over = set_challenge(
        client,
        manager,
        starts_on=str(today - timedelta(days=30)),
        ends_on=str(today - timedelta(days=1)),
    )

    for made in (not_yet, over):
        response = client.post(f"/api/v1/challenges/{made['id']}/end", headers=manager.headers)
        assert (response.status_code, response.json["code"]) == (409, "challenge_not_running")


def test_a_centers_manager_reads_but_does_not_change_the_districts_challenges(
    client: FlaskClient, make: Factory, manager: Account, district_manager: Account
) -> None:
    district_wide = upcoming(client, district_manager)
    elsewhere = upcoming(client, district_manager, center_id=make.center())

    changed = put(client, manager, district_wide, title="改名")
    ended = client.post(f"/api/v1/challenges/{district_wide['id']}/end", headers=manager.headers)
    other = put(client, manager, elsewhere, title="改名")

    assert district_wide["center_id"] is None
    assert (changed.status_code, changed.json["code"]) == (403, "forbidden")
    assert (ended.status_code, ended.json["code"]) == (403, "forbidden")
    assert (other.status_code, other.json["code"]) == (404, "not_found")
    assert put(client, district_manager, district_wide, title="改名").status_code == 200


def test_a_deactivated_badge_is_no_longer_awarded_but_stays_with_its_holders(
    client: FlaskClient, make: Factory, district_manager: Account, resident: Account
) -> None:
    badge = client.post(
        "/api/v1/badges",
        headers=district_manager.headers,
        json={"name": "讲座常客", "rule": "activities", "activity": "lecture", "count": 1},
    ).json
    attend(make, resident, months_ago(1))
    other = make.resident(resident.center_id)
    url = f"/api/v1/badges/{badge['code']}/deactivate"

    response = client.post(url, headers=district_manager.headers)
    attend(make, resident, months_ago(0))
    attend(make, other, months_ago(0))

    assert response.status_code == 200 and response.json["active"] is False
    assert badge["code"] in {b["code"] for b in achievements(client, resident)["badges"]}
    assert badge["code"] not in {b["code"] for b in achievements(client, other)["badges"]}
    listed = client.get("/api/v1/badges", headers=district_manager.headers).json["items"]
    assert [b["active"] for b in listed if b["code"] == badge["code"]] == [False]


def test_a_default_badge_cannot_be_deactivated(
    client: FlaskClient, district_manager: Account
) -> None:
    url = "/api/v1/badges/first_lecture/deactivate"
    response = client.post(url, headers=district_manager.headers)
    unknown = client.post("/api/v1/badges/custom-999/deactivate", headers=district_manager.headers)

    assert (response.status_code, response.json["code"]) == (409, "badge_default")
    assert (unknown.status_code, unknown.json["code"]) == (404, "not_found")
