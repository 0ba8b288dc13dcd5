"""The challenges and badges pages: who sees and changes what (a clerk nothing, a center's
manager their center's challenges and the district's read-only, the district's manager all),
setting, changing and ending a challenge through the forms with their CSRF token, refusals in
words; and the desk card's level, streak and badges at the cost of two small queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event

from core.db import db
from core.localtime import district_today
from tests.consoles import Console, html, log_in, text_of
from tests.factories import Account, Factory
from tests.gamification.conftest import attend, months_ago

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today(app: Flask) -> Any:
    with app.app_context():
        return district_today()


def form(app: Flask, starts_in_days: int, **fields: str) -> dict[str, str]:
    first = today(app) + timedelta(days=starts_in_days)
    return {
        "title": "冬季控压挑战",
        "starts_on": str(first),
        "ends_on": str(first + timedelta(days=30)),
        "goal_kind": "lecture",
        "goal_count": "3",
        "bonus_points": "50",
        **fields,
    }


def api_challenges(client: FlaskClient, manager: Account) -> list[dict[str, Any]]:
    return client.get("/api/v1/challenges", headers=manager.headers).json["items"]  # type: ignore[no-any-return]


def set_by(console: Console, app: Flask, starts_in_days: int, **fields: str) -> int:
    response = console.post("/console/challenges", form(app, starts_in_days, **fields))
    assert response.status_code == 204, html(response)[:2000]
    location = response.headers["HX-Redirect"]
    return int(location.rsplit("challenge-", 1)[1])


def test_a_clerk_may_not_open_the_challenges(app: Flask, desk: Account) -> None:
    clerk = log_in(app, desk)

    listed = clerk.get("/console/challenges")
    made = clerk.post("/console/challenges", form(app, 5))

    assert (listed.status_code, made.status_code) == (403, 403)
    assert "/console/challenges" not in html(clerk.get("/console/desk"))


def test_a_manager_sets_a_challenge_the_api_then_lists(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    console = log_in(app, manager)

    made = set_by(console, app, 5, goal_kind="any", goal_count="4")
    page = console.get("/console/challenges")

    (listed,) = api_challenges(client, manager)
    assert listed["id"] == made and listed["center_id"] == manager.center_id
    assert (listed["goal"], listed["bonus_points"]) == ({"kind": "any", "count": 4}, 50)
    assert "冬季控压挑战" in text_of(page, f"challenge-{made}")
    assert text_of(page, f"status-{made}") == "未开始"
    assert f'data-testid="edit-{made}"' in html(page)


def test_a_form_without_its_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    response = log_in(app, manager).post("/console/challenges", form(app, 5), csrf=False)

    assert response.status_code == 400
    assert api_challenges(client, manager) == []


def test_a_period_ending_before_it_starts_is_refused_in_words(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sent = form(app, 5)
    sent["ends_on"] = str(today(app))

    response = log_in(app, manager).post("/console/challenges", sent, htmx=False)

    assert response.status_code == 422
    assert "结束日期早于开始日期" in text_of(response, "result")
    assert 'value="冬季控压挑战"' in html(response)  # what was typed stays
    assert api_challenges(client, manager) == []


def test_a_challenge_not_started_is_changed_through_its_form(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    console = log_in(app, manager)
    made = set_by(console, app, 5)

    opened = console.get(f"/console/challenges/{made}/edit")
    response = console.post(
        f"/console/challenges/{made}/edit", form(app, 7, title="春季控糖挑战", bonus_points="80")
    )

    assert opened.status_code == 200 and 'value="冬季控压挑战"' in html(opened)
    assert response.status_code == 204
    (listed,) = api_challenges(client, manager)
    assert (listed["title"], listed["bonus_points"]) == ("春季控糖挑战", 80)
    assert listed["starts_on"] == str(today(app) + timedelta(days=7))


def test_a_started_challenges_goal_stays_and_the_form_says_why(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    console = log_in(app, manager)
    made = set_by(console, app, -3)

    response = console.post(
        f"/console/challenges/{made}/edit", form(app, -3, goal_count="1"), htmx=False
    )
    page = console.get("/console/challenges")

    assert response.status_code == 409
    assert "挑战已经开始" in text_of(response, "result")
    assert api_challenges(client, manager)[0]["goal"]["count"] == 3
    assert f'data-testid="edit-{made}"' not in html(page)
    assert f'data-testid="end-{made}"' in html(page)


def test_ending_a_running_challenge_today(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    console = log_in(app, manager)
    made = set_by(console, app, -3)

    response = console.post(f"/console/challenges/{made}/end")
    again_not_started = console.post(f"/console/challenges/{set_by(console, app, 5)}/end")

    assert response.status_code == 204
    assert api_challenges(client, manager)[1]["ends_on"] == str(today(app))
    assert again_not_started.status_code == 409
    assert "只有进行中的挑战才能结束" in text_of(again_not_started, "result")


def test_a_centers_manager_sees_the_districts_challenges_read_only(
    app: Flask, make: Factory, manager: Account, district_manager: Account
) -> None:
    district = log_in(app, district_manager)
    district_wide = set_by(district, app, 5)
    elsewhere = set_by(district, app, 5, center_id=str(make.center()))
    mine = log_in(app, manager)

    page = mine.get("/console/challenges")
    changed = mine.post(f"/console/challenges/{district_wide}/edit", form(app, 5, title="改名"))
    other = mine.get(f"/console/challenges/{elsewhere}/edit")

    assert "全区" in text_of(page, f"challenge-{district_wide}")
    assert f'data-testid="edit-{district_wide}"' not in html(page)
    assert f'data-testid="challenge-{elsewhere}"' not in html(page)
    assert changed.status_code == 403 and "区里的挑战" in text_of(changed, "result")
    assert other.status_code == 404
    assert f'data-testid="edit-{district_wide}"' in html(district.get("/console/challenges"))


def test_uptake_counts_residents_in_progress_and_completed_and_the_bonus_paid(
    app: Flask, make: Factory, manager: Account, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = True
    console = log_in(app, manager)
    made = set_by(console, app, -40, goal_count="2", ends_on=str(today(app) + timedelta(days=20)))
    other = make.resident(resident.center_id, name="黄秀英")
    for day in (1, 2):
        attend(make, resident, months_ago(0, day=day))
    attend(make, other, months_ago(0, day=1))

    page = console.get("/console/challenges")

    assert text_of(page, f"in-progress-{made}") == "1"
    assert text_of(page, f"completed-{made}") == "1"
    assert text_of(page, f"bonus-paid-{made}") == "50"


def test_badges_with_their_holders_made_and_deactivated_by_the_district(
    app: Flask, make: Factory, manager: Account, district_manager: Account, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = True
    attend(make, resident, months_ago(1))
    district = log_in(app, district_manager)

    made = district.post(
        "/console/challenges/badges",
        {"name": "讲座常客", "rule": "activities", "activity": "lecture", "count": "1"},
    )
    page = district.get("/console/challenges/badges")
    center_tries = log_in(app, manager).post(
        "/console/challenges/badges", {"name": "我的徽章", "rule": "streak", "count": "3"}
    )
    gone = district.post("/console/challenges/badges/custom-1/deactivate")
    after = district.get("/console/challenges/badges")

    assert made.status_code == 204
    assert text_of(page, "holders-first_lecture") == "1"
    assert "讲座常客" in text_of(page, "badge-custom-1")
    assert 'data-testid="deactivate-custom-1"' in html(page)
    assert 'data-testid="deactivate-first_lecture"' not in html(page)
    assert center_tries.status_code == 403
    assert "徽章由全区统一设置" in text_of(center_tries, "result")
    assert gone.status_code == 204
    assert "已停用" in text_of(after, "badge-custom-1")


def test_the_desk_card_shows_level_streak_and_badges_in_two_small_queries(
    app: Flask, make: Factory, desk: Account, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = True
    clerk = log_in(app, desk)
    newcomer = make.resident(resident.center_id, name="黄秀英")
    for months in (2, 1, 0):
        attend(make, resident, months_ago(months))

    card, cost = _card(app, clerk, resident)
    _, newcomer_cost = _card(app, clerk, newcomer)

    assert text_of(card, "level") == "健康新手"
    assert text_of(card, "streak") == "连续 3 个月"
    assert "首次听讲座" in text_of(card, "badges")
    # Two statements, whatever the history: lifetime points with active months, then badges.
    assert len(_game(cost)) == len(_game(newcomer_cost)) == 2


def _game(statements: list[str]) -> list[str]:
    return [s for s in statements if "badge_awards" in s or "date_trunc" in s]


def _card(app: Flask, clerk: Console, resident: Account) -> tuple[Any, list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = clerk.get(f"/console/desk/residents/{resident.id}")
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return response, statements


def test_the_extra_attendance_a_running_challenge_brought(
    app: Flask, make: Factory, manager: Account, resident: Account
) -> None:
    """Begun ten days ago: three lectures since, one in the ten days before, one walk-in
    screening that is not its kind; a challenge not begun has no figure yet."""
    console = log_in(app, manager)
    running = set_by(console, app, -9, goal_count="2")
    upcoming = set_by(console, app, 5)
    noon = datetime.combine(today(app), time(12), SHANGHAI)
    for days_ago in (1, 2, 8):
        attend(make, resident, noon - timedelta(days=days_ago))
    attend(make, resident, noon - timedelta(days=15))
    attend(make, resident, noon - timedelta(days=3), kind="screening")

    page = console.get("/console/challenges")

    assert text_of(page, f"uplift-{running}").split() == ["+2", "3，此前", "1"]
    assert text_of(page, f"uplift-{upcoming}") == "—"
