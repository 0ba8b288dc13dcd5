"""The participation series, follow-up compliance, rankings, and every table as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from core.db import db
from events.service import cancel_event
from tests.catalog.test_redemption import gift, redeem
from tests.events.test_followups import consenting, schedule
from tests.factories import Account, Factory
from tests.stats.conftest import roll_up

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def get(client: FlaskClient, who: Account, path: str, **args: Any) -> Any:
    response = client.get(f"/api/v1/stats/{path}", headers=who.headers, query_string=args)
    assert response.status_code == 200, response.json
    return response


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def weeks(app: Flask, make: Factory, counting: str) -> dict[str, Any]:
    """Center A: a lecture on Monday 2025-03-03 (r1, r2), a screening on Sunday 2025-03-09
    at 23:50 (r1), and nothing the week after; center B: a lecture on 2025-03-04 (r3)."""
    a, b = make.center(), make.center()
    r1, r2, r3 = (make.resident(a).id for _ in range(3))
    monday = make.event(a, starts_at=local(2025, 3, 3, 9))
    make.checkin(monday, r1, local(2025, 3, 3, 9))
    make.checkin(monday, r2, local(2025, 3, 3, 9))
    sunday = make.event(a, kind="screening", starts_at=local(2025, 3, 9, 23, 30))
    make.checkin(sunday, r1, local(2025, 3, 9, 23, 50))
    other = make.event(b, starts_at=local(2025, 3, 4, 9))
    make.checkin(other, r3, local(2025, 3, 4, 9))
    if counting == "rolled up":
        roll_up(app)
    return {"a": a, "b": b, "manager": make.staff("manager")}


def test_weekly_buckets_follow_the_local_calendar_and_keep_empty_weeks(
    client: FlaskClient, weeks: dict[str, Any]
) -> None:
    series = get(
        client,
        weeks["manager"],
        "participation",
        **{"from": "2025-03-01", "to": "2025-03-16"},
        interval="week",
    ).json

    buckets = [
        (b["from"], b["to"], b["checkins"], b["unique_participants"]) for b in series["buckets"]
    ]
    assert buckets == [
        ("2025-03-01", "2025-03-02", 0, 0),  # cut to the period
        ("2025-03-03", "2025-03-09", 4, 3),  # Sunday 23:50 in Shanghai is still this week
        ("2025-03-10", "2025-03-16", 0, 0),
    ]
    assert series["buckets"][1]["groups"] == {
        "lecture": 3,
        "consultation": 0,
        "followup": 0,
        "revisit": 0,
        "screening": 1,
    }


def test_a_series_by_center_and_day(client: FlaskClient, weeks: dict[str, Any]) -> None:
    a, b = str(weeks["a"]), str(weeks["b"])

    series = get(
        client,
        weeks["manager"],
        "participation",
        **{"from": "2025-03-03", "to": "2025-03-05"},
        interval="day",
        group_by="center",
    ).json

    assert [bucket["groups"] for bucket in series["buckets"]] == [
        {a: 2, b: 0},
        {a: 0, b: 1},
        {a: 0, b: 0},
    ]


def test_a_series_as_csv_round_trips(client: FlaskClient, weeks: dict[str, Any]) -> None:
    response = get(
        client,
        weeks["manager"],
        "participation",
        **{"from": "2025-03-01", "to": "2025-03-31"},
        interval="month",
        format="csv",
    )

    (row,) = rows_of(response)
    assert (row["开始日期"], row["结束日期"], row["签到人次"], row["讲座"]) == (
        "2025-03-01",
        "2025-03-31",
        "4",
        "3",
    )


def test_monthly_buckets_count_each_participant_once_a_month(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    """Whole months and the part-months at the period's ends count alike."""
    center = make.center()
    r1, r2 = (make.resident(center).id for _ in range(2))
    for day, residents in ((25, (r1,)), (3, (r1, r2)), (17, (r1,))):
        month = 2 if day == 25 else 3
        lecture = make.event(center, starts_at=local(2025, month, day, 9))
        for resident in residents:
            make.checkin(lecture, resident, local(2025, month, day, 9))
    april = make.event(center, starts_at=local(2025, 4, 1, 0, 30))
    make.checkin(april, r2, local(2025, 4, 1, 0, 10))  # still March 31 in UTC
    if counting == "rolled up":
        roll_up(app)

    series = get(
        client,
        make.staff("manager"),
        "participation",
        **{"from": "2025-02-20", "to": "2025-04-10"},
        interval="month",
    ).json

    buckets = [
        (b["from"], b["to"], b["checkins"], b["unique_participants"]) for b in series["buckets"]
    ]
    assert buckets == [
        ("2025-02-20", "2025-02-28", 1, 1),
        ("2025-03-01", "2025-03-31", 3, 2),
        ("2025-04-01", "2025-04-10", 1, 1),
    ]


