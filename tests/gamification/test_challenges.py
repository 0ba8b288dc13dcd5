"""Challenges: a manager sets a goal for a period; residents see their progress; reaching it
credits the bonus once through the ledger, racing check-ins included; an annulment that
undoes it takes the bonus back with a reversing transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from events.checkin import check_in
from events.scans import Scanner
from points.expiry import PointsSettings
from points.ledger import balance_of
from points.models import LedgerTransaction
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements, attend, months_ago
from tests.racing import race


def set_challenge(client: FlaskClient, manager: Account, **fields: Any) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body = {
        "title": "冬季控压挑战",
        "starts_on": str(today - timedelta(days=60)),
        "ends_on": str(today + timedelta(days=60)),
        "goal": {"kind": "lecture", "count": 3},
        "bonus_points": 50,
        **fields,
    }
    response = client.post("/api/v1/challenges", headers=manager.headers, json=body)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def bonuses(app: Flask, resident: Account) -> list[tuple[int, int, int | None]]:
    """(id, amount, reverses_id) of the resident's bonuses and their reversals, in order."""
    with app.app_context():
        earned = select(LedgerTransaction.id).where(
            LedgerTransaction.resident_id == resident.id,
            LedgerTransaction.source_type == "challenge",
        )
        rows = db.session.execute(
            select(LedgerTransaction.id, LedgerTransaction.amount, LedgerTransaction.reverses_id)
            .where(LedgerTransaction.id.in_(earned) | LedgerTransaction.reverses_id.in_(earned))
            .order_by(LedgerTransaction.id)
        ).all()
        return [tuple(row) for row in rows]


def challenge_of(client: FlaskClient, resident: Account) -> dict[str, Any]:
    (challenge,) = achievements(client, resident)["challenges"]
    return challenge  # type: ignore[no-any-return]


def test_reaching_the_goal_credits_the_bonus_once(
    app: Flask, client: FlaskClient, make: Factory, resident: Account, manager: Account
) -> None:
    made = set_challenge(client, manager)
    attend(make, resident, months_ago(0, day=1))
    attend(make, resident, months_ago(0, day=2), kind="screening")  # not a lecture
    attend(make, resident, months_ago(0, day=2))
    under_way = challenge_of(client, resident)
    third = attend(make, resident, months_ago(0, day=3))
    attend(make, resident, months_ago(0, day=3) + timedelta(hours=3))

    assert made["center_id"] == resident.center_id  # a center's manager: their center
    assert under_way["progress"] == 2 and under_way["completed_at"] is None
    assert under_way["goal"] == {"kind": "lecture", "count": 3}
    done = challenge_of(client, resident)
    assert done["progress"] == 3 and done["completed_at"] is not None
    assert [amount for _, amount, _ in bonuses(app, resident)] == [50]
    with app.app_context():
        assert balance_of(resident.id)[0] == 5 * 10 + 50
    listed = client.get("/api/v1/challenges", headers=manager.headers).json["items"]
    assert [(c["joined"], c["completed"]) for c in listed] == [(1, 1)]
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    (bonus,) = [entry for entry in ledger if entry["delta"] == 50]
    assert bonus["source"]["title"] == "冬季控压挑战" and bonus["reason"] == "完成健康挑战"
    assert done["completed_at"][:10] == f"{months_ago(0, day=3):%Y-%m-%d}"
    assert third


def test_an_annulled_checkin_that_completed_it_takes_the_bonus_back(
    app: Flask, client: FlaskClient, make: Factory, resident: Account, manager: Account
) -> None:
    set_challenge(client, manager, goal={"kind": "any", "count": 2})
    attend(make, resident, months_ago(0, day=1))
    second = attend(make, resident, months_ago(0, day=2))

    make.annul(second, resident.center_id or 0)
    undone = challenge_of(client, resident)
    attend(make, resident, months_ago(0, day=3))

    assert undone["progress"] == 1 and undone["completed_at"] is None
    (first, fifty, _), (_, minus_fifty, undoes), (_, again, _) = bonuses(app, resident)
    assert (fifty, minus_fifty, undoes, again) == (50, -50, first, 50)
    assert challenge_of(client, resident)["completed_at"] is not None
    listed = client.get("/api/v1/challenges", headers=manager.headers).json["items"]
    assert listed[0]["completed"] == 1


