"""Who a check-in is for: a first check-in gives a home center, a personal event admits only
its resident, a closed account checks in nowhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from core.db import db
from events.models import Checkin, Event
from identity.models import Resident
from points.models import LedgerEntry, PointsAccount
from tests.events.test_checkin import qr, scan
from tests.events.test_checkin_boundaries import desk_checkin
from tests.factories import Account, Factory


def wechat_newcomer(client: FlaskClient) -> Account:
    """A resident who logged in with WeChat and never chose a home center."""
    tokens = client.post("/api/v1/auth/wechat", json={"code": "dev:newcomer"}).json
    resident = tokens["resident"]
    assert resident["center_id"] is None
    return Account(resident["id"], "resident", None, tokens)


def home_center(client: FlaskClient, resident: Account) -> int | None:
    return client.get("/api/v1/me", headers=resident.headers).json["center_id"]


def test_a_resident_without_a_home_center_gets_their_first_check_ins(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    elsewhere = make.staff("staff")
    later = make.event(elsewhere.center_id)
    resident = wechat_newcomer(client)

    first = scan(client, resident, url=qr(client, desk, make.event(desk.center_id))["url"])
    second = scan(client, resident, url=qr(client, elsewhere, later)["url"])

    assert (first.status_code, second.status_code) == (201, 201)
    assert home_center(client, resident) == desk.center_id


def test_after_a_desk_check_in_by_member_code_that_desk_finds_the_resident(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident = wechat_newcomer(client)
    member_code = client.get("/api/v1/me/member-code", headers=resident.headers).json["code"]
    unknown_before = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers)

    response = client.post(
        f"/api/v1/events/{make.event(desk.center_id)}/checkins",
        headers=desk.headers,
        json={"member_code": member_code},
    )

    assert unknown_before.status_code == 404
    assert response.status_code == 201
    assert home_center(client, resident) == desk.center_id
    assert client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers).status_code == 200


def test_a_chosen_home_center_stays(client: FlaskClient, make: Factory, desk: Account) -> None:
    resident = make.resident()  # at a center of its own

    response = scan(client, resident, url=qr(client, desk, make.event(desk.center_id))["url"])

    assert response.status_code == 201
    assert home_center(client, resident) == resident.center_id != desk.center_id


def test_a_refused_check_in_gives_no_home_center(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    not_yet = make.event(desk.center_id, starts_in=timedelta(hours=3))
    resident = wechat_newcomer(client)

    response = scan(client, resident, url=qr(client, desk, not_yet, mode="static")["url"])

    assert (response.status_code, response.json["code"]) == (409, "checkin_not_open")
    assert home_center(client, resident) is None


def checkins_of(app: Flask, event_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Checkin.resident_id).where(Checkin.event_id == event_id))
        )


def test_a_personal_event_admits_only_its_resident(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    patient, neighbour = make.resident(desk.center_id), make.resident(desk.center_id)
    revisit = make.event(desk.center_id, kind="revisit", resident_id=patient.id)
    url = qr(client, desk, revisit)["url"]

    by_scan = scan(client, neighbour, url=url)
    at_desk = desk_checkin(client, desk, revisit, neighbour.id)
    patient_scans = scan(client, patient, url=url)

    assert (by_scan.status_code, by_scan.json["code"]) == (403, "not_your_code")
    assert (at_desk.status_code, at_desk.json["code"]) == (403, "not_your_code")
    assert patient_scans.status_code == 201
    assert checkins_of(app, revisit) == [patient.id]


def test_the_desk_checks_a_personal_event_s_resident_in(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    patient = make.resident(desk.center_id)
    revisit = make.event(desk.center_id, kind="revisit", resident_id=patient.id)

    response = desk_checkin(client, desk, revisit, patient.id)

    assert response.status_code == 201
    assert checkins_of(app, revisit) == [patient.id]


def close_account(app: Flask, resident_id: int) -> None:
    # Closing an account has no service here yet: the column is what check-in reads.
    with app.app_context():
        db.session.execute(
            update(Resident).where(Resident.id == resident_id).values(closed_at=datetime.now(UTC))
        )
        db.session.commit()


def written_for(app: Flask, resident_id: int) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).where(column == resident_id))
            for column in (
                Checkin.resident_id,
                PointsAccount.resident_id,
                LedgerEntry.resident_id,
            )
        )


def test_a_closed_account_checks_in_nowhere_and_nothing_is_written(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, capacity=10)
    resident = make.resident(desk.center_id)
    close_account(app, resident.id)

    by_scan = scan(client, resident, url=qr(client, desk, event_id)["url"])
    at_desk = desk_checkin(client, desk, event_id, resident.id)

    assert (by_scan.status_code, by_scan.json["code"]) == (401, "token_revoked")
    assert (at_desk.status_code, at_desk.json["code"]) == (404, "not_found")
    assert written_for(app, resident.id) == (0, 0, 0)
    with app.app_context():
        assert db.session.get(Event, event_id).seats_taken == 0
