"""The summary's numbers, checked against a district whose figures are counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from events.service import cancel_event
from points.expiry import expire_due
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory
from tests.stats.conftest import roll_up

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def summary(client: FlaskClient, who: Account, start: str, end: str, **args: Any) -> Any:
    response = client.get(
        "/api/v1/stats/summary",
        headers=who.headers,
        query_string={"from": start, "to": end, **args},
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def district(app: Flask, make: Factory, counting: str) -> dict[str, Any]:
    """Two centers over 2024-2026; every figure below is counted from this by hand.

    - 2024-05-01, A, lecture: r1 came; r6 came but was annulled.
    - 2025-03-10, A, lecture: r1, r2, r3 came; r6 came but was annulled.
    - 2025-06-01, B, consultation: r5 and r2 came.
    - 2025-09-01, A, a lecture that was cancelled.
    - 2025-12-31 23:00 Shanghai, A, lecture: r1 at 23:30 (2025, though 15:30 UTC);
      r4 at 00:10 on January 1 (2026, though still December 31 in UTC).
    """
    a, b = make.center("东区中心"), make.center("西区中心")
    r1, r2, r3, r4, r5, r6 = (make.resident(a).id for _ in range(6))

    old = make.event(a, starts_at=local(2024, 5, 1, 9))
    make.checkin(old, r1, local(2024, 5, 1, 9, 5))
    make.annul(make.checkin(old, r6, local(2024, 5, 1, 9, 5)), a)

    spring = make.event(a, starts_at=local(2025, 3, 10, 9))
    for resident in (r1, r2, r3):
        make.checkin(spring, resident, local(2025, 3, 10, 9, 5))
    make.annul(make.checkin(spring, r6, local(2025, 3, 10, 9, 6)), a)

    consultation = make.event(b, kind="consultation", starts_at=local(2025, 6, 1, 10))
    make.checkin(consultation, r5, local(2025, 6, 1, 10, 1))
    make.checkin(consultation, r2, local(2025, 6, 1, 10, 2))

    cancelled = make.event(a, starts_at=local(2025, 9, 1, 9))
    with make.app.app_context():
        cancel_event(make.organizer(a).principal, cancelled, datetime.now(UTC))
        db.session.commit()

    eve = make.event(a, starts_at=local(2025, 12, 31, 23))
    make.checkin(eve, r1, local(2025, 12, 31, 23, 30))
    make.checkin(eve, r4, local(2026, 1, 1, 0, 10))
    if counting == "rolled up":
        roll_up(app)
    return {
        "a": a,
        "b": b,
        "district_manager": make.staff("manager"),
        "manager_a": make.staff("manager", center_id=a),
    }


def test_a_year_of_the_district_counted_by_hand(
    client: FlaskClient, district: dict[str, Any]
) -> None:
    year = summary(client, district["district_manager"], "2025-01-01", "2025-12-31")

    assert year["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert year["center_id"] is None
    assert year["events"] == {
        "lecture": 2,
        "consultation": 1,
        "followup": 0,
        "revisit": 0,
        "screening": 0,
    }
    assert (year["checkins"]["lecture"], year["checkins"]["consultation"]) == (4, 2)
    assert year["checkins_total"] == 6
    assert year["unique_participants"] == 4  # r1, r2, r3, r5
    assert year["new_participants"] == 3  # r1 came in 2024 already
    assert (year["repeat_participants"], year["repeat_rate"]) == (2, 0.5)  # r1 and r2

    last_year = year["same_period_last_year"]
    assert last_year["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert (last_year["events_total"], last_year["checkins_total"]) == (1, 1)
    assert (last_year["unique_participants"], last_year["new_participants"]) == (1, 1)
    # 2025 has 365 days; the 365 before it start on January 2 of the leap year 2024.
    assert year["previous_period"]["period"] == {"from": "2024-01-02", "to": "2024-12-31"}
    assert year["previous_period"]["checkins_total"] == 1

    assert year["growth"]["checkins_total"] == 5.0
    assert year["growth"]["unique_participants"] == 3.0
    assert year["growth"]["events_total"] == 2.0
    assert year["growth"]["gifts_handed_out"] is None  # nothing to grow from


def test_a_check_in_belongs_to_its_local_day(client: FlaskClient, district: dict[str, Any]) -> None:
    manager = district["district_manager"]

    december = summary(client, manager, "2025-12-31", "2025-12-31")
    january = summary(client, manager, "2026-01-01", "2026-01-01")

    assert december["checkins_total"] == 1  # r1 at 23:30
    assert (january["checkins_total"], january["new_participants"]) == (1, 1)  # r4 at 00:10
    assert january["events_total"] == 0  # the event started on the 31st


def test_each_center_counts_its_own(client: FlaskClient, district: dict[str, Any]) -> None:
    manager = district["district_manager"]

    a = summary(client, manager, "2025-01-01", "2025-12-31", center_id=district["a"])
    b = summary(client, manager, "2025-01-01", "2025-12-31", center_id=district["b"])

    assert (a["center_id"], a["checkins_total"], a["unique_participants"]) == (district["a"], 4, 3)
    assert (a["new_participants"], a["repeat_participants"]) == (2, 1)  # r2, r3; r1
    assert (b["checkins_total"], b["unique_participants"], b["new_participants"]) == (2, 2, 2)
    assert b["growth"]["checkins_total"] is None  # B had nobody in 2024


def test_a_center_manager_sees_their_center_only(
    client: FlaskClient, district: dict[str, Any]
) -> None:
    manager_a = district["manager_a"]

    own = summary(client, manager_a, "2025-01-01", "2025-12-31")
    other = client.get(
        "/api/v1/stats/summary",
        headers=manager_a.headers,
        query_string={"from": "2025-01-01", "to": "2025-12-31", "center_id": district["b"]},
    )

    assert (own["center_id"], own["checkins_total"]) == (district["a"], 4)
    assert (other.status_code, other.json["code"]) == (403, "forbidden")


def test_points_and_gifts_leave_out_what_was_undone(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    item_id = gift(client, manager, stock=5, cost=30)
    keeper, annulled, lapsed = (make.resident(desk.center_id) for _ in range(3))
    make.credit(keeper.id, 100)
    make.checkin(make.event(desk.center_id), keeper.id)  # +10 (a lecture)
    make.annul(make.checkin(make.event(desk.center_id), annulled.id), desk.center_id)
    assert redeem(client, desk, keeper.id, item_id).status_code == 201
    taken_back = redeem(client, desk, keeper.id, item_id).json["id"]
    cancel = client.post(
        f"/api/v1/redemptions/{taken_back}/cancel", headers=desk.headers, json={"reason": "退货"}
    )
    adjustment = client.post(
        f"/api/v1/residents/{keeper.id}/adjustments",
        headers=manager.headers,
        json={"points": 5, "reason": "补登纸质积分"},
    )
    make.credit(lapsed.id, 7, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    with app.app_context():
        expire_due(datetime.now(UTC))
        db.session.commit()
    assert (cancel.status_code, adjustment.status_code) == (200, 201)
    if counting == "rolled up":
        roll_up(app, ahead=timedelta(days=2))
    today = datetime.now(SHANGHAI).date()
    yesterday = today - timedelta(days=1)

    figures = summary(client, manager, today.isoformat(), today.isoformat())
    before = summary(client, manager, yesterday.isoformat(), yesterday.isoformat())

    assert figures["points_issued"] == 117  # 100 + 10 + 7; the annulled 10 never counted
    assert figures["points_redeemed"] == 30  # the refunded 30 never counted
    assert (figures["points_adjusted"], figures["points_expired"]) == (5, 7)
    assert figures["points_outstanding"] == 100 + 10 - 30 + 5
    assert figures["gifts_handed_out"] == 1
    assert [(r["item_id"], r["quantity"], r["points"]) for r in figures["redemptions"]] == [
        (item_id, 1, 30)
    ]
    assert (before["points_issued"], before["points_outstanding"]) == (0, 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-02-01", "to": "2025-01-01"}, "to"),
        ({"from": "2025-02-30", "to": "2025-03-01"}, "from"),
        ({"to": "2025-03-01"}, "from"),
        ({"from": "1999-12-31", "to": "2025-03-01"}, "from"),
    ],
)
def test_a_bad_period_is_refused_by_field(
    client: FlaskClient, make: Factory, query: dict[str, str], field: str
) -> None:
    response = client.get(
        "/api/v1/stats/summary", headers=make.staff("manager").headers, query_string=query
    )

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert field in response.json["errors"]


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("manager", 200), ("admin", 200)])
def test_only_managers_read_statistics(
    client: FlaskClient, make: Factory, role: str, status: int
) -> None:
    center = make.center()
    account = make.staff(role, center_id=center if role == "staff" else None)

    response = client.get(
        "/api/v1/stats/summary",
        headers=account.headers,
        query_string={"from": "2025-01-01", "to": "2025-01-31"},
    )

    assert response.status_code == status


def test_residents_and_strangers_are_turned_away(client: FlaskClient, make: Factory) -> None:
    query = {"from": "2025-01-01", "to": "2025-01-31"}

    anonymous = client.get("/api/v1/stats/summary", query_string=query)
    resident = client.get(
        "/api/v1/stats/summary", headers=make.resident().headers, query_string=query
    )

    assert (anonymous.status_code, anonymous.json["code"]) == (401, "unauthorized")
    assert (resident.status_code, resident.json["code"]) == (403, "forbidden")


def test_a_correction_counts_at_once_and_the_next_refresh_rolls_it_in(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    manager = make.staff("manager")
    residents = [make.resident(center).id for _ in range(3)]
    lecture = make.event(center, starts_at=local(2025, 3, 10, 9))
    checkins = [make.checkin(lecture, r, local(2025, 3, 10, 9, 5)) for r in residents]
    roll_up(app)

    make.annul(checkins[0], center)
    right_away = summary(client, manager, "2025-03-01", "2025-03-31")
    roll_up(app)
    after_refresh = summary(client, manager, "2025-03-01", "2025-03-31")

    assert (right_away["checkins_total"], right_away["unique_participants"]) == (2, 2)
    assert (after_refresh["checkins_total"], after_refresh["unique_participants"]) == (2, 2)


def test_two_refreshes_in_a_row_change_nothing(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["district_manager"]
    before = summary(client, manager, "2024-01-01", "2025-12-31")

    roll_up(app)
    roll_up(app)

    assert summary(client, manager, "2024-01-01", "2025-12-31") == before


def test_events_are_those_that_took_place(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    """Held: a lecture three days ago, and a consultation cancelled after five residents
    came (their check-ins stand, so the event took place). Not held: a lecture cancelled
    before anyone came, next week's screening."""
    center = make.center()
    now = datetime.now(UTC)
    lecture = make.event(center, starts_at=now - timedelta(days=3))
    make.checkin(lecture, make.resident(center).id, now - timedelta(days=3))
    attended = make.event(center, kind="consultation", starts_at=now - timedelta(days=2))
    for _ in range(5):
        make.checkin(attended, make.resident(center).id, now - timedelta(days=2))
    unattended = make.event(center, starts_at=now - timedelta(days=1))
    make.event(center, kind="screening", starts_at=now + timedelta(days=7))
    with app.app_context():
        for cancelled in (attended, unattended):
            cancel_event(make.organizer(center).principal, cancelled, now)
        db.session.commit()
    if counting == "rolled up":
        roll_up(app, ahead=timedelta(days=2))
    today = datetime.now(SHANGHAI).date()
    fortnight = (today - timedelta(days=14)).isoformat(), (today + timedelta(days=14)).isoformat()

    figures = summary(client, make.staff("manager"), *fortnight)

    assert (figures["events"]["lecture"], figures["checkins"]["lecture"]) == (1, 1)
    assert (figures["events"]["consultation"], figures["checkins"]["consultation"]) == (1, 5)
    assert figures["events"]["screening"] == 0
    assert figures["events_total"] == 2


def test_a_check_ins_points_are_issued_on_its_day(
    app: Flask, client: FlaskClient, make: Factory, counting: str
) -> None:
    center = make.center()
    lecture = make.event(center, starts_at=local(2025, 3, 10, 9))
    make.checkin(lecture, make.resident(center).id, local(2025, 3, 10, 9, 5))
    if counting == "rolled up":
        roll_up(app)
    manager = make.staff("manager")

    that_day = summary(client, manager, "2025-03-10", "2025-03-10")
    today = datetime.now(SHANGHAI).date().isoformat()

    assert (that_day["points_issued"], that_day["points_outstanding"]) == (10, 10)
    assert summary(client, manager, today, today)["points_issued"] == 0