def test_two_checkins_that_complete_it_at_once_credit_one_bonus(
    racing_app: Flask, client: FlaskClient, make: Factory, resident: Account, manager: Account
) -> None:
    racing_app.config["GAMIFICATION_INLINE"] = True
    set_challenge(client, manager, goal={"kind": "lecture", "count": 2})
    attend(make, resident, months_ago(0, day=1))
    events = [make.event(resident.center_id) for _ in range(2)]

    def checks_in(i: int) -> int:
        return check_in(
            events[i],
            resident.id,
            now=datetime.now(UTC),
            settings=PointsSettings.from_config(racing_app.config),
            scanner=Scanner.of(None),
        ).checkin_id

    outcomes = race(racing_app, 2, checks_in)

    assert all(isinstance(outcome, int) for outcome in outcomes)
    assert [amount for _, amount, _ in bonuses(racing_app, resident)] == [50]
    assert challenge_of(client, resident)["progress"] == 2


def test_a_centers_challenge_counts_its_own_events_and_the_districts_all(
    client: FlaskClient,
    make: Factory,
    resident: Account,
    manager: Account,
    district_manager: Account,
) -> None:
    elsewhere = make.center()
    set_challenge(client, manager, goal={"kind": "lecture", "count": 5})
    set_challenge(client, district_manager, title="全区健步走", goal={"kind": "any", "count": 5})
    attend(make, resident, months_ago(0, day=1))
    other = make.event(elsewhere, starts_at=months_ago(0, day=2))
    make.checkin(other, resident.id, at=months_ago(0, day=2))

    progress = {c["title"]: c["progress"] for c in achievements(client, resident)["challenges"]}

    assert progress == {"冬季控压挑战": 1, "全区健步走": 2}
    center_view = client.get("/api/v1/challenges", headers=manager.headers).json["items"]
    assert {c["title"] for c in center_view} == {"冬季控压挑战", "全区健步走"}


def test_checkins_outside_the_period_do_not_count(
    client: FlaskClient, make: Factory, resident: Account, manager: Account
) -> None:
    today = datetime.now(UTC).date()
    set_challenge(client, manager, starts_on=str(today - timedelta(days=1)))
    attend(make, resident, months_ago(2))

    assert challenge_of(client, resident)["progress"] == 0


def test_a_period_that_ends_before_it_starts_is_refused(
    client: FlaskClient, manager: Account
) -> None:
    response = client.post(
        "/api/v1/challenges",
        headers=manager.headers,
        json={
            "title": "x",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
            "goal": {"kind": "any", "count": 1},
            "bonus_points": 5,
        },
    )

    assert response.status_code == 422
    assert response.json["code"] == "challenge_period_invalid"


def test_a_centers_manager_sets_no_challenge_elsewhere(
    client: FlaskClient, make: Factory, manager: Account
) -> None:
    response = client.post(
        "/api/v1/challenges",
        headers=manager.headers,
        json={
            "title": "x",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-10",
            "center_id": make.center(),
            "goal": {"kind": "any", "count": 1},
            "bonus_points": 5,
        },
    )

    assert response.status_code == 404


def test_challenges_are_listed_a_page_at_a_time_newest_first(
    client: FlaskClient, manager: Account
) -> None:
    today = datetime.now(UTC).date()
    for days_ago, title in ((30, "春"), (20, "夏"), (20, "秋")):
        set_challenge(client, manager, title=title, starts_on=str(today - timedelta(days_ago)))

    first = client.get("/api/v1/challenges?limit=2", headers=manager.headers).json
    rest = client.get(
        "/api/v1/challenges",
        headers=manager.headers,
        query_string={"limit": 2, "cursor": first["next_cursor"]},
    ).json
    forged = client.get("/api/v1/challenges?cursor=WyJ4IiwxXQ", headers=manager.headers)

    assert [c["title"] for c in first["items"]] == ["秋", "夏"]
    assert [c["title"] for c in rest["items"]] == ["春"] and rest["next_cursor"] is None
    assert (forged.status_code, forged.json["code"]) == (400, "bad_request")
