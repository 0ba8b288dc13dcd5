"""Calls about overdue follow-ups: each outcome recorded with who and when, a new day agreed
reschedules the follow-up, and the list shows each one's last call."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import AuditEvent
from tests.events.test_followups import consenting, schedule, today
from tests.factories import Account, Factory


def overdue(client: FlaskClient, make: Factory, desk: Account, days: int = 10) -> dict:  # type: ignore[type-arg]
    """A resident of the desk's center whose follow-up was due ``days`` ago."""
    resident = consenting(client, make, desk.center_id, name="黄秀英")
    return schedule(client, desk, resident.id, today() - timedelta(days=days)).json  # type: ignore[no-any-return]


def record(client: FlaskClient, staff: Account, followup_id: int, **sent: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/followups/{followup_id}/calls", headers=staff.headers, json=sent)


def listed(client: FlaskClient, staff: Account, **query: str) -> list[dict]:  # type: ignore[type-arg]
    return client.get("/api/v1/followups", headers=staff.headers, query_string=query).json["items"]  # type: ignore[no-any-return]


def audited(app: Flask, action: str) -> list[tuple[int | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.resident_id, AuditEvent.detail).where(AuditEvent.action == action)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_an_unanswered_call_is_recorded_and_the_follow_up_stays_on_the_list(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)

    response = record(client, desk, followup["id"], outcome="no_answer", note="响铃无人接")

    assert response.status_code == 201
    call = response.json
    assert (call["outcome"], call["note"], call["staff_id"]) == ("no_answer", "响铃无人接", desk.id)
    assert call["due_on_before"] == followup["due_on"] and call["new_due_on"] is None
    [still] = listed(client, desk, status="overdue")
    assert still["id"] == followup["id"] and still["last_call"]["id"] == call["id"]
    assert audited(app, "followup.call") == [
        (followup["resident_id"], f"followup {followup['id']}: no_answer")
    ]


def test_a_new_day_agreed_on_the_phone_reschedules_the_follow_up(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    agreed = today() + timedelta(days=3)

    response = record(
        client, desk, followup["id"], outcome="reached", new_due_on=agreed.isoformat()
    )

    assert response.status_code == 201
    assert response.json["due_on_before"] == followup["due_on"]
    assert response.json["new_due_on"] == agreed.isoformat()
    assert listed(client, desk, status="overdue") == []
    [moved] = listed(client, desk, status="open")
    assert (moved["id"], moved["due_on"], moved["status"]) == (
        followup["id"],
        agreed.isoformat(),
        "open",
    )


def test_a_new_day_in_the_past_is_refused_and_nothing_is_recorded(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    yesterday = today() - timedelta(days=1)

    response = record(
        client, desk, followup["id"], outcome="reached", new_due_on=yesterday.isoformat()
    )

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert "new_due_on" in response.json["errors"]
    [unchanged] = listed(client, desk, status="overdue")
    assert unchanged["due_on"] == followup["due_on"] and unchanged["last_call"] is None


def test_a_follow_up_already_attended_is_not_rescheduled(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    session = make.event(desk.center_id, kind="followup")
    client.post(
        f"/api/v1/events/{session}/checkins",
        headers=desk.headers,
        json={"resident_id": followup["resident_id"]},
    )

    response = record(
        client,
        desk,
        followup["id"],
        outcome="reached",
        new_due_on=(today() + timedelta(days=7)).isoformat(),
    )

    assert (response.status_code, response.json["code"]) == (409, "followup_done")
    [done] = listed(client, desk, status="done")
    assert done["last_call"] is None


def test_an_outcome_is_one_of_three(client: FlaskClient, make: Factory, desk: Account) -> None:
    followup = overdue(client, make, desk)

    response = record(client, desk, followup["id"], outcome="busy")

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert "outcome" in response.json["errors"]


def test_the_calls_are_listed_latest_first_with_who_made_them_and_reading_is_audited(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    followup = overdue(client, make, desk)
    first = record(client, desk, followup["id"], outcome="no_answer").json
    second = record(client, manager, followup["id"], outcome="refused", note="本人拒绝随访").json

    response = client.get(f"/api/v1/followups/{followup['id']}/calls", headers=desk.headers)

    assert response.status_code == 200
    assert [(c["id"], c["staff_id"], c["outcome"]) for c in response.json["items"]] == [
        (second["id"], manager.id, "refused"),
        (first["id"], desk.id, "no_answer"),
    ]
    assert response.json["items"][0]["staff_name"] == manager.username
    [last] = listed(client, desk, status="overdue")
    assert last["last_call"]["id"] == second["id"]
    assert audited(app, "followup.calls.read") == [
        (followup["resident_id"], f"followup {followup['id']}")
    ]


def test_the_calls_page_by_page(client: FlaskClient, make: Factory, desk: Account) -> None:
    followup = overdue(client, make, desk)
    made = [record(client, desk, followup["id"], outcome="no_answer").json["id"] for _ in range(3)]
    url = f"/api/v1/followups/{followup['id']}/calls"

    first = client.get(url, headers=desk.headers, query_string={"limit": 2}).json
    rest = client.get(
        url, headers=desk.headers, query_string={"limit": 2, "cursor": first["next_cursor"]}
    ).json

    assert [c["id"] for c in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None


def test_another_centers_follow_up_cannot_be_called_about(
    client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    followup = overdue(client, make, desk)

    response = record(client, other_center_desk, followup["id"], outcome="reached")

    assert (response.status_code, response.json["code"]) == (404, "not_found")
    assert listed(client, desk, status="overdue")[0]["last_call"] is None


def test_the_list_filters_by_due_range(client: FlaskClient, make: Factory, desk: Account) -> None:
    old = overdue(client, make, desk, days=30)
    recent = overdue(client, make, desk, days=5)
    week_ago: date = today() - timedelta(days=7)

    since = listed(client, desk, due_from=week_ago.isoformat())
    before = listed(client, desk, due_to=week_ago.isoformat())

    assert [f["id"] for f in since] == [recent["id"]]
    assert [f["id"] for f in before] == [old["id"]]
