"""``PUT /api/v1/me`` (WeChat's ``wx.request`` has no PATCH) and ``PATCH /api/v1/me``: one
partial change of the resident's own profile. A phone number never comes this way."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity.models import Resident
from tests.factories import Factory

METHODS = ("PUT", "PATCH")


@pytest.mark.parametrize("method", METHODS)
def test_a_resident_changes_name_and_home_center(
    client: FlaskClient, make: Factory, method: str
) -> None:
    home = make.center()
    resident = make.resident(name="陈伟")

    changed = client.open(
        "/api/v1/me",
        method=method,
        headers=resident.headers,
        json={"name": "陈大伟", "center_id": home},
    )

    assert changed.status_code == 200
    assert (changed.json["name"], changed.json["center_id"]) == ("陈大伟", home)
    me = client.get("/api/v1/me", headers=resident.headers).json
    assert (me["name"], me["center_id"]) == ("陈大伟", home)


@pytest.mark.parametrize("method", METHODS)
def test_only_the_fields_sent_change(client: FlaskClient, make: Factory, method: str) -> None:
    resident = make.resident(name="陈伟", phone="13800001111")

    changed = client.open(
        "/api/v1/me", method=method, headers=resident.headers, json={"name": "陈大伟"}
    )

    assert changed.status_code == 200
    assert changed.json["center_id"] == resident.center_id
    assert (changed.json["phone_masked"], changed.json["phone_verified"]) == ("138****1111", True)


def test_an_unknown_center_is_refused(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    refused = client.put("/api/v1/me", headers=resident.headers, json={"center_id": 99999})

    assert (refused.status_code, refused.json["code"]) == (422, "validation_error")
    assert list(refused.json["errors"]) == ["center_id"]
    me = client.get("/api/v1/me", headers=resident.headers).json
    assert me["center_id"] == resident.center_id


@pytest.mark.parametrize("method", METHODS)
def test_a_phone_number_is_refused_and_the_refusal_names_the_phone_button(
    app: Flask, client: FlaskClient, make: Factory, method: str
) -> None:
    resident = make.resident(name="陈伟", phone="13800001111")

    refused = client.open(
        "/api/v1/me",
        method=method,
        headers={**resident.headers, "Accept-Language": "en"},
        json={"name": "陈大伟", "phone": "13911112222"},
    )

    assert (refused.status_code, refused.json["code"]) == (422, "validation_error")
    assert "getPhoneNumber" in refused.json["errors"]["phone"][0]
    with app.app_context():
        stored = db.session.get(Resident, resident.id)
        assert (stored.name, stored.phone) == ("陈伟", "13800001111")
        assert stored.phone_verified_at is not None


def test_null_removes_the_phone_number_and_its_verification(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident(phone="13800001111")

    changed = client.put("/api/v1/me", headers=resident.headers, json={"phone": None})

    assert changed.status_code == 200
    assert (changed.json["phone_masked"], changed.json["phone_verified"]) == (None, False)
    with app.app_context():
        stored = db.session.get(Resident, resident.id)
        assert (stored.phone, stored.phone_verified_at) == (None, None)


def test_the_answer_is_the_profile_with_the_privacy_state(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    changed = client.put("/api/v1/me", headers=resident.headers, json={})

    assert changed.status_code == 200
    assert changed.json["privacy"] == {
        "accepted_version": None,
        "accepted_at": None,
        "current_version": app.config["PRIVACY_POLICY_VERSION"],
        "needs_acceptance": True,
    }


def test_staff_cannot_use_the_residents_profile(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    refused = client.put("/api/v1/me", headers=desk.headers, json={"name": "张三"})

    assert (refused.status_code, refused.json["code"]) == (403, "forbidden")
