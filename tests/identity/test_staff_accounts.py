"""An admin changes staff accounts; staff change their own password; all of it audited."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import AuditEvent
from tests.factories import PASSWORD, Account, Factory

NEW_PASSWORD = "a new and longer secret"


def login(client: FlaskClient, username: str | None, password: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return {"status": response.status_code, **(response.json or {})}


def audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


STAFF_ENDPOINTS = [
    ("patch", "/api/v1/staff/{id}", {"active": False}),
    ("post", "/api/v1/staff/{id}/password", {"password": NEW_PASSWORD}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ENDPOINTS)
@pytest.mark.parametrize(
    ("caller", "status"),
    [("admin", 200), ("manager", 403), ("staff", 403), ("resident", 403), (None, 401)],
)
def test_only_an_admin_may_change_staff_accounts(
    client: FlaskClient,
    make: Factory,
    method: str,
    path: str,
    body: dict,  # type: ignore[type-arg]
    caller: str | None,
    status: int,
) -> None:
    target = make.staff("staff")
    account = (
        None if caller is None else make.resident() if caller == "resident" else make.staff(caller)
    )
    headers = account.headers if account else {}

    response = getattr(client, method)(path.format(id=target.id), headers=headers, json=body)

    if status == 200:
        assert response.status_code in (200, 204)
    else:
        assert response.status_code == status
        assert response.json["code"] == {401: "unauthorized", 403: "forbidden"}[status]
        assert login(client, target.username, PASSWORD)["status"] == 200


def test_an_admin_changes_role_center_and_active_and_it_is_audited(
    app: Flask, client: FlaskClient, make: Factory, admin: Account, desk: Account
) -> None:
    other_center = make.center()

    response = client.patch(
        f"/api/v1/staff/{desk.id}",
        headers=admin.headers,
        json={"role": "manager", "center_id": other_center},
    )

    assert response.status_code == 200
    assert response.json["role"] == "manager"
    assert response.json["center_id"] == other_center
    (row,) = audit(app, "staff.update")
    assert (row.actor_kind, row.actor_id, row.staff_id) == ("staff", admin.id, desk.id)
    assert "role: staff -> manager" in row.detail
    assert f"center_id: {desk.center_id} -> {other_center}" in row.detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "staff", "center_id": None}, "center_id"),
        ({"center_id": 999_999}, "center_id"),
        ({"role": "owner"}, "role"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_impossible_staff_changes_are_refused(
    client: FlaskClient,
    admin: Account,
    desk: Account,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    response = client.patch(f"/api/v1/staff/{desk.id}", headers=admin.headers, json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_an_admin_cannot_lock_themselves_out(client: FlaskClient, admin: Account) -> None:
    response = client.patch(
        f"/api/v1/staff/{admin.id}", headers=admin.headers, json={"active": False}
    )

    assert response.status_code == 409
    assert client.get("/api/v1/staff", headers=admin.headers).status_code == 200


def test_changing_an_unknown_account_is_not_found(client: FlaskClient, admin: Account) -> None:
    response = client.patch("/api/v1/staff/999999", headers=admin.headers, json={"active": False})

    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_an_admin_password_reset_revokes_the_accounts_tokens(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    reset = client.post(
        f"/api/v1/staff/{desk.id}/password", headers=admin.headers, json={"password": NEW_PASSWORD}
    )

    assert reset.status_code == 204
    assert client.get("/api/v1/residents", headers=desk.headers).json["code"] == "token_revoked"
    assert login(client, desk.username, PASSWORD)["code"] == "invalid_credentials"
    assert login(client, desk.username, NEW_PASSWORD)["status"] == 200
    (row,) = audit(app, "staff.password.reset")
    assert (row.actor_id, row.staff_id) == (admin.id, desk.id)


def test_a_reset_password_follows_the_creation_rule(
    client: FlaskClient, admin: Account, desk: Account
) -> None:
    reset = client.post(
        f"/api/v1/staff/{desk.id}/password", headers=admin.headers, json={"password": "short"}
    )

    assert reset.status_code == 422
    assert "password" in reset.json["errors"]
    assert login(client, desk.username, PASSWORD)["status"] == 200


def change_password(client: FlaskClient, account: Account, old: str, new: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/password",
        headers=account.headers,
        json={"old_password": old, "new_password": new},
    )


def test_staff_change_their_password_and_other_logins_cannot_refresh(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    other_login = login(client, desk.username, PASSWORD)

    changed = change_password(client, desk, PASSWORD, NEW_PASSWORD)

    assert changed.status_code == 204
    other = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other_login["refresh_token"]}
    )
    assert other.json["code"] == "token_revoked"
    this = client.post("/api/v1/auth/refresh", json={"refresh_token": desk.tokens["refresh_token"]})
    assert this.status_code == 200
    assert login(client, desk.username, NEW_PASSWORD)["status"] == 200
    (row,) = audit(app, "staff.password.change")
    assert (row.actor_id, row.staff_id) == (desk.id, desk.id)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [("not my password", NEW_PASSWORD, "old_password"), (PASSWORD, "short", "new_password")],
)
def test_a_password_change_needs_the_old_password_and_a_good_new_one(
    app: Flask, client: FlaskClient, make: Factory, old: str, new: str, field: str
) -> None:
    desk = make.staff("staff")

    response = change_password(client, desk, old, new)

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert login(client, desk.username, PASSWORD)["status"] == 200
    assert audit(app, "staff.password.change") == []


def test_residents_have_no_password_to_change(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    response = change_password(client, resident, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 403
