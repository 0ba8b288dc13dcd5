"""The weekly report: the statistics API's figures for an ISO week, beside the week before and
the same ISO week last year; as JSON, a safe CSV and a printable page; per center for a
center's manager."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from core.db import db
from identity.models import Resident
from stats.weekly import Week, last_complete_week
from tests.events.test_followup_calls import record
from tests.events.test_followups import consenting, schedule
from tests.factories import Account, Factory
from tests.stats.conftest import roll_up
from tests.stats.test_summary import SHANGHAI, local

#: 2026-W10 is Monday 2026-03-02 to Sunday 2026-03-08; the week before 2026-W09 (February
#: 23 to March 1), the same week last year 2025-W10 (2025-03-03 to 2025-03-09).
WEEK, BEFORE, LAST_YEAR = "2026-W10", "2026-W09", "2025-W10"


def weekly(client: FlaskClient, who: Account, **query: Any) -> Any:
    return client.get("/api/v1/stats/weekly", headers=who.headers, query_string=query)


def figures_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in report["figures"]}


def lecture(make: Factory, center: int, at: datetime, residents: list[int]) -> None:
    event = make.event(center, starts_at=at)
    for resident in residents:
        make.checkin(event, resident, at + timedelta(minutes=5))


@pytest.fixture
def weeks(app: Flask, make: Factory, counting: str) -> dict[str, Any]:
    """Center A: three attendances in 2026-W10 (two lectures: Monday 00:10 and Sunday
    23:50, Shanghai time, both inside the week though the first is still Sunday in UTC),
    two in W09 (one of them Sunday 23:50) and four in 2025-W10. Center B: one in W10."""
    a, b = make.center("东区中心"), make.center("西区中心")
    r1, r2, r3, r4 = (make.resident(a).id for _ in range(4))
    lecture(make, a, local(2026, 3, 2, 0, 5), [r1, r2])
    lecture(make, a, local(2026, 3, 8, 23, 45), [r3])
    lecture(make, a, local(2026, 2, 25, 9), [r1])
    lecture(make, a, local(2026, 3, 1, 23, 45), [r2])
    lecture(make, a, local(2025, 3, 5, 9), [r1, r2, r3, r4])
    lecture(make, b, local(2026, 3, 4, 9), [make.resident(b).id])
    if counting == "rolled up":
        roll_up(app)
    return {
        "a": a,
        "b": b,
        "district_manager": make.staff("manager"),
        "manager_a": make.staff("manager", center_id=a),
        "manager_b": make.staff("manager", center_id=b),
    }


def test_the_week_is_compared_with_the_week_before_and_last_years(
    client: FlaskClient, weeks: dict[str, Any]
) -> None:
    response = weekly(client, weeks["manager_a"], week=WEEK)

    assert response.status_code == 200, response.json
    report = response.json
    assert (report["week"], report["period"]) == (WEEK, {"from": "2026-03-02", "to": "2026-03-08"})
    assert report["previous_week"] == {
        "week": BEFORE,
        "period": {"from": "2026-02-23", "to": "2026-03-01"},
    }
    assert report["same_week_last_year"] == {
        "week": LAST_YEAR,
        "period": {"from": "2025-03-03", "to": "2025-03-09"},
    }
    assert report["center"] == {"id": weeks["a"], "name": "东区中心"}
    checkins = figures_of(report)["checkins"]
    assert (checkins["value"], checkins["previous"], checkins["last_year"]) == (3, 2, 4)
    assert (checkins["change_vs_previous"], checkins["change_vs_last_year"]) == (0.5, -0.25)
    events = figures_of(report)["events_held"]
    assert (events["value"], events["previous"], events["last_year"]) == (2, 2, 1)
    assert (events["change_vs_previous"], events["change_vs_last_year"]) == (0.0, 1.0)
    assert figures_of(report)["checkins"]["label"] == "签到人次"


def test_the_district_sees_every_center_or_one(client: FlaskClient, weeks: dict[str, Any]) -> None:
    district = weekly(client, weeks["district_manager"], week=WEEK).json
    one = weekly(client, weeks["district_manager"], week=WEEK, center_id=weeks["b"]).json

    assert (district["center_id"], figures_of(district)["checkins"]["value"]) == (None, 4)
    assert (one["center_id"], figures_of(one)["checkins"]["value"]) == (weeks["b"], 1)


def _summary(client: FlaskClient, who: Account, period: dict[str, str], **query: Any) -> Any:
    response = client.get(
        "/api/v1/stats/summary",
        headers=who.headers,
        query_string={"from": period["from"], "to": period["to"], **query},
    )
    assert response.status_code == 200, response.json
    return response.json


def _compliance(client: FlaskClient, who: Account, period: dict[str, str]) -> Any:
    response = client.get(
        "/api/v1/stats/followups",
        headers=who.headers,
        query_string={"from": period["from"], "to": period["to"]},
    )
    assert response.status_code == 200, response.json
    return response.json["total"]


def test_the_report_matches_the_statistics_api_for_each_of_its_weeks(
    client: FlaskClient, make: Factory, weeks: dict[str, Any], desk: Account, manager: Account
) -> None:
    """This week (points, a gift, follow-ups and a call happen now) and the two weeks it is
    compared with: every figure the statistics API also gives is the API's."""
    from tests.catalog.test_redemption import gift, redeem

    center = desk.center_id
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    resident = consenting(client, make, center)
    tagged = client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )
    assert tagged.status_code == 200, tagged.json
    make.credit(resident.id, 100)
    item = gift(client, manager, stock=3, cost=30)
    assert redeem(client, desk, resident.id, item).status_code == 201
    done, missed = (schedule(client, desk, resident.id, today - timedelta(days=d)) for d in (0, 1))
    assert done.status_code == missed.status_code == 201
    assert record(client, desk, missed.json["id"], outcome="reached").status_code == 201
    assert make.checkin(make.event(center, kind="followup"), resident.id)
    this_week = str(Week.containing(today))

    for week in (WEEK, this_week):
        report = weekly(client, manager, week=week).json
        rows = figures_of(report)
        for column, part in (
            ("value", report),
            ("previous", report["previous_week"]),
            ("last_year", report["same_week_last_year"]),
        ):
            summary = _summary(client, manager, part["period"])
            compliance = _compliance(client, manager, part["period"])
            assert {key: rows[key][column] for key in rows} == {
                "events_held": summary["events_total"],
                "checkins": summary["checkins_total"],
                "participants": summary["unique_participants"],
                "new_participants": summary["new_participants"],
                "new_residents": rows["new_residents"][column],
                "followups_done": compliance["done_on_time"] + compliance["done_late"],
                "followups_overdue": compliance["overdue"],
                "followups_reached": rows["followups_reached"][column],
                "points_issued": summary["points_issued"],
                "points_redeemed": summary["points_redeemed"],
                "gifts_handed_out": summary["gifts_handed_out"],
            }, (week, column)
    now = figures_of(weekly(client, manager, week=this_week).json)
    assert now["gifts_handed_out"]["value"] == 1 and now["points_redeemed"]["value"] == 30
    assert (now["followups_reached"]["value"], now["new_residents"]["value"]) == (1, 1)


