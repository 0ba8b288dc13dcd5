"""Follow-up compliance: by center and month, over the follow-ups whose day has come."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.events.test_followups import consenting, schedule
from tests.factories import Factory
from tests.stats.test_reports import SHANGHAI, get, local, rows_of


def test_follow_up_compliance_by_center_and_month(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    center = desk.center_id
    on_time, late, overdue, withdrawn = (consenting(client, make, center) for _ in range(4))
    for resident in (on_time, late, overdue, withdrawn):
        tagged = client.put(
            f"/api/v1/residents/{resident.id}/conditions",
            headers=desk.headers,
            json={"conditions": ["hypertension"]},
        )
        assert tagged.status_code == 200, tagged.json
    for resident, due in ((on_time, 10), (late, 10), (withdrawn, 12)):
        assert schedule(client, desk, resident.id, date(2025, 3, due)).status_code == 201
    assert schedule(client, desk, overdue.id, date(2025, 4, 5)).status_code == 201
    assert schedule(client, desk, on_time.id, date(2025, 5, 10)).status_code == 201  # not in period
    session = make.event(center, kind="followup", starts_at=local(2025, 3, 10, 23))
    make.checkin(session, on_time.id, local(2025, 3, 10, 23, 30))
    # 00:30 on the 11th in Shanghai: a day late, though still the 10th in UTC.
    make.checkin(session, late.id, local(2025, 3, 11, 0, 30))
    client.delete("/api/v1/me/consents/health_conditions", headers=withdrawn.headers)
    manager = make.staff("manager", center_id=center)

    report = get(client, manager, "followups", **{"from": "2025-03-01", "to": "2025-04-30"}).json

    march, april = report["rows"]
    assert (march["month"], march["due"], march["done_on_time"], march["done_late"]) == (
        "2025-03",
        2,
        1,
        1,
    )
    assert (april["month"], april["due"], april["overdue"], april["open"]) == ("2025-04", 1, 1, 0)
    assert report["total"]["on_time_rate"] == round(1 / 3, 4)
    exported = rows_of(
        get(
            client, manager, "followups", **{"from": "2025-03-01", "to": "2025-04-30"}, format="csv"
        )
    )
    assert [(r["月份"], r["应随访"], r["逾期未随访"]) for r in exported] == [
        ("2025-03", "2", "0"),
        ("2025-04", "1", "1"),
    ]


@pytest.mark.parametrize("done", [False, True])
def test_compliance_counts_only_the_follow_ups_whose_day_has_come(
    client: FlaskClient, make: Factory, done: bool
) -> None:
    """Due five days ago and done on time; due today (done or not); due next week."""
    desk = make.staff("staff")
    center = desk.center_id
    today = datetime.now(SHANGHAI).date()
    residents = [consenting(client, make, center) for _ in range(3)]
    for resident, due in zip(residents, (-5, 0, 7), strict=True):
        tagged = client.put(
            f"/api/v1/residents/{resident.id}/conditions",
            headers=desk.headers,
            json={"conditions": ["hypertension"]},
        )
        assert tagged.status_code == 200, tagged.json
        assert schedule(client, desk, resident.id, today + timedelta(days=due)).status_code == 201
    session = make.event(center, kind="followup", starts_at=datetime.now(UTC) - timedelta(days=5))
    make.checkin(session, residents[0].id, datetime.now(UTC) - timedelta(days=5))
    if done:
        make.checkin(make.event(center, kind="followup"), residents[1].id)
    fortnight = {
        "from": (today - timedelta(days=14)).isoformat(),
        "to": (today + timedelta(days=14)).isoformat(),
    }

    report = get(client, make.staff("manager", center_id=center), "followups", **fortnight).json

    total = report["total"]
    assert (total["due"], total["done_on_time"], total["overdue"]) == (2, 1 + done, 0)
    assert (total["open"], total["not_yet_due"]) == (0 if done else 1, 1)
    assert total["on_time_rate"] == (1.0 if done else 0.5)
