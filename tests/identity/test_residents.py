"""Staff registering, finding and opening residents; consent and condition tags."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import AuditEvent, Resident
from tests.factories import Account, Factory


def audit_trail(app: Flask) -> list[tuple[str, str, int | None, int | None, str | None]]:
    with app.app_context():
        return [
            (e.actor_kind, e.action, e.actor_id, e.resident_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def consent_and_tag(client: FlaskClient, desk: Account, resident: Account, condition: str) -> None:
    """The resident consents to condition records, then the desk tags them with ``condition``."""
    client.post(
        "/api/v1/me/consents",
        headers=resident.headers,
        json={"purpose": "health_conditions", "version": "2026-01"},
    )
    client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": [condition]},
    )


def test_the_desk_registers_a_resident_without_a_smartphone(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")

    response = client.post(
        "/api/v1/residents",
        headers=desk.headers,
        json={"name": "黄秀英", "phone": "13812341234"},
    )

    assert response.status_code == 201
    assert response.json["phone_masked"] == "138****1234"
    assert response.json["center_id"] == desk.center_id
    assert response.json["has_wechat"] is False
    assert "13812341234" not in response.get_data(as_text=True)
    with app.app_context():
        resident = db.session.get(Resident, response.json["id"])
        assert (resident.phone, resident.registered_by_id) == ("13812341234", desk.id)
    assert audit_trail(app)[-1][:4] == ("staff", "resident.create", desk.id, resident.id)


def test_the_desk_cannot_register_at_another_center(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    elsewhere = make.center()

    response = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "陈伟", "center_id": elsewhere}
    )

    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_a_bad_phone_number_is_a_validation_error(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    response = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "陈伟", "phone": "12345"}
    )

    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert list(response.json["errors"]) == ["phone"]


def search(client: FlaskClient, account: Account, query: str = "", **params: object) -> list[int]:
    response = client.get(
        "/api/v1/residents", headers=account.headers, query_string={"q": query, **params}
    )
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_staff_find_their_residents_by_phone_or_name(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    chen = make.resident(desk.center_id, name="陈伟", phone="13800001111")
    li = make.resident(desk.center_id, name="李秀英", phone="13900002222")

    assert search(client, desk, "13800001111") == [chen.id]
    assert search(client, desk, "2222") == [li.id]
    assert search(client, desk, "秀英") == [li.id]
    assert search(client, desk) == [li.id, chen.id]
    searches = [row for row in audit_trail(app) if row[1] == "resident.search"]
    assert [row[4] for row in searches] == ["q=138****1111", "q=**22", "q=秀*", "q="]


def test_staff_never_find_another_centers_residents(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    make.resident(make.center(), name="陈伟", phone="13800001111")

    assert search(client, desk, "13800001111") == []
    assert search(client, desk, "陈") == []


def test_a_district_manager_finds_residents_of_every_center(
    client: FlaskClient, make: Factory, district_manager: Account
) -> None:
    first = make.resident(make.center())
    second = make.resident(make.center())

    assert search(client, district_manager) == [second.id, first.id]


def test_search_pages_with_a_cursor(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    ids = [make.resident(desk.center_id).id for _ in range(5)]

    first = client.get("/api/v1/residents?limit=2", headers=desk.headers).json
    second = client.get(
        f"/api/v1/residents?limit=2&cursor={first['next_cursor']}", headers=desk.headers
    ).json
    third = client.get(
        f"/api/v1/residents?limit=2&cursor={second['next_cursor']}", headers=desk.headers
    ).json

    pages = [[r["id"] for r in p["items"]] for p in (first, second, third)]
    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]
    assert third["next_cursor"] is None


def test_a_cursor_not_handed_out_is_a_bad_request(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    for cursor in ("garbage!", "WyJ4Il0", "W3RydWVd"):
        response = client.get(f"/api/v1/residents?cursor={cursor}", headers=desk.headers)
        assert response.status_code == 400
        assert response.json["code"] == "bad_request"


def test_too_few_digits_are_refused(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    response = client.get("/api/v1/residents?q=12", headers=desk.headers)

    assert response.status_code == 422
    assert response.json["errors"] == {"q": ["请至少输入手机号后4位。"]}


def test_opening_a_resident_is_audited(app: Flask, client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id, phone="13800001111")

    response = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers)

    assert response.status_code == 200
    assert response.json["phone_masked"] == "138****1111"
    assert response.json["conditions"] == []
    assert audit_trail(app)[-1][:4] == ("staff", "resident.read", desk.id, resident.id)


def test_another_centers_resident_does_not_exist_for_staff(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    stranger = make.resident(make.center())

    for account in (desk, manager):
        response = client.get(f"/api/v1/residents/{stranger.id}", headers=account.headers)
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
    assert not [row for row in audit_trail(app) if row[1] == "resident.read"]


def test_conditions_need_the_residents_consent(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)
    url = f"/api/v1/residents/{resident.id}/conditions"

    refused = client.put(url, headers=desk.headers, json={"conditions": ["hypertension"]})
    consent = client.post(
        "/api/v1/me/consents",
        headers=resident.headers,
        json={"purpose": "health_conditions", "version": "2026-01"},
    )
    tagged = client.put(
        url, headers=desk.headers, json={"conditions": ["hypertension", "type2_diabetes"]}
    )

    assert refused.status_code == 409
    assert refused.json["code"] == "consent_required"
    assert consent.status_code == 201
    assert tagged.status_code == 200
    assert tagged.json["conditions"] == ["hypertension", "type2_diabetes"]
    assert audit_trail(app)[-1][:4] == (
        "staff",
        "resident.conditions.update",
        desk.id,
        resident.id,
    )


def test_withdrawing_consent_erases_the_tags_and_keeps_the_record(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)
    consent_and_tag(client, desk, resident, "hypertension")

    withdrawn = client.delete("/api/v1/me/consents/health_conditions", headers=resident.headers)
    again = client.delete("/api/v1/me/consents/health_conditions", headers=resident.headers)
    record = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers).json

    assert withdrawn.status_code == 200
    assert withdrawn.json["withdrawn_at"] is not None
    assert again.status_code == 404
    assert record["conditions"] == []
    assert [c["purpose"] for c in record["consents"]] == ["health_conditions"]


def test_a_newer_consent_version_supersedes_and_keeps_the_tags(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)
    grant = {"purpose": "health_conditions", "version": "2026-01"}
    client.post("/api/v1/me/consents", headers=resident.headers, json=grant)
    client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )

    repeated = client.post("/api/v1/me/consents", headers=resident.headers, json=grant)
    newer = client.post(
        "/api/v1/me/consents", headers=resident.headers, json={**grant, "version": "2026-07"}
    )
    me = client.get("/api/v1/me", headers=resident.headers).json
    record = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers).json

    assert repeated.status_code == 201
    assert newer.json["version"] == "2026-07"
    assert [(c["version"], c["withdrawn_at"] is None) for c in me["consents"]] == [
        ("2026-01", False),
        ("2026-07", True),
    ]
    assert record["conditions"] == ["hypertension"]


def test_a_failed_request_leaves_nothing_half_written(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)
    before = audit_trail(app)

    # Opening the record writes an audit row; the refusal that follows must take it back.
    response = client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )

    assert response.status_code == 409
    assert audit_trail(app) == before
