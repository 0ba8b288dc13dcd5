"""Follow-up compliance from the rollup: every change to a follow-up after the refresh,
however late and whatever its kind, counts at once and is rolled in by the next refresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from core.db import db
from stats.models import FollowupChange, RollupState
from tests.events.test_followups import consenting, schedule, today
from tests.factories import Account, Factory
from tests.stats.conftest import roll_up
from tests.stats.test_reports import get


def tagged(client: FlaskClient, make: Factory, desk: Account) -> Account:
    resident = consenting(client, make, desk.center_id)
    response = client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )
    assert response.status_code == 200, response.json
    return resident


def done_late(w: dict[str, Any]) -> None:
    w["make"].checkin(w["make"].event(w["desk"].center_id, kind="followup"), w["late"].id)


def annulled(w: dict[str, Any]) -> None:
    response = w["client"].post(
        f"/api/v1/checkins/{w['checkin']}/annul", headers=w["desk"].headers, json={"reason": "误签"}
    )
    assert response.status_code == 200, response.json


def moved_by_a_call(w: dict[str, Any]) -> None:
    response = w["client"].post(
        f"/api/v1/followups/{w['overdue_followup']}/calls",
        headers=w["desk"].headers,
        json={"outcome": "reached", "new_due_on": (today() + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 201, response.json


def consent_withdrawn(w: dict[str, Any]) -> None:
    response = w["client"].delete(
        "/api/v1/me/consents/health_conditions", headers=w["on_time"].headers
    )
    assert response.status_code == 200, response.json


def condition_dropped(w: dict[str, Any]) -> None:
    response = w["client"].put(
        f"/api/v1/residents/{w['on_time'].id}/conditions",
        headers=w["desk"].headers,
        json={"conditions": []},
    )
    assert response.status_code == 200, response.json


def scheduled(w: dict[str, Any]) -> None:
    response = schedule(w["client"], w["desk"], w["late"].id, today() - timedelta(days=1))
    assert response.status_code == 201, response.json


def account_closed(w: dict[str, Any]) -> None:
    response = w["client"].delete("/api/v1/me", headers=w["on_time"].headers)
    assert response.status_code == 204, response.get_data(as_text=True)


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "done late": done_late,
    "check-in annulled": annulled,
    "moved by a call": moved_by_a_call,
    "consent withdrawn": consent_withdrawn,
    "condition dropped": condition_dropped,
    "scheduled in the past": scheduled,
    "account closed": account_closed,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_after_the_refresh_counts_at_once_and_is_rolled_in(
    app: Flask, client: FlaskClient, make: Factory, change: str
) -> None:
    desk = make.staff("staff")
    on_time, late = tagged(client, make, desk), tagged(client, make, desk)
    schedule(client, desk, on_time.id, today() - timedelta(days=10))
    overdue_followup = schedule(client, desk, late.id, today() - timedelta(days=5)).json["id"]
    session = make.event(
        desk.center_id, kind="followup", starts_at=datetime.now(UTC) - timedelta(days=10)
    )
    checkin = make.checkin(session, on_time.id, datetime.now(UTC) - timedelta(days=10))
    manager = make.staff("manager", center_id=desk.center_id)
    roll_up(app)
    before = compliance(client, manager)

    CHANGES[change](locals())

    after = compliance(client, manager)
    assert after == counted_afresh(app, client, manager)
    assert after != before
    roll_up(app, ahead=timedelta(hours=1))
    assert changes_left(app) == 0
    assert compliance(client, manager) == after


def test_the_first_refresh_rolls_up_every_due_day_and_the_reads_agree(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    for days in (-40, -3, 0, 20):
        schedule(client, desk, tagged(client, make, desk).id, today() + timedelta(days=days))
    manager = make.staff("manager")
    afresh = compliance(client, manager)

    roll_up(app, ahead=timedelta(hours=1))

    assert compliance(client, manager) == afresh
    assert afresh["total"]["due"] == 3 and afresh["total"]["not_yet_due"] == 1
    assert changes_left(app) == 0


def compliance(client: FlaskClient, manager: Account) -> dict[str, Any]:
    window = {
        "from": (today() - timedelta(days=60)).isoformat(),
        "to": (today() + timedelta(days=30)).isoformat(),
    }
    response = get(client, manager, "followups", **window)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def counted_afresh(app: Flask, client: FlaskClient, manager: Account) -> dict[str, Any]:
    """The same report with the rollup set aside."""
    with app.app_context():
        db.session.execute(update(RollupState).values(followups_rolled_up=False))
        db.session.commit()
    try:
        return compliance(client, manager)
    finally:
        with app.app_context():
            db.session.execute(update(RollupState).values(followups_rolled_up=True))
            db.session.commit()


def changes_left(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FollowupChange)) or 0