def test_new_residents_are_those_registered_in_the_week_at_the_center(
    app: Flask, client: FlaskClient, make: Factory, manager: Account
) -> None:
    registered = [make.resident(manager.center_id).id for _ in range(3)]
    make.resident(make.center())  # another center's
    with app.app_context():
        for resident, at in zip(
            registered,
            (local(2026, 3, 2, 0, 1), local(2026, 3, 8, 23, 59), local(2026, 3, 9, 0, 1)),
            strict=True,
        ):
            db.session.execute(
                update(Resident).where(Resident.id == resident).values(created_at=at)
            )
        db.session.commit()

    rows = figures_of(weekly(client, manager, week=WEEK).json)

    assert rows["new_residents"]["value"] == 2


def test_the_last_complete_week_is_the_default(client: FlaskClient, manager: Account) -> None:
    response = weekly(client, manager)

    assert response.status_code == 200
    assert response.json["week"] == str(last_complete_week(datetime.now(UTC), SHANGHAI))


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (local(2026, 3, 9, 0, 0), "2026-W10"),  # Monday midnight in Shanghai: W10 is over
        (local(2026, 3, 8, 23, 59), "2026-W09"),  # still Sunday: W10 is not complete
        (local(2027, 1, 4, 8), "2026-W53"),  # 2026 has a week 53
    ],
)
def test_the_last_complete_week_ends_on_the_districts_sunday(now: datetime, week: str) -> None:
    assert str(last_complete_week(now.astimezone(UTC), SHANGHAI)) == week


def test_a_week_53_is_compared_with_week_52_where_last_year_had_none() -> None:
    assert str(Week.parse("2026-W53").last_year()) == "2025-W52"
    assert str(Week.parse("2021-W01").previous()) == "2020-W53"
    assert Week.parse("2026-W01").period.start == date(2025, 12, 29)


@pytest.mark.parametrize("week", ["2026-10", "2026-W1", "2021-W53", "2026-W00", "W10", "2000-W05"])
def test_a_week_that_is_not_one_is_refused(
    client: FlaskClient, manager: Account, week: str
) -> None:
    response = weekly(client, manager, week=week)

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert "week" in response.json["errors"]


@pytest.mark.parametrize(
    ("who", "center", "status"),
    [
        ("manager_a", None, 200),
        ("manager_a", "a", 200),
        ("manager_a", "b", 403),
        ("manager_a", "missing", 404),
        ("district_manager", None, 200),
        ("district_manager", "b", 200),
        ("district_manager", "missing", 404),
    ],
)
def test_a_centers_manager_sees_their_center_only(
    client: FlaskClient, weeks: dict[str, Any], who: str, center: str | None, status: int
) -> None:
    ids = {None: None, "a": weeks["a"], "b": weeks["b"], "missing": 999999}
    query = {"week": WEEK} | ({"center_id": ids[center]} if center else {})

    response = weekly(client, weeks[who], **query)

    assert response.status_code == status, response.json
    if status == 200:
        expected = weeks["a"] if who == "manager_a" else ids[center]
        assert response.json["center_id"] == expected
    else:
        assert response.json["code"] == {403: "forbidden", 404: "not_found"}[status]


def test_the_csv_has_chinese_headers_and_runs_no_formula(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center('=HYPERLINK("http://evil.example","点我")')
    manager = make.staff("manager", center_id=center)

    response = weekly(client, manager, week=WEEK, format="csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f"weekly-{WEEK}.csv" in response.headers["Content-Disposition"]
    header, scope, *rows = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    assert header[0] == "指标" and header[3] == "环比（%）"
    assert scope[:2] == ["中心", "'" + '=HYPERLINK("http://evil.example","点我")']
    assert [row[0] for row in rows][:2] == ["活动场次", "签到人次"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[:1])


def test_the_printable_page_is_a4_and_chinese(client: FlaskClient, make: Factory) -> None:
    manager = make.staff("manager", center_id=make.center("东区中心<b>"))

    response = weekly(client, manager, week=WEEK, format="html")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_data(as_text=True)
    assert "size: A4" in page
    assert "东区中心&lt;b&gt; · 健康积分周报 2026-W10" in page
    assert "签到人次" in page
