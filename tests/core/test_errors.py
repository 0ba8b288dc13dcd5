"""Every refusal is problem+json with a stable code; every response has a request id."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from tests.factories import Factory

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.json.keys() >= PROBLEM_KEYS
    assert (response.json["status"], response.json["code"]) == (status, code)


def test_an_unknown_path_is_not_found(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_not_allowed_and_says_what_is(client: FlaskClient) -> None:
    response = client.delete("/api/v1/health")

    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_a_bad_request(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/login", data='{"username": "a",', content_type="application/json"
    )

    assert_problem(response, 400, "bad_request")


def test_a_wrong_field_type_names_the_field(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": 12, "password": "x"})

    assert_problem(response, 422, "validation_error")
    assert response.json["errors"] == {"username": ["不是有效的文本。"]}  # in Chinese by default


def test_unknown_fields_are_refused(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"username": "a", "password": "b", "admin": True}
    )

    assert_problem(response, 422, "validation_error")
    assert "admin" in response.json["errors"]


def test_a_query_argument_of_the_wrong_type_is_a_validation_error(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")

    response = client.get("/api/v1/residents?limit=many", headers=desk.headers)

    assert_problem(response, 422, "validation_error")
    assert list(response.json["errors"]) == ["limit"]


def test_an_oversized_path_id_is_not_found(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    response = client.get(f"/api/v1/residents/{2**70}", headers=desk.headers)

    assert_problem(response, 404, "not_found")


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    generated = client.get("/api/v1/health").headers["X-Request-ID"]
    kept = client.get("/api/v1/health", headers={"X-Request-ID": "desk-7.abc"})
    replaced = client.get("/api/v1/health", headers={"X-Request-ID": "bad id; forged=1"})

    assert len(generated) == 32
    assert kept.headers["X-Request-ID"] == "desk-7.abc"
    assert replaced.headers["X-Request-ID"] not in ("bad id; forged=1", "")


def test_the_request_log_never_holds_a_token_or_a_phone_number(
    client: FlaskClient, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make.staff("staff")
    caplog.set_level(logging.INFO, logger="health_points.request")

    response = client.get("/api/v1/residents?q=13812341234", headers=desk.headers)

    (line,) = [r.getMessage() for r in caplog.records if r.name == "health_points.request"]
    assert line.startswith("GET /api/v1/residents 200 ")
    assert f"rid={response.headers['X-Request-ID']}" in line
    assert f"user=staff:{desk.id}" in line
    assert "1234" not in line
    assert desk.token not in line


def test_a_value_the_database_cannot_hold_is_a_bad_request(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")

    response = client.post("/api/v1/residents", headers=desk.headers, json={"name": "a\x00b"})
    search = client.get("/api/v1/residents?q=%00", headers=desk.headers)

    # PostgreSQL refuses NUL characters: a bad request, not a 500.
    assert (response.status_code, response.json["code"]) == (400, "bad_request")
    assert (search.status_code, search.json["code"]) == (400, "bad_request")


def test_days_and_times_beyond_this_century_are_validation_errors(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")

    ancient = client.get("/api/v1/redemptions?from=0001-01-01", headers=desk.headers)
    far = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={
            "title": "x",
            "kind": "lecture",
            "starts_at": "9999-12-31T23:00:00+00:00",
            "ends_at": "9999-12-31T23:30:00+00:00",
        },
    )

    assert (ancient.status_code, list(ancient.json["errors"])) == (422, ["from"])
    assert (far.status_code, sorted(far.json["errors"])) == (422, ["ends_at", "starts_at"])
