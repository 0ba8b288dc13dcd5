"""``POST /auth/refresh`` is limited per account: a lecture hall's residents share one Wi-Fi
address, not one budget. A token we did not sign is limited per address. Every 429 says when
to come back (``Retry-After``)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity import sessions
from identity.models import Resident
from tests.factories import Account, Factory

HALL = {"REMOTE_ADDR": "10.8.0.1"}
ELSEWHERE = {"REMOTE_ADDR": "10.9.0.1"}


@pytest.fixture
def two_per_minute(app: Flask) -> Flask:
    app.config["REFRESH_RATE_LIMIT"] = "2 per minute"  # read per request
    return app


def refresh(client: FlaskClient, token: Any, address: dict[str, str] = HALL) -> Any:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token}, environ_base=address)


def refreshed_twice(client: FlaskClient, resident: Account) -> list[int]:
    first = refresh(client, resident.tokens["refresh_token"])
    second = refresh(client, first.json["refresh_token"])
    return [first.status_code, second.status_code]


def test_a_hall_of_residents_behind_one_address_all_refresh(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    residents = [make.resident() for _ in range(6)]

    statuses = [status for r in residents for status in refreshed_twice(client, r)]

    assert statuses == [200] * 12


def test_one_account_past_its_limit_waits_from_any_address(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    assert refreshed_twice(client, resident) == [200, 200]
    login = resident.tokens["refresh_token"]

    refused = refresh(client, login, ELSEWHERE)

    assert (refused.status_code, refused.json["code"]) == (429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_an_old_logins_token_cannot_spend_the_current_logins_budget(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    old_login = resident.tokens["refresh_token"]
    with two_per_minute.app_context():
        new_login = sessions.start(db.session.get(Resident, resident.id))
        db.session.commit()
    for _ in range(3):  # someone replays a token of the old login, kept from somewhere
        refresh(client, old_login, ELSEWHERE)

    current = refresh(client, new_login["refresh_token"])

    assert current.status_code == 200


def test_staff_refreshes_count_per_account_too(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    desks = [make.staff("staff") for _ in range(3)]

    statuses = [refresh(client, desk.tokens["refresh_token"]).status_code for desk in desks]

    assert statuses == [200] * 3


def test_tokens_we_did_not_sign_count_per_address(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()
    garbage = ["not-a-jwt", resident.token, 12345]  # an access token is no refresh token

    answers = [refresh(client, token) for token in garbage]
    elsewhere = refresh(client, "not-a-jwt", ELSEWHERE)
    own = refresh(client, resident.tokens["refresh_token"])

    assert [a.status_code for a in answers] == [401, 401, 429]
    assert "Retry-After" in answers[-1].headers
    assert elsewhere.status_code == 401
    assert own.status_code == 200  # the resident's own budget is untouched


def test_expired_refresh_tokens_count_per_account(
    two_per_minute: Flask, client: FlaskClient, make: Factory
) -> None:
    """A month away, a whole hall opens the mini-program at once: each is told to log in
    again (token_expired), none is made to wait."""
    residents = [make.resident() for _ in range(5)]
    two_per_minute.config["REFRESH_TOKEN_TTL"] = -60
    with two_per_minute.app_context():
        expired = [sessions.start(db.session.get(Resident, r.id)) for r in residents]
        db.session.commit()

    answers = [refresh(client, tokens["refresh_token"]) for tokens in expired]

    assert [(a.status_code, a.json["code"]) for a in answers] == [(401, "token_expired")] * 5


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_size_limit_is_a_413_and_the_limiter_keeps_counting(
    two_per_minute: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, chunked: bool
) -> None:
    """Looking for the account must not read a body the view refuses unread."""
    body = json.dumps({"refresh_token": "x" * two_per_minute.config["MAX_CONTENT_LENGTH"]})
    framing = {"Transfer-Encoding": "chunked"} if chunked else {}
    stream = {"wsgi.input": io.BytesIO(body.encode()), "wsgi.input_terminated": True}

    with caplog.at_level(logging.WARNING, logger="health_points.ratelimit"):
        response = client.post(
            "/api/v1/auth/refresh",
            content_type="application/json",
            headers=framing,
            environ_overrides=stream if chunked else {},
            data=None if chunked else body,
        )

    assert (response.status_code, response.json["code"]) == (413, "payload_too_large")
    assert caplog.records == []
