"""Rate limits survive their storage going away; every 429 says when to come back."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from core.ratelimit import limiter
from tests.conftest import Build
from tests.factories import PASSWORD, Factory

#: Nothing listens there: the limiter's Redis is down.
UNREACHABLE_REDIS = "redis://127.0.0.1:6390/0"


@pytest.fixture
def redis_down(app: Flask, build: Build) -> Iterator[Flask]:
    """An app whose limiter storage does not answer (made after ``app``: one Limiter serves
    every app of the process, configured by the latest)."""
    yield build(RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS)
    # The next app's storage starts alive.
    limiter._storage_dead = False


def test_logins_work_while_the_limiter_storage_is_down(
    redis_down: Flask, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make.staff("staff")
    client = redis_down.test_client()

    with caplog.at_level(logging.WARNING):
        staff = client.post(
            "/api/v1/auth/login", json={"username": desk.username, "password": PASSWORD}
        )
        resident = client.post("/api/v1/auth/wechat", json={"code": "dev:alice"})

    assert staff.status_code == 200
    assert resident.status_code == 200
    assert "falling back to in-memory storage" in caplog.text


def test_limits_still_hold_per_process_while_the_storage_is_down(redis_down: Flask) -> None:
    client = redis_down.test_client()
    attempts = [{"username": f"guess{n}", "password": "guess-guess"} for n in range(11)]

    answers = [client.post("/api/v1/auth/login", json=attempt) for attempt in attempts]

    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert answers[-1].json["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_health_names_the_limiter_storage_when_it_is_down(redis_down: Flask) -> None:
    response = redis_down.test_client().get("/api/v1/health")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "degraded": ["rate_limit_storage"]}


def test_a_rate_limited_answer_says_when_to_retry(build: Build) -> None:
    app = build(LOGIN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    attempt = {"username": "guess", "password": "guess-guess"}

    client.post("/api/v1/auth/login", json=attempt)
    refused = client.post("/api/v1/auth/login", json=attempt)

    assert refused.status_code == 429
    assert refused.json["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
