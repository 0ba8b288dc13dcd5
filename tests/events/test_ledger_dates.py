"""Points earned by a check-in carry the check-in's time, not the moment they were written."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.factories import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_checkins_points_are_dated_when_the_resident_checked_in(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    resident = make.resident(center)
    lecture = datetime(2026, 3, 3, 9, 30, tzinfo=SHANGHAI)
    arrived = lecture - timedelta(minutes=10)
    make.checkin(make.event(center, starts_at=lecture), resident.id, at=arrived)

    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]

    assert [(e["kind"], datetime.fromisoformat(e["created_at"])) for e in ledger] == [
        ("earn", arrived)
    ]
