"""Only managers create points: an event's points above the center's rule need a manager."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Event
from tests.factories import Account, Factory

#: The center's own rule for lectures (the district's default allows more).
CENTER_LECTURE_POINTS = 12
DISTRICT_LECTURE_POINTS = 20
#: Consultations have no rule anywhere: the built-in default applies.
DEFAULT_CONSULTATION_POINTS = 5

BODY = {
    "title": "高血压自我管理讲座",
    "starts_at": "2026-12-05T09:30:00+08:00",
    "ends_at": "2026-12-05T10:30:00+08:00",
}


@pytest.fixture
def center(client: FlaskClient, make: Factory, district_manager: Account) -> int:
    center_id = make.center()
    for body in (
        {"center_id": None, "points": DISTRICT_LECTURE_POINTS},
        {"center_id": center_id, "points": CENTER_LECTURE_POINTS},
    ):
        response = client.put(
            "/api/v1/points/rules/lecture", headers=district_manager.headers, json=body
        )
        assert response.status_code == 200, response.json
    return center_id


def account(make: Factory, role: str, center_id: int) -> Account:
    if role == "district_manager":
        return make.staff("manager")
    return make.staff(role, center_id=center_id)


def events_at(app: Flask, center_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(select(func.count(Event.id)).where(Event.center_id == center_id))
        )


@pytest.mark.parametrize(
    ("role", "kind", "points", "allowed"),
    [
        ("staff", "lecture", None, True),
        ("staff", "lecture", 0, True),
        ("staff", "lecture", CENTER_LECTURE_POINTS, True),
        ("staff", "lecture", CENTER_LECTURE_POINTS + 1, False),
        # The district's default would allow it; the center's own rule wins.
        ("staff", "lecture", DISTRICT_LECTURE_POINTS, False),
        ("staff", "lecture", 10_000, False),
        ("staff", "consultation", DEFAULT_CONSULTATION_POINTS, True),
        ("staff", "consultation", DEFAULT_CONSULTATION_POINTS + 1, False),
        ("manager", "lecture", None, True),
        ("manager", "lecture", CENTER_LECTURE_POINTS + 1, True),
        ("manager", "lecture", 10_000, True),
        ("district_manager", "lecture", 10_000, True),
        ("district_manager", "consultation", DEFAULT_CONSULTATION_POINTS + 1, True),
    ],
)
def test_who_may_create_an_event_worth_how_many_points(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    center: int,
    role: str,
    kind: str,
    points: int | None,
    allowed: bool,
) -> None:
    creator = account(make, role, center)

    response = client.post(
        "/api/v1/events",
        headers=creator.headers,
        json={**BODY, "kind": kind, "points": points, "center_id": center},
    )

    if allowed:
        assert response.status_code == 201, response.json
        assert response.json["points"] == points
        assert events_at(app, center) == 1
    else:
        assert (response.status_code, response.json["code"]) == (403, "points_above_rule")
        assert events_at(app, center) == 0


def test_admins_create_no_events_at_all(client: FlaskClient, make: Factory, center: int) -> None:
    response = client.post(
        "/api/v1/events",
        headers=make.staff("admin").headers,
        json={**BODY, "kind": "lecture", "points": 10_000, "center_id": center},
    )

    assert (response.status_code, response.json["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    ("role", "points", "allowed"),
    [
        ("staff", CENTER_LECTURE_POINTS, True),
        ("staff", None, True),
        ("staff", CENTER_LECTURE_POINTS + 1, False),
        ("staff", 10_000, False),
        ("manager", 10_000, True),
        ("district_manager", 10_000, True),
    ],
)
def test_who_may_raise_an_events_points(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    center: int,
    role: str,
    points: int | None,
    allowed: bool,
) -> None:
    event_id = make.event(center)
    editor = account(make, role, center)

    response = client.patch(
        f"/api/v1/events/{event_id}", headers=editor.headers, json={"points": points}
    )

    with app.app_context():
        stored = db.session.get(Event, event_id)
        assert stored is not None
        stored_points = stored.points
    if allowed:
        assert response.status_code == 200, response.json
        assert stored_points == points
    else:
        assert (response.status_code, response.json["code"]) == (403, "points_above_rule")
        assert stored_points is None


def test_desk_staff_may_still_edit_a_managers_generous_event_but_not_its_points(
    client: FlaskClient, make: Factory, center: int
) -> None:
    manager = make.staff("manager", center_id=center)
    desk = make.staff("staff", center_id=center)
    event_id = make.event(center, points=500, by=manager)

    retitled = client.patch(
        f"/api/v1/events/{event_id}", headers=desk.headers, json={"title": "改在三楼"}
    )
    repriced = client.patch(
        f"/api/v1/events/{event_id}", headers=desk.headers, json={"points": 499}
    )

    assert (retitled.status_code, retitled.json["points"]) == (200, 500)
    assert (repriced.status_code, repriced.json["code"]) == (403, "points_above_rule")


def test_a_desk_made_event_cannot_mint_ten_thousand_points_per_resident(
    client: FlaskClient, make: Factory, center: int
) -> None:
    desk = make.staff("staff", center_id=center)
    resident = make.resident(center)
    made = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={**BODY, "kind": "lecture", "points": 10_000, "center_id": center},
    )
    lecture = make.event(center)

    checked_in = client.post(
        f"/api/v1/events/{lecture}/checkins",
        headers=desk.headers,
        json={"resident_id": resident.id},
    )

    assert made.status_code == 403
    assert checked_in.json["points_awarded"] == CENTER_LECTURE_POINTS


def test_the_refusal_is_documented_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json

    create = spec["paths"]["/api/v1/events"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert "points_above_rule" in create["description"]
    assert "points_above_rule" in schema["properties"]["points"]["description"]
