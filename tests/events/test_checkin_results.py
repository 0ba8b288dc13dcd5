"""Check-in results and refusals name the event, so the result screen needs nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.codes import CodeKeys
from core.db import db
from events import codes
from events import service as events
from tests.events.test_checkin import qr, scan
from tests.events.test_checkin_boundaries import desk_checkin
from tests.factories import Account, Factory

CENTER = "登峰街社区卫生服务中心"
TITLE = "控制血压，从吃盐做起"


@pytest.fixture
def center_id(make: Factory) -> int:
    return make.center(CENTER)


@pytest.fixture
def clerk(make: Factory, center_id: int) -> Account:
    return make.staff("staff", center_id=center_id)


def poster_token(app: Flask, event_id: int) -> str:
    """The token of an event's poster code (signed here: the desk gets none once it is over)."""
    keys = CodeKeys.from_config(app.config)
    closes_at = datetime.now(UTC) + timedelta(hours=1)
    return codes.static(event_id, closes_at, keys, app.config["PUBLIC_BASE_URL"]).token


def assert_names_the_event(
    body: dict, event_id: int, center_id: int, kind: str = "lecture"
) -> None:
    event = body["event"]
    assert set(event) == {
        "id",
        "title",
        "kind",
        "starts_at",
        "checkin_opens_at",
        "checkin_closes_at",
        "center",
    }
    assert (event["id"], event["title"], event["kind"]) == (event_id, TITLE, kind)
    assert event["center"] == {"id": center_id, "name": CENTER}
    starts_at = datetime.fromisoformat(event["starts_at"])
    opens_at = datetime.fromisoformat(event["checkin_opens_at"])
    assert event["starts_at"].endswith("+08:00")
    assert starts_at - opens_at == timedelta(minutes=30)


def test_a_check_in_and_its_repeat_name_the_event(
    client: FlaskClient, make: Factory, clerk: Account, center_id: int
) -> None:
    event_id = make.event(center_id, title=TITLE)
    resident = make.resident(center_id)
    url = qr(client, clerk, event_id)["url"]

    first = scan(client, resident, url=url)
    again = scan(client, resident, url=url)

    assert (first.status_code, again.status_code) == (201, 200)
    assert_names_the_event(first.json, event_id, center_id)
    assert again.json["event"] == first.json["event"]


def test_a_desk_check_in_names_the_event(
    client: FlaskClient, make: Factory, clerk: Account, center_id: int
) -> None:
    event_id = make.event(center_id, title=TITLE)
    resident = make.resident(center_id)

    response = desk_checkin(client, clerk, event_id, resident.id)

    assert response.status_code == 201
    assert_names_the_event(response.json, event_id, center_id)


def _not_open(make: Factory, center_id: int) -> int:
    return make.event(center_id, title=TITLE, starts_in=timedelta(hours=3))


def _closed(make: Factory, center_id: int) -> int:
    return make.event(center_id, title=TITLE, starts_in=timedelta(hours=-5))


def _cancelled(make: Factory, center_id: int) -> int:
    event_id = make.event(center_id, title=TITLE)
    with make.app.app_context():
        events.cancel_event(make.organizer(center_id).principal, event_id, datetime.now(UTC))
        db.session.commit()
    return event_id


def _full(make: Factory, center_id: int) -> int:
    event_id = make.event(center_id, title=TITLE, capacity=1)
    make.checkin(event_id, make.resident(center_id).id)
    return event_id


@pytest.mark.parametrize(
    ("arrange", "status", "code"),
    [
        (_not_open, 409, "checkin_not_open"),
        (_closed, 409, "checkin_closed"),
        (_cancelled, 409, "event_cancelled"),
        (_full, 409, "event_full"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
@pytest.mark.parametrize("by", ["resident", "desk"])
def test_a_refusal_names_the_event(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    clerk: Account,
    center_id: int,
    arrange,  # type: ignore[no-untyped-def]
    status: int,
    code: str,
    by: str,
) -> None:
    event_id = arrange(make, center_id)
    resident = make.resident(center_id)

    if by == "resident":
        response = scan(client, resident, token=poster_token(app, event_id))
    else:
        response = desk_checkin(client, clerk, event_id, resident.id)

    assert (response.status_code, response.json["code"]) == (status, code)
    assert response.mimetype == "application/problem+json"
    assert_names_the_event(response.json, event_id, center_id)


def test_someone_elses_personal_event_is_named_to_the_desk_only(
    app: Flask, client: FlaskClient, make: Factory, clerk: Account, center_id: int
) -> None:
    owner, neighbour = make.resident(center_id), make.resident(center_id)
    event_id = make.event(center_id, kind="followup", title=TITLE, resident_id=owner.id)

    scanned = scan(client, neighbour, token=poster_token(app, event_id))
    at_the_desk = client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=clerk.headers,
        json={"resident_id": neighbour.id},
    )

    assert (scanned.status_code, scanned.json["code"]) == (403, "not_your_code")
    assert "event" not in scanned.json and TITLE not in scanned.get_data(as_text=True)
    assert (at_the_desk.status_code, at_the_desk.json["code"]) == (403, "not_your_code")
    assert_names_the_event(at_the_desk.json, event_id, center_id, kind="followup")


def test_someone_elses_personal_code_names_the_event(
    client: FlaskClient, make: Factory, clerk: Account, center_id: int
) -> None:
    event_id = make.event(center_id, title=TITLE)
    patient, neighbour = make.resident(center_id), make.resident(center_id)
    code = client.post(
        f"/api/v1/events/{event_id}/personal-codes",
        headers=clerk.headers,
        json={"resident_id": patient.id},
    ).json

    response = scan(client, neighbour, url=code["url"])

    assert (response.status_code, response.json["code"]) == (403, "not_your_code")
    assert_names_the_event(response.json, event_id, center_id)


def test_a_code_for_no_event_or_a_forged_one_names_none(
    app: Flask, client: FlaskClient, make: Factory, center_id: int
) -> None:
    resident = make.resident(center_id)
    no_event = poster_token(app, 424242)

    unknown = scan(client, resident, token=no_event)
    forged = scan(client, resident, token=no_event[:-2] + "AA")

    assert (unknown.status_code, unknown.json["code"]) == (400, "invalid_qr")
    assert (forged.status_code, forged.json["code"]) == (400, "invalid_qr")
    assert "event" not in unknown.json
    assert "event" not in forged.json


def test_the_api_document_describes_the_event_of_results_and_refusals(
    client: FlaskClient,
) -> None:
    document = client.get("/api/openapi.json").json
    schemas = document["components"]["schemas"]
    problem_ref = "#/components/schemas/CheckinRefusal"

    for path in ("/api/v1/checkins", "/api/v1/events/{event_id}/checkins"):
        responses = document["paths"][path]["post"]["responses"]
        for status in ("403", "409"):
            content = responses[status]["content"]["application/problem+json"]
            assert content["schema"]["$ref"] == problem_ref
    assert "event" in schemas["CheckinResult"]["required"]
    refused_event = schemas["CheckinRefusal"]["properties"]["event"]
    assert refused_event["allOf"] == [{"$ref": "#/components/schemas/CheckinEvent"}]
    assert set(schemas["CheckinEvent"]["required"]) >= {
        "id",
        "title",
        "starts_at",
        "checkin_opens_at",
        "center",
    }
