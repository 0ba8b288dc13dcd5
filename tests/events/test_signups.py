"""Sign-ups (报名): a resident takes a place ahead of a lecture, once; a full hall, a started
or cancelled event refuse; cancelling frees the place; staff see who signed up at their own
center; a crowd never takes more places than there are; merges and closings settle them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core import signals
from core.db import db, utcnow
from core.errors import TokenRevoked
from events import signups
from events.checkin import EventFull
from events.models import Event, EventSignup
from tests.factories import Account, Factory
from tests.merging.test_link import register
from tests.merging.test_merge import merge
from tests.privacy.test_closure import close
from tests.racing import race


def sign_up(client: FlaskClient, resident: Account, event_id: int, **headers: str) -> Any:
    return client.post(
        f"/api/v1/events/{event_id}/signups", headers={**resident.headers, **headers}
    )


def call_off(client: FlaskClient, resident: Account, event_id: int) -> Any:
    return client.delete(f"/api/v1/events/{event_id}/signups/me", headers=resident.headers)


def signees(client: FlaskClient, staff: Account, event_id: int, **query: object) -> Any:
    return client.get(
        f"/api/v1/events/{event_id}/signups", headers=staff.headers, query_string=query
    )


def places_taken(app: Flask, event_id: int) -> int:
    with app.app_context():
        return db.session.get(Event, event_id).signups_taken


def live_signups(app: Flask, resident_id: int) -> list[int]:
    """The events the resident holds a live sign-up for."""
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(EventSignup.event_id).where(
                    EventSignup.resident_id == resident_id, EventSignup.cancelled_at.is_(None)
                )
            )
        )


def test_a_resident_signs_up_and_staff_see_who_did(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=2), capacity=30)
    resident = make.resident(desk.center_id, name="黄秀英", phone="13812341234")

    made = sign_up(client, resident, event_id)

    assert made.status_code == 201, made.json
    assert made.json["status"] == "signed_up"
    assert made.json["event"]["id"] == event_id
    assert made.json["event"]["center"]["id"] == desk.center_id
    assert (made.json["event"]["signups"], made.json["event"]["signed_up"]) == (1, True)
    assert made.json["created_at"].endswith("+08:00")
    listed = client.get("/api/v1/events", headers=resident.headers).json["items"]
    assert [(e["id"], e["signups"], e["signed_up"]) for e in listed] == [(event_id, 1, True)]
    staff_listed = client.get("/api/v1/events", headers=desk.headers).json["items"]
    assert [(e["signups"], e["signed_up"]) for e in staff_listed] == [(1, None)]
    who = signees(client, desk, event_id)
    assert who.status_code == 200
    assert who.json == {
        "items": [
            {
                "id": made.json["id"],
                "resident_id": resident.id,
                "name": "黄秀英",
                "phone_masked": "138****1234",
                "created_at": made.json["created_at"],
                "checked_in": False,
            }
        ],
        "next_cursor": None,
    }


def test_staff_see_who_of_those_signed_up_checked_in_page_by_page(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(hours=1))
    came, away = make.resident(desk.center_id), make.resident(desk.center_id)
    for resident in (came, away):
        assert sign_up(client, resident, event_id).status_code == 201
    make.checkin(event_id, came.id, at=utcnow() + timedelta(minutes=40))

    first = signees(client, desk, event_id, limit=1)
    second = signees(client, desk, event_id, limit=1, cursor=first.json["next_cursor"])

    assert [(i["resident_id"], i["checked_in"]) for i in first.json["items"]] == [(came.id, True)]
    assert [(i["resident_id"], i["checked_in"]) for i in second.json["items"]] == [(away.id, False)]
    assert second.json["next_cursor"] is None


def test_signing_up_again_gives_the_same_sign_up_and_takes_no_second_place(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=2)
    first = sign_up(client, resident, event_id)

    again = sign_up(client, resident, event_id)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert places_taken(app, event_id) == 1


def test_a_retry_with_its_key_replays_the_first_answer(
    client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    first = sign_up(client, resident, event_id, **{"Idempotency-Key": "signup-1"})

    retried = sign_up(client, resident, event_id, **{"Idempotency-Key": "signup-1"})

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json == first.json


def test_a_full_event_refuses_and_a_cancelled_sign_up_frees_its_place(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=1)
    first, second = make.resident(desk.center_id), make.resident(desk.center_id)
    assert sign_up(client, first, event_id).status_code == 201

    full = sign_up(client, second, event_id)
    assert (full.status_code, full.json["code"]) == (409, "event_full")

    assert call_off(client, first, event_id).status_code == 204
    assert places_taken(app, event_id) == 0
    assert call_off(client, first, event_id).status_code == 204  # nothing left: still fine
    assert places_taken(app, event_id) == 0
    assert sign_up(client, second, event_id).status_code == 201
    mine = client.get("/api/v1/me/signups", headers=first.headers).json
    assert mine == {"items": [], "next_cursor": None}
    again = sign_up(client, first, event_id)  # signing up anew after cancelling: full again
    assert (again.status_code, again.json["code"]) == (409, "event_full")


def test_started_cancelled_and_personal_events_take_no_sign_up(
    client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    started = make.event(desk.center_id, starts_in=timedelta(minutes=-5))
    cancelled = make.event(desk.center_id, starts_in=timedelta(days=1))
    client.post(f"/api/v1/events/{cancelled}/cancel", headers=desk.headers)
    someone_elses = make.event(
        desk.center_id, kind="followup", resident_id=make.resident(desk.center_id).id
    )
    own = make.event(desk.center_id, kind="followup", resident_id=resident.id)

    answers = {
        name: sign_up(client, resident, event_id)
        for name, event_id in {
            "started": started,
            "cancelled": cancelled,
            "someone_elses": someone_elses,
            "own": own,
            "missing": 999_999,
        }.items()
    }

    assert {name: (a.status_code, a.json["code"]) for name, a in answers.items()} == {
        "started": (409, "signup_closed"),
        "cancelled": (409, "event_cancelled"),
        "someone_elses": (404, "not_found"),
        "own": (409, "signup_not_needed"),
        "missing": (404, "not_found"),
    }


def test_a_sign_up_of_a_started_event_can_no_longer_be_called_off(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(minutes=-5))
    with app.app_context():
        signups.sign_up(resident.id, event_id, utcnow() - timedelta(days=1))
        db.session.commit()

    refused = call_off(client, resident, event_id)

    assert (refused.status_code, refused.json["code"]) == (409, "signup_closed")
    assert live_signups(app, resident.id) == [event_id]


def test_another_centers_staff_do_not_see_who_signed_up(
    client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    refused = signees(client, other_center_desk, event_id)
    assert (refused.status_code, refused.json["code"]) == (404, "not_found")


def test_staff_cannot_sign_up_and_residents_cannot_read_the_list(
    client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    assert sign_up(client, desk, event_id).status_code == 403
    assert signees(client, resident, event_id).status_code == 403


def test_my_sign_ups_are_the_upcoming_ones_soonest_first(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    later = make.event(desk.center_id, starts_in=timedelta(days=3))
    sooner = make.event(desk.center_id, starts_in=timedelta(days=1))
    ended = make.event(desk.center_id, starts_in=timedelta(hours=-3))
    with app.app_context():
        signups.sign_up(resident.id, ended, utcnow() - timedelta(days=1))
        db.session.commit()
    for event_id in (later, sooner):
        assert sign_up(client, resident, event_id).status_code == 201

    first = client.get("/api/v1/me/signups?limit=1", headers=resident.headers).json
    cursor = first["next_cursor"]
    second = client.get(f"/api/v1/me/signups?limit=1&cursor={cursor}", headers=resident.headers)

    assert [item["event"]["id"] for item in first["items"]] == [sooner]
    assert [item["event"]["id"] for item in second.json["items"]] == [later]
    assert second.json["next_cursor"] is None
    assert second.json["items"][0]["status"] == "signed_up"


def test_capacity_cannot_go_below_the_places_taken(
    client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=5)
    sign_up(client, resident, event_id)
    sign_up(client, make.resident(desk.center_id), event_id)

    refused = client.patch(f"/api/v1/events/{event_id}", headers=desk.headers, json={"capacity": 1})

    assert (refused.status_code, refused.json["code"]) == (422, "validation_error")
    assert "capacity" in refused.json["errors"]


def test_signing_up_and_cancelling_tell_whoever_listens_in_the_transaction(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    heard: list[tuple[str, dict[str, Any]]] = []

    def on_signed_up(sender: object, **told: Any) -> None:
        heard.append(("signed_up", told))

    def on_cancelled(sender: object, **told: Any) -> None:
        heard.append(("cancelled", told))

    with (
        signals.signed_up.connected_to(on_signed_up),
        signals.signup_cancelled.connected_to(on_cancelled),
    ):
        made = sign_up(client, resident, event_id)
        sign_up(client, resident, event_id)  # a repeat tells no one
        call_off(client, resident, event_id)

    told = {"resident_id": resident.id, "signup_id": made.json["id"], "event_id": event_id}
    assert heard == [("signed_up", told), ("cancelled", told)]


def test_a_crowd_signing_up_at_once_never_takes_more_places_than_there_are(
    racing_app: Flask, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=5)
    residents = [make.resident(desk.center_id) for _ in range(12)]

    results = race(
        racing_app, 12, lambda i: signups.sign_up(residents[i].id, event_id, utcnow()).new
    )

    assert [r for r in results if not isinstance(r, EventFull)] == [True] * 5
    assert places_taken(racing_app, event_id) == 5
    assert sum(len(live_signups(racing_app, r.id)) for r in residents) == 5


def test_one_resident_tapping_many_times_at_once_signs_up_once(
    racing_app: Flask, make: Factory, desk: Account, resident: Account
) -> None:
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=5)

    results = race(racing_app, 8, lambda _: signups.sign_up(resident.id, event_id, utcnow()).new)

    assert sorted(results, key=repr) == [False] * 7 + [True]
    assert places_taken(racing_app, event_id) == 1
    assert live_signups(racing_app, resident.id) == [event_id]


def test_a_merge_keeps_one_live_sign_up_per_event_for_the_survivor(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    both = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=10)
    only_absorbed = make.event(desk.center_id, starts_in=timedelta(days=2))
    kept = register(client, desk)
    other = make.resident(desk.center_id, openid="o-huang")
    with app.app_context():
        signups.sign_up(kept, both, utcnow())
        db.session.commit()
    for event_id in (both, only_absorbed):
        assert sign_up(client, other, event_id).status_code == 201
    assert places_taken(app, both) == 2

    assert merge(client, manager, kept, other.id).status_code == 200

    assert live_signups(app, kept) == [both, only_absorbed]
    assert live_signups(app, other.id) == []
    assert places_taken(app, both) == 1
    assert places_taken(app, only_absorbed) == 1
    with app.app_context():
        left_behind = db.session.scalars(
            select(EventSignup).where(EventSignup.resident_id == other.id)
        ).one()
        assert (left_behind.event_id, left_behind.cancelled_at is not None) == (both, True)


def test_closing_an_account_cancels_its_sign_ups_to_come_and_keeps_past_ones(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    coming = make.event(desk.center_id, starts_in=timedelta(days=1), capacity=3)
    past = make.event(desk.center_id, starts_in=timedelta(hours=-3))
    with app.app_context():
        signups.sign_up(resident.id, past, utcnow() - timedelta(days=1))
        db.session.commit()
    assert sign_up(client, resident, coming).status_code == 201

    assert close(client, resident).status_code == 204

    assert live_signups(app, resident.id) == [past]
    assert places_taken(app, coming) == 0


def test_a_closed_account_cannot_sign_up(app: Flask, make: Factory, desk: Account) -> None:
    resident = make.resident(desk.center_id)
    event_id = make.event(desk.center_id, starts_in=timedelta(days=1))
    with app.test_client() as client:
        assert close(client, resident).status_code == 204
    with app.app_context(), pytest.raises(TokenRevoked):
        signups.sign_up(resident.id, event_id, utcnow())


def test_a_residents_copy_of_their_data_holds_their_sign_ups(
    client: FlaskClient, make: Factory, desk: Account, resident: Account
) -> None:
    kept = make.event(desk.center_id, title="冬季养生讲座", starts_in=timedelta(days=1))
    dropped = make.event(desk.center_id, title="高血压防治讲座", starts_in=timedelta(days=2))
    for event_id in (kept, dropped):
        sign_up(client, resident, event_id)
    call_off(client, resident, dropped)

    copy = client.get("/api/v1/me/export", headers=resident.headers).json

    assert [(s["event"]["title"], s["cancelled_at"] is None) for s in copy["signups"]] == [
        ("冬季养生讲座", True),
        ("高血压防治讲座", False),
    ]
