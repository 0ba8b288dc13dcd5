"""Who is new in a period: whose first check-in that counts falls in it, whether the days
are counted afresh or read from the rolled-up first days, after annulments and merges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from merging import service as merging
from tests.factories import Factory
from tests.merging.test_link import register
from tests.stats.conftest import roll_up
from tests.stats.test_summary import SHANGHAI, local, summary


@pytest.mark.parametrize(
    "refreshed", ["never", "before the annulment", "before and after the annulment"]
)
def test_an_annulled_first_check_in_moves_who_is_new(
    app: Flask, client: FlaskClient, make: Factory, refreshed: str
) -> None:
    """r1 came in 2024 (annulled) and 2025: new in 2025. r2 came in 2024 only: new then."""
    center = make.center()
    r1, r2 = make.resident(center).id, make.resident(center).id
    spring_2024 = make.event(center, starts_at=local(2024, 5, 1, 9))
    mistaken = make.checkin(spring_2024, r1, local(2024, 5, 1, 9, 5))
    make.checkin(spring_2024, r2, local(2024, 5, 1, 9, 5))
    spring_2025 = make.event(center, starts_at=local(2025, 3, 10, 9))
    make.checkin(spring_2025, r1, local(2025, 3, 10, 9, 5))
    if refreshed != "never":
        roll_up(app)
    make.annul(mistaken, center)
    if refreshed == "before and after the annulment":
        roll_up(app)
    manager = make.staff("manager")

    for scope in ({}, {"center_id": center}):
        year = summary(client, manager, "2025-01-01", "2025-12-31", **scope)
        both = summary(client, manager, "2024-01-01", "2025-12-31", **scope)

        assert year["new_participants"] == 1  # r1
        assert year["same_period_last_year"]["new_participants"] == 1  # r2 only
        assert year["growth"]["new_participants"] == 0.0
        assert both["new_participants"] == 2


def test_who_is_new_today_is_told_by_the_rolled_up_first_days(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """Today comes after the rollups' last day. r1 came three weeks ago and today: not new.
    r2 came today only: new. r3 came to center A three weeks ago, to B today: new at B, not
    in the district. r4's only earlier check-in was annulled after the refresh: new. r5 came
    twice today, once annulled: new, once. A refresh after today's corrections leaves today
    to be counted afresh."""
    a, b = make.center(), make.center()
    r1, r2, r3, r4, r5 = (make.resident(a).id for _ in range(5))
    then = datetime.now(UTC) - timedelta(days=21)
    earlier = make.event(a, starts_at=then)
    make.checkin(earlier, r1, then + timedelta(minutes=5))
    make.checkin(earlier, r3, then + timedelta(minutes=5))
    mistaken = make.checkin(earlier, r4, then + timedelta(minutes=5))
    roll_up(app)
    make.annul(mistaken, a)
    lecture, talk = make.event(a), make.event(a)
    for resident in (r1, r2, r4, r5):
        make.checkin(lecture, resident)
    make.checkin(make.event(b, kind="consultation"), r3)
    make.annul(make.checkin(talk, r5), a)
    roll_up(app)
    manager, today = make.staff("manager"), datetime.now(SHANGHAI).date().isoformat()

    district = summary(client, manager, today, today)
    at_a = summary(client, manager, today, today, center_id=a)
    at_b = summary(client, manager, today, today, center_id=b)

    assert (district["unique_participants"], district["new_participants"]) == (5, 3)
    assert (at_a["unique_participants"], at_a["new_participants"]) == (4, 3)
    assert (at_b["unique_participants"], at_b["new_participants"]) == (1, 1)


@pytest.mark.parametrize("refreshed", ["never", "before the merge", "before and after the merge"])
def test_two_records_merged_are_one_participant(
    app: Flask, client: FlaskClient, make: Factory, refreshed: str
) -> None:
    """One person, two records: first came in 2024 as r1 (their WeChat account), in 2025 as
    r2 (registered at the desk), and on one day of 2025 to two events, once as each. Merged,
    they are one participant, new in 2024."""
    center = make.center()
    r1, r2 = make.resident(center).id, register(client, make.staff("staff", center))
    make.checkin(make.event(center, starts_at=local(2024, 5, 1, 9)), r1, local(2024, 5, 1, 9, 5))
    make.checkin(make.event(center, starts_at=local(2025, 3, 10, 9)), r2, local(2025, 3, 10, 9))
    for record, hour in ((r1, 9), (r2, 14)):
        lecture = make.event(center, starts_at=local(2025, 4, 2, hour))
        make.checkin(lecture, record, local(2025, 4, 2, hour, 5))
    if refreshed != "never":
        roll_up(app)
    manager = make.staff("manager")
    with app.app_context():
        merging.merge(manager.principal, r1, r2, "同一人，两份档案", datetime.now(UTC))
        db.session.commit()
    if refreshed == "before and after the merge":
        roll_up(app)

    for scope in ({}, {"center_id": center}):
        year = summary(client, manager, "2025-01-01", "2025-12-31", **scope)
        both = summary(client, manager, "2024-01-01", "2025-12-31", **scope)

        assert (year["unique_participants"], year["new_participants"]) == (1, 0)
        assert (both["unique_participants"], both["new_participants"]) == (1, 1)
        assert year["checkins_total"] == 3  # every attendance stands
