"""Who may call gamification's routes: a resident reads their achievements, anyone logged
in the district's badges; managers make badges (the district's only) and challenges."""

from __future__ import annotations

from datetime import date, timedelta

from tests.access import Arrange, Call, World, access_tests, call, table

ACCESS = table("""
                            anon  res  desk  other  mgr  dist  admin
GET  /api/v1/me/achievements  401   200  403    403   403  403    403
GET  /api/v1/badges           401   200  200    200   200  200    200
POST /api/v1/badges           401   403  403    403   403  201    201
GET  /api/v1/challenges       401   403  403    403   200  200    200
POST /api/v1/challenges       401   403  403    403   201  201    201
PUT  /api/v1/challenges/{challenge_id}      401   403  403    403   200  200    200
POST /api/v1/challenges/{challenge_id}/end  401   403  403    403   200  200    200
POST /api/v1/badges/{code}/deactivate       401   403  403    403   403  200    200
GET  /api/v1/leaderboard      401   200  200    404   200  200    200
PUT  /api/v1/leaderboard/centers/{center_id}  401   403  403    403   200  200    200
""")


def a_challenge_at_center_a(w: World) -> Call:
    return call(
        json={
            "title": "冬季控压挑战",
            "starts_on": "2026-12-01",
            "ends_on": "2027-02-28",
            "center_id": w.center,
            "goal": {"kind": "lecture", "count": 3},
            "bonus_points": 50,
        }
    )


def challenge_at_center_a(w: World, starts_in_days: int) -> int:
    """Center A's challenge, set by its manager, starting ``starts_in_days`` from today."""
    first = date.today() + timedelta(days=starts_in_days)
    body = a_challenge_at_center_a(w).json or {}
    sent = w.app.test_client().post(
        "/api/v1/challenges",
        headers=w._fixture("manager").headers,
        json={**body, "starts_on": str(first), "ends_on": str(first + timedelta(days=30))},
    )
    assert sent.status_code == 201, sent.json
    return int(sent.json["id"])


def a_badge_made(w: World) -> str:
    sent = w.app.test_client().post(
        "/api/v1/badges",
        headers=w._fixture("district_manager").headers,
        json={"name": "讲座常客", "rule": "activities", "count": 10},
    )
    assert sent.status_code == 201, sent.json
    return str(sent.json["code"])


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/me/achievements": lambda w: call(),
    "GET /api/v1/badges": lambda w: call(),
    "POST /api/v1/badges": lambda w: call(
        json={"name": "讲座常客", "rule": "activities", "activity": "lecture", "count": 10}
    ),
    "GET /api/v1/challenges": lambda w: call(),
    "POST /api/v1/challenges": a_challenge_at_center_a,
    "PUT /api/v1/challenges/{challenge_id}": lambda w: call(
        challenge_id=challenge_at_center_a(w, 10),
        json={
            "title": "春季控糖挑战",
            "starts_on": str(date.today() + timedelta(days=5)),
            "ends_on": str(date.today() + timedelta(days=60)),
            "goal": {"kind": "any", "count": 4},
            "bonus_points": 30,
        },
    ),
    "POST /api/v1/challenges/{challenge_id}/end": lambda w: call(
        challenge_id=challenge_at_center_a(w, -3)
    ),
    "POST /api/v1/badges/{code}/deactivate": lambda w: call(code=a_badge_made(w)),
    "GET /api/v1/leaderboard": lambda w: call(query={"center_id": w.center}),
    "PUT /api/v1/leaderboard/centers/{center_id}": lambda w: call(
        center_id=w.center, json={"enabled": False}
    ),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "gamification")
