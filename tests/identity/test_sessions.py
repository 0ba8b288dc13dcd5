"""Tokens can be taken back: single-use refresh tokens, logout, revoked staff accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from core.db import db
from identity.models import RefreshToken, Staff
from tests.factories import PASSWORD, Account, Factory


def refreshed(client: FlaskClient, refresh_token: object) -> object:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def test_refreshing_spends_the_refresh_token_and_returns_a_new_one(
    client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    first = refreshed(client, resident.tokens["refresh_token"])
    again = refreshed(client, resident.tokens["refresh_token"])

    assert first.status_code == 200
    assert first.json["refresh_token"] != resident.tokens["refresh_token"]
    assert first.json["resident"]["id"] == resident.id
    assert again.status_code == 401
    assert again.json["code"] == "token_revoked"


def test_reusing_a_spent_refresh_token_revokes_its_whole_family(
    app: Flask, client: FlaskClient, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make.staff("staff")
    stolen = desk.tokens["refresh_token"]
    legitimate = refreshed(client, stolen).json["refresh_token"]

    reuse = refreshed(client, stolen)
    after = refreshed(client, legitimate)

    assert reuse.status_code == 401
    assert reuse.json["code"] == "token_revoked"
    assert after.status_code == 401
    assert after.json["code"] == "token_revoked"
    with app.app_context():
        rows = db.session.scalars(select(RefreshToken).where(RefreshToken.staff_id == desk.id))
        assert all(row.revoked_at is not None for row in rows)
    assert f"refresh token reused: staff:{desk.id}" in caplog.text


def test_logout_revokes_the_login_and_leaves_other_logins_alone(
    client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager")
    other_login = client.post(
        "/api/v1/auth/login", json={"username": manager.username, "password": PASSWORD}
    ).json
    refreshed_once = refreshed(client, manager.tokens["refresh_token"]).json["refresh_token"]

    logout = client.post("/api/v1/auth/logout", json={"refresh_token": refreshed_once})

    assert logout.status_code == 204
    assert refreshed(client, refreshed_once).json["code"] == "token_revoked"
    assert refreshed(client, other_login["refresh_token"]).status_code == 200


def test_logout_takes_only_a_refresh_token(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    response = client.post("/api/v1/auth/logout", json={"refresh_token": resident.token})

    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_deactivation_stops_an_existing_access_token_at_once(
    client: FlaskClient, admin: Account, desk: Account
) -> None:
    assert client.get("/api/v1/residents", headers=desk.headers).status_code == 200

    deactivated = client.patch(
        f"/api/v1/staff/{desk.id}", headers=admin.headers, json={"active": False}
    )
    refused = client.get("/api/v1/residents", headers=desk.headers)

    assert deactivated.status_code == 200
    assert deactivated.json["active"] is False
    assert refused.status_code == 401
    assert refused.json["code"] == "token_revoked"
    assert refreshed(client, desk.tokens["refresh_token"]).json["code"] == "token_revoked"


def test_a_token_whose_role_no_longer_matches_the_account_is_revoked(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager")
    with app.app_context():  # changed behind the API's back (a console, a script)
        db.session.get(Staff, manager.id).role = "admin"
        db.session.commit()

    response = client.get("/api/v1/staff", headers=manager.headers)

    assert response.status_code == 401
    assert response.json["code"] == "token_revoked"


def test_a_new_role_or_center_revokes_the_tokens_that_carry_the_old_one(
    client: FlaskClient, make: Factory, admin: Account, desk: Account
) -> None:
    other_center = make.center()

    moved = client.patch(
        f"/api/v1/staff/{desk.id}", headers=admin.headers, json={"center_id": other_center}
    )
    old_token = client.get("/api/v1/residents", headers=desk.headers)
    fresh = client.post(
        "/api/v1/auth/login", json={"username": desk.username, "password": PASSWORD}
    )

    assert moved.status_code == 200
    assert moved.json["center_id"] == other_center
    assert old_token.json["code"] == "token_revoked"
    assert fresh.json["staff"]["center_id"] == other_center
    again = client.get(
        "/api/v1/residents", headers={"Authorization": f"Bearer {fresh.json['access_token']}"}
    )
    assert again.status_code == 200


def test_resident_requests_do_not_read_the_account_to_authorize(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """A resident's access token stays stateless: check-in pays no extra round trip."""
    resident = make.resident()
    statements: list[str] = []
    with app.app_context():

        def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            client.get("/api/v1/me/member-code", headers=resident.headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    assert not any("FROM staff" in s or "refresh_tokens" in s for s in statements)


def test_expired_refresh_tokens_are_pruned(app: Flask, make: Factory) -> None:
    lapsed, current = make.resident(), make.resident()
    with app.app_context():
        for row in db.session.scalars(
            select(RefreshToken).where(RefreshToken.resident_id == lapsed.id)
        ):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["prune-tokens"])

    assert result.exit_code == 0
    assert "Pruned 1 " in result.output
    with app.app_context():
        owners = db.session.scalars(select(RefreshToken.resident_id)).all()
        assert owners == [current.id]
