"""Staff password logins lock a username after repeated failures, across workers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Build
from tests.factories import PASSWORD, Factory


def attempt(client: FlaskClient, username: str, password: str = "not the password"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_five_failures_lock_the_username_even_for_the_right_password(
    client: FlaskClient, make: Factory
) -> None:
    desk, other = make.staff("staff"), make.staff("staff")

    failures = [attempt(client, desk.username).json["code"] for _ in range(5)]
    locked = attempt(client, desk.username, PASSWORD)

    assert failures == ["invalid_credentials"] * 5
    assert locked.status_code == 429
    assert locked.content_type == "application/problem+json"
    assert locked.json["code"] == "account_locked"
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    assert attempt(client, other.username, PASSWORD).status_code == 200


def test_unknown_usernames_lock_alike(client: FlaskClient) -> None:
    for _ in range(5):
        attempt(client, "nobody")

    assert attempt(client, "nobody").json["code"] == "account_locked"


def test_a_successful_login_starts_the_count_afresh(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    for _ in range(4):
        attempt(client, desk.username)
    assert attempt(client, desk.username, PASSWORD).status_code == 200

    again = [attempt(client, desk.username).status_code for _ in range(4)]

    assert again == [401] * 4
    assert attempt(client, desk.username, PASSWORD).status_code == 200


def test_the_lockout_is_shared_by_every_worker(
    build: Build, make: Factory, shared_limits: dict[str, object]
) -> None:
    desk = make.staff("staff")
    first_worker = build(**shared_limits).test_client()
    for _ in range(5):
        attempt(first_worker, desk.username)

    other_worker = build(**shared_limits).test_client()
    locked = attempt(other_worker, desk.username, PASSWORD)

    assert locked.json["code"] == "account_locked"


def test_the_lockout_is_configurable(build: Build, app: Flask, make: Factory) -> None:
    desk = make.staff("staff")
    client = build(LOGIN_LOCKOUT="2 per hour").test_client()

    statuses = [attempt(client, desk.username).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
