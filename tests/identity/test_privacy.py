"""Which privacy-policy version a resident accepted and when: at first login
(``POST /auth/wechat`` with ``privacy_version``) and again when ``PRIVACY_POLICY_VERSION``
changes (``POST /me/privacy``). Every version accepted is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from core.config import ConfigError
from core.db import db
from identity.models import PrivacyAcceptance
from tests.conftest import app_config
from tests.factories import Account, Factory

CURRENT = "2026-12"


@pytest.fixture
def policy(app: Flask) -> Flask:
    app.config["PRIVACY_POLICY_VERSION"] = CURRENT
    return app


def login(client: FlaskClient, openid: str = "alice", **body: Any) -> Any:
    return client.post("/api/v1/auth/wechat", json={"code": f"dev:{openid}", **body})


def accept(client: FlaskClient, resident: Account, version: str) -> Any:
    return client.post("/api/v1/me/privacy", headers=resident.headers, json={"version": version})


def acceptances(app: Flask) -> list[tuple[int, str, datetime]]:
    with app.app_context():
        rows = db.session.scalars(select(PrivacyAcceptance).order_by(PrivacyAcceptance.id))
        return [(row.resident_id, row.version, row.accepted_at) for row in rows]


def test_the_first_login_records_the_version_the_resident_accepted(
    policy: Flask, client: FlaskClient
) -> None:
    response = login(client, privacy_version=CURRENT)

    assert response.status_code == 200
    privacy = response.json["privacy"]
    assert (privacy["accepted_version"], privacy["current_version"]) == (CURRENT, CURRENT)
    assert privacy["needs_acceptance"] is False
    [(resident_id, version, accepted_at)] = acceptances(policy)
    assert (resident_id, version) == (response.json["resident"]["id"], CURRENT)
    assert datetime.fromisoformat(privacy["accepted_at"]) == accepted_at


def test_a_login_without_a_version_says_the_policy_must_be_accepted(
    policy: Flask, client: FlaskClient
) -> None:
    response = login(client)

    assert response.status_code == 200
    assert response.json["privacy"] == {
        "accepted_version": None,
        "accepted_at": None,
        "current_version": CURRENT,
        "needs_acceptance": True,
    }
    assert acceptances(policy) == []


def test_a_login_that_accepted_an_outdated_policy_logs_in_and_is_asked_again(
    policy: Flask, client: FlaskClient
) -> None:
    response = login(client, privacy_version="2025-01")

    assert response.status_code == 200
    assert response.json["privacy"]["needs_acceptance"] is True
    assert response.json["privacy"]["accepted_version"] is None
    assert acceptances(policy) == []


def test_a_new_version_must_be_accepted_again_and_both_are_kept(
    policy: Flask, client: FlaskClient
) -> None:
    resident_id = login(client, privacy_version=CURRENT).json["resident"]["id"]
    policy.config["PRIVACY_POLICY_VERSION"] = "2027-06"

    later = login(client)
    resident = Account(resident_id, "resident", None, later.json)
    accepted = accept(client, resident, "2027-06")

    assert later.json["privacy"]["accepted_version"] == CURRENT
    assert later.json["privacy"]["needs_acceptance"] is True
    assert accepted.status_code == 200
    assert accepted.json["accepted_version"] == "2027-06"
    assert accepted.json["needs_acceptance"] is False
    history = acceptances(policy)
    assert [(r, v) for r, v, _ in history] == [(resident_id, CURRENT), (resident_id, "2027-06")]
    assert history[0][2] <= history[1][2]


def test_accepting_a_version_that_is_not_the_current_one_is_refused(
    policy: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    for version in ("2025-01", "2099-01"):
        refused = accept(client, resident, version)
        assert (refused.status_code, refused.json["code"]) == (409, "privacy_version_mismatch")
    assert acceptances(policy) == []


def test_accepting_the_same_version_again_keeps_the_first_record(
    policy: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    first = accept(client, resident, CURRENT)
    again = accept(client, resident, CURRENT)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json["accepted_at"] == first.json["accepted_at"]
    assert len(acceptances(policy)) == 1


def test_going_back_to_a_version_the_resident_accepted_needs_nothing_more(
    policy: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    accept(client, resident, CURRENT)
    policy.config["PRIVACY_POLICY_VERSION"] = "2027-06"
    accept(client, resident, "2027-06")
    policy.config["PRIVACY_POLICY_VERSION"] = CURRENT  # the new text was withdrawn

    state = client.put("/api/v1/me", headers=resident.headers, json={}).json["privacy"]

    assert (state["accepted_version"], state["needs_acceptance"]) == (CURRENT, False)


def test_only_residents_accept_the_privacy_policy(
    policy: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")

    refused = accept(client, desk, CURRENT)

    assert (refused.status_code, refused.json["code"]) == (403, "forbidden")


@pytest.mark.parametrize("version", ["", "x" * 21])
def test_a_server_refuses_to_start_without_a_usable_policy_version(
    database_url: str, version: str
) -> None:
    with pytest.raises(ConfigError, match="PRIVACY_POLICY_VERSION"):
        create_app(app_config(database_url, PRIVACY_POLICY_VERSION=version))
