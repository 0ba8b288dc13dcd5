"""The events list a resident's mini-program shows: upcoming first, cancelled ones left out,
each naming its center, the points it earns and whether I checked in."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event

from core.db import db
from tests.factories import Account, Factory

DAY = timedelta(days=1)


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.json
    return [event["id"] for event in response.json["items"]]


def cancel(client: FlaskClient, make: Factory, center_id: int, event_id: int) -> None:
    organizer = make.organizer(center_id)
    response = client.post(f"/api/v1/events/{event_id}/cancel", headers=organizer.headers)
    assert response.status_code == 200


def test_upcoming_events_come_first_soonest_first_then_past_ones_newest_first(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    resident = make.resident(center)
    long_ago = make.event(center, starts_in=-30 * DAY)
    yesterday = make.event(center, starts_in=-DAY)
    next_week = make.event(center, starts_in=7 * DAY)
    under_way = make.event(center, starts_in=-timedelta(minutes=30))  # ends in 30 min
    tomorrow = make.event(center, starts_in=DAY)

    listed = ids(client.get("/api/v1/events", headers=resident.headers))
    pages, cursor = [], None
    while True:
        query = f"&cursor={cursor}" if cursor else ""
        page = client.get(f"/api/v1/events?limit=2{query}", headers=resident.headers)
        pages.append(ids(page))
        cursor = page.json["next_cursor"]
        if cursor is None:
            break

    assert listed == [under_way, tomorrow, next_week, yesterday, long_ago]
    assert pages == [[under_way, tomorrow], [next_week, yesterday], [long_ago]]


def test_when_picks_the_upcoming_or_the_past_events(client: FlaskClient, make: Factory) -> None:
    center = make.center()
    resident = make.resident(center)
    past = [make.event(center, starts_in=-n * DAY) for n in (3, 2, 1)]
    upcoming = [make.event(center, starts_in=n * DAY) for n in (3, 1, 2)]

    soon = ids(client.get("/api/v1/events?when=upcoming", headers=resident.headers))
    ended = client.get("/api/v1/events?when=past&limit=2", headers=resident.headers)
    rest = client.get(
        f"/api/v1/events?when=past&cursor={ended.json['next_cursor']}", headers=resident.headers
    )
    desk_soon = ids(
        client.get("/api/v1/events?when=upcoming", headers=make.organizer(center).headers)
    )

    assert soon == desk_soon == [upcoming[1], upcoming[2], upcoming[0]]
    assert ids(ended) + ids(rest) == [past[2], past[1], past[0]]


def test_staff_still_list_every_event_of_their_center_newest_first(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    desk = make.organizer(center)
    past = make.event(center, starts_in=-DAY)
    later = make.event(center, starts_in=2 * DAY)
    soon = make.event(center, starts_in=DAY)
    cancel(client, make, center, soon)

    assert ids(client.get("/api/v1/events", headers=desk.headers)) == [later, soon, past]
    assert ids(client.get("/api/v1/events?include_cancelled=false", headers=desk.headers)) == [
        later,
        past,
    ]


def test_cancelled_events_are_left_out_unless_asked(client: FlaskClient, make: Factory) -> None:
    center = make.center()
    resident = make.resident(center)
    held = make.event(center, starts_in=DAY)
    called_off = make.event(center, starts_in=2 * DAY)
    cancel(client, make, center, called_off)

    default = ids(client.get("/api/v1/events", headers=resident.headers))
    asked = client.get("/api/v1/events?include_cancelled=true", headers=resident.headers)

    assert default == [held]
    assert ids(asked) == [held, called_off]
    assert asked.json["items"][1]["cancelled_at"] is not None


def test_each_event_says_whether_i_checked_in(client: FlaskClient, make: Factory) -> None:
    center = make.center()
    me, neighbour = make.resident(center), make.resident(center)
    attended = make.event(center)
    annulled = make.event(center)
    only_neighbour = make.event(center)
    make.checkin(attended, me.id)
    make.annul(make.checkin(annulled, me.id), center)
    make.checkin(only_neighbour, neighbour.id)

    mine = client.get("/api/v1/events", headers=me.headers).json["items"]
    detail = client.get(f"/api/v1/events/{attended}", headers=me.headers).json
    by_staff = client.get("/api/v1/events", headers=make.organizer(center).headers).json

    assert {e["id"]: e["checked_in"] for e in mine} == {
        attended: True,
        annulled: False,
        only_neighbour: False,
    }
    assert detail["checked_in"] is True
    assert {e["checked_in"] for e in by_staff["items"]} == {None}


def test_events_name_their_center_and_the_points_they_earn(
    client: FlaskClient, make: Factory, district_manager: Account
) -> None:
    own_rule = make.center("登峰街社区卫生服务中心")
    defaults = make.center("六榕街社区卫生服务中心")
    rule = client.put(
        "/api/v1/points/rules/lecture",
        headers=district_manager.headers,
        json={"center_id": own_rule, "points": 7},
    )
    assert rule.status_code == 200
    by_rule = make.event(own_rule, starts_in=DAY)
    set_points = make.event(own_rule, starts_in=2 * DAY, points=3)
    screening = make.event(defaults, kind="screening", starts_in=3 * DAY)
    resident = make.resident(defaults)

    listed = client.get("/api/v1/events", headers=resident.headers).json["items"]
    detail = client.get(f"/api/v1/events/{by_rule}", headers=resident.headers).json

    assert [(e["id"], e["center"], e["points"], e["earns_points"]) for e in listed] == [
        (by_rule, {"id": own_rule, "name": "登峰街社区卫生服务中心"}, None, 7),
        (set_points, {"id": own_rule, "name": "登峰街社区卫生服务中心"}, 3, 3),
        (screening, {"id": defaults, "name": "六榕街社区卫生服务中心"}, None, 10),
    ]
    assert (detail["center"]["name"], detail["earns_points"]) == ("登峰街社区卫生服务中心", 7)


def _statements(app: Flask, client: FlaskClient, path: str, account: Account) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(path, headers=account.headers)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


def test_a_page_costs_the_same_queries_however_many_events_and_centers(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    first = make.center()
    resident = make.resident(first)
    make.checkin(make.event(first), resident.id)
    make.event(make.center(), starts_in=DAY)
    few = _statements(app, client, "/api/v1/events", resident)

    centers = [make.center() for _ in range(4)]
    for n in range(18):
        event_id = make.event(centers[n % 4], starts_in=(n + 2) * DAY)
        if n % 3 == 0:
            make.checkin(event_id, resident.id, at=datetime.now(UTC) + (n + 2) * DAY)
    many = _statements(app, client, "/api/v1/events", resident)

    listed = client.get("/api/v1/events", headers=resident.headers).json["items"]
    assert len(listed) == 20 and len({e["center"]["id"] for e in listed}) == 6
    assert many == few


def _cursor(*key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def test_a_cursor_this_api_did_not_hand_out_is_refused(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    forged = [
        _cursor("somewhere", "2026-12-05T09:30:00+00:00", 1),
        _cursor("upcoming", "2026-12-05T09:30:00", 1),  # no offset
        _cursor("upcoming", "9999-12-31T23:00:00-05:00", 1),
        _cursor("past", "yesterday", 1),
        _cursor("past", "2026-12-05T09:30:00+00:00", 2**70),
        _cursor("2026-12-05T09:30:00+00:00", 1),  # the old shape
    ]

    for cursor in forged:
        response = client.get(f"/api/v1/events?cursor={cursor}", headers=resident.headers)
        assert (response.status_code, response.json["code"]) == (400, "bad_request"), cursor