def test_daily_series_are_limited_to_two_years(client: FlaskClient, make: Factory) -> None:
    response = client.get(
        "/api/v1/stats/participation",
        headers=make.staff("manager").headers,
        query_string={"from": "2020-01-01", "to": "2025-01-01", "interval": "day"},
    )

    assert (response.status_code, response.json["code"]) == (422, "validation_error")


def test_events_ranked_by_attendance(client: FlaskClient, weeks: dict[str, Any]) -> None:
    ranking = get(
        client, weeks["manager"], "events", **{"from": "2025-03-01", "to": "2025-03-31"}
    ).json

    assert [(e["center_id"], e["kind"], e["attendance"]) for e in ranking["items"]] == [
        (weeks["a"], "lecture", 2),
        (weeks["b"], "lecture", 1),
        (weeks["a"], "screening", 1),
    ]
    exported = rows_of(
        get(
            client,
            weeks["manager"],
            "events",
            **{"from": "2025-03-01", "to": "2025-03-31"},
            format="csv",
            limit=1,
        )
    )
    assert [(r["类型"], r["签到人次"]) for r in exported] == [("讲座", "2")]


def test_a_ranking_of_one_kind_of_event(client: FlaskClient, weeks: dict[str, Any]) -> None:
    march = {"from": "2025-03-01", "to": "2025-03-31"}

    lectures = get(client, weeks["manager"], "events", **march, kind="lecture").json
    screenings = get(client, weeks["manager"], "events", **march, kind="screening").json

    assert [(e["kind"], e["attendance"]) for e in lectures["items"]] == [
        ("lecture", 2),
        ("lecture", 1),
    ]
    assert [(e["kind"], e["attendance"]) for e in screenings["items"]] == [("screening", 1)]
    unknown = client.get(
        "/api/v1/stats/events",
        headers=weeks["manager"].headers,
        query_string={**march, "kind": "party"},
    )
    assert (unknown.status_code, unknown.json["code"]) == (422, "validation_error")


def test_gifts_ranked_by_quantity(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    scale, tape = gift(client, manager, stock=5, cost=10), gift(client, manager, stock=5, cost=20)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    for item in (scale, scale, tape):
        assert redeem(client, desk, resident.id, item).status_code == 201
    today = datetime.now(SHANGHAI).date().isoformat()

    ranking = get(client, manager, "items", **{"from": today, "to": today}).json

    assert [(i["item_id"], i["quantity"], i["points"]) for i in ranking["items"]] == [
        (scale, 2, 20),
        (tape, 1, 20),
    ]


def test_summary_as_csv_has_a_line_per_figure(client: FlaskClient, weeks: dict[str, Any]) -> None:
    response = get(
        client,
        weeks["manager"],
        "summary",
        **{"from": "2025-03-01", "to": "2025-03-31"},
        format="csv",
    )

    lines = {row["指标"]: row for row in rows_of(response)}
    assert lines["签到人次"]["本期 2025-03-01至2025-03-31"] == "4"
    assert lines["签到人次·筛查"]["本期 2025-03-01至2025-03-31"] == "1"
    assert lines["参与人数"]["同比增长"] == ""


def test_a_center_manager_cannot_rank_another_center(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center())
    other = make.center()

    response = client.get(
        "/api/v1/stats/events",
        headers=manager.headers,
        query_string={"from": "2025-01-01", "to": "2025-01-31", "center_id": other},
    )
    missing = client.get(
        "/api/v1/stats/events",
        headers=make.staff("manager").headers,
        query_string={"from": "2025-01-01", "to": "2025-01-31", "center_id": 999999},
    )

    assert (response.status_code, response.json["code"]) == (403, "forbidden")
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")


def test_an_events_attendance_counts_every_check_in_of_it_that_stands(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    center = make.center()
    midnight = make.event(center, starts_at=local(2025, 4, 1, 0, 10))
    early, annulled = make.resident(center).id, make.resident(center).id
    make.checkin(midnight, early, local(2025, 3, 31, 23, 50))  # the day before the period
    make.annul(make.checkin(midnight, annulled, local(2025, 4, 1, 0, 5)), center)
    if counting == "rolled up":
        roll_up(app)

    ranking = get(
        client, make.staff("manager"), "events", **{"from": "2025-04-01", "to": "2025-04-30"}
    ).json

    assert [(e["event_id"], e["attendance"]) for e in ranking["items"]] == [(midnight, 1)]


def test_reports_are_planned_for_their_period_and_check_ins_keep_prepared_plans(
    app: Flask,
) -> None:
    def plan_cache_mode(method: str, path: str) -> str:
        with app.test_request_context(path, method=method):
            app.preprocess_request()
            mode = db.session.scalar(text("SELECT current_setting('plan_cache_mode')"))
            db.session.rollback()
            return str(mode)

    assert plan_cache_mode("GET", "/api/v1/stats/events") == "force_custom_plan"
    assert plan_cache_mode("POST", "/api/v1/checkins") == "auto"


def test_the_ranking_lists_the_events_that_took_place(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    """A consultation cancelled after two residents came took place; next week's did not."""
    center = make.center()
    now = datetime.now(UTC)
    attended = make.event(center, kind="consultation", starts_at=now - timedelta(days=2))
    for _ in range(2):
        make.checkin(attended, make.resident(center).id, now - timedelta(days=2))
    make.event(center, starts_at=now + timedelta(days=7))
    with app.app_context():
        cancel_event(make.organizer(center).principal, attended, now)
        db.session.commit()
    if counting == "rolled up":
        roll_up(app, ahead=timedelta(days=2))
    today = datetime.now(SHANGHAI).date()
    fortnight = {
        "from": (today - timedelta(days=14)).isoformat(),
        "to": (today + timedelta(days=14)).isoformat(),
    }

    ranking = get(client, make.staff("manager"), "events", **fortnight).json

    assert [(e["event_id"], e["attendance"]) for e in ranking["items"]] == [(attended, 2)]


def test_every_report_names_its_centers(
    client: FlaskClient, make: Factory, weeks: dict[str, Any]
) -> None:
    a, b = weeks["a"], weeks["b"]
    manager = weeks["manager"]
    with make.app.app_context():
        names = dict(db.session.execute(text("SELECT id, name FROM centers")).all())
    center_a = {"id": a, "name": names[a]}
    march = {"from": "2025-03-01", "to": "2025-03-31"}
    desk = make.staff("staff", center_id=a)
    resident = consenting(client, make, a)
    client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )
    assert schedule(client, desk, resident.id, date(2025, 3, 20)).status_code == 201

    summary = get(client, manager, "summary", **march, center_id=a).json
    district = get(client, manager, "summary", **march).json
    series = get(client, manager, "participation", **march, group_by="center").json
    followups = get(client, manager, "followups", **march, center_id=a).json
    ranking = get(client, manager, "events", **march).json
    items = get(client, manager, "items", **march, center_id=a).json

    assert (summary["center"], district["center"]) == (center_a, None)
    assert series["centers"] == [center_a, {"id": b, "name": names[b]}]
    assert (followups["center"], followups["rows"][0]["center"]) == (center_a, center_a)
    assert [e["center"]["name"] for e in ranking["items"]] == [names[a], names[b], names[a]]
    assert items["center"] == center_a

    summary_csv = {
        r["指标"]: r["本期 2025-03-01至2025-03-31"]
        for r in rows_of(get(client, manager, "summary", **march, center_id=a, format="csv"))
    }
    series_csv = rows_of(
        get(client, manager, "participation", **march, group_by="center", format="csv")
    )
    followups_csv = rows_of(get(client, manager, "followups", **march, center_id=a, format="csv"))
    ranking_csv = rows_of(get(client, manager, "events", **march, format="csv"))
    assert summary_csv["中心"] == names[a]
    assert (series_csv[0][names[a]], series_csv[0][names[b]]) == ("3", "1")
    assert followups_csv[0]["中心"] == names[a]
    assert [r["中心"] for r in ranking_csv] == [names[a], names[b], names[a]]
