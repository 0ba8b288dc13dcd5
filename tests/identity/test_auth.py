"""Logging in, tokens, and role checks."""

from __future__ import annotations

import time

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity.models import Staff
from tests.conftest import Build
from tests.factories import PASSWORD, Factory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(app: Flask, **changes: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": app.config["JWT_ISSUER"],
        "aud": app.config["JWT_AUDIENCE"],
        "sub": "resident:1",
        "role": "resident",
        "cid": None,
        "typ": "access",
        "iat": now,
        "exp": now + 60,
    }
    return {**base, **changes}


def test_a_resident_logs_in_with_a_dev_code_and_sees_themselves(client: FlaskClient) -> None:
    login = client.post("/api/v1/auth/wechat", json={"code": "dev:alice"})

    assert login.status_code == 200
    body = login.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json["id"] == body["resident"]["id"]


def test_the_same_openid_is_the_same_resident(client: FlaskClient) -> None:
    first = client.post("/api/v1/auth/wechat", json={"code": "dev:alice"}).json
    second = client.post("/api/v1/auth/wechat", json={"code": "dev:alice"}).json

    assert first["resident"]["id"] == second["resident"]["id"]


def test_staff_log_in_with_a_password(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")

    response = client.post(
        "/api/v1/auth/login", json={"username": desk.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.json["staff"] == {
        "id": desk.id,
        "username": desk.username,
        "display_name": None,
        "role": "staff",
        "center_id": desk.center_id,
        "active": True,
    }
    assert "password" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "password"), [("known", "wrong password"), ("nobody", PASSWORD)]
)
def test_a_wrong_password_or_unknown_user_is_refused_alike(
    client: FlaskClient, make: Factory, username: str, password: str
) -> None:
    make.staff("manager", username="known")

    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})

    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "invalid_credentials"


def test_a_deactivated_account_cannot_log_in_or_refresh(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    with app.app_context():
        db.session.get(Staff, desk.id).active = False
        db.session.commit()

    login = client.post(
        "/api/v1/auth/login", json={"username": desk.username, "password": PASSWORD}
    )
    refresh = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": desk.tokens["refresh_token"]}
    )

    assert login.json["code"] == "invalid_credentials"
    assert refresh.status_code == 401
    assert refresh.json["code"] == "token_revoked"


def test_a_refresh_token_buys_a_new_pair_of_the_same_shape(
    client: FlaskClient, make: Factory
) -> None:
    manager = make.staff("manager")

    response = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": manager.tokens["refresh_token"]}
    )

    assert response.status_code == 200
    assert response.json["staff"]["id"] == manager.id
    staff_list = client.get("/api/v1/staff", headers=bearer(response.json["access_token"]))
    assert staff_list.status_code == 200


def test_a_refresh_token_is_not_an_access_token(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    response = client.get("/api/v1/me", headers=bearer(str(resident.tokens["refresh_token"])))

    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_an_access_token_cannot_refresh(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    response = client.post("/api/v1/auth/refresh", json={"refresh_token": resident.token})

    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_an_expired_token_says_so(app: Flask, client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    past = int(time.time()) - 3600
    token = jwt.encode(
        claims(app, sub=f"resident:{resident.id}", iat=past, exp=past + 60),
        app.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["code"] == "token_expired"


def forged_with_another_key(app: Flask) -> str:
    return jwt.encode(claims(app), "another key entirely, 32 bytes long!", algorithm="HS256")


def forged_alg_none(app: Flask) -> str:
    return jwt.encode(claims(app), None, algorithm="none")  # type: ignore[arg-type]


def forged_other_audience(app: Flask) -> str:
    return jwt.encode(claims(app, aud="someone-else"), app.config["JWT_SECRET_KEY"], "HS256")


def forged_other_issuer(app: Flask) -> str:
    return jwt.encode(claims(app, iss="someone-else"), app.config["JWT_SECRET_KEY"], "HS256")


def forged_without_expiry(app: Flask) -> str:
    body = claims(app)
    del body["exp"]
    return jwt.encode(body, app.config["JWT_SECRET_KEY"], "HS256")


def forged_odd_subject(app: Flask) -> str:
    return jwt.encode(claims(app, sub="root:0"), app.config["JWT_SECRET_KEY"], "HS256")


@pytest.mark.parametrize(
    "forge",
    [
        forged_with_another_key,
        forged_alg_none,
        forged_other_audience,
        forged_other_issuer,
        forged_without_expiry,
        forged_odd_subject,
        lambda app: "not.a.jwt",
    ],
)
def test_forged_tokens_are_refused(app: Flask, client: FlaskClient, forge) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/me", headers=bearer(forge(app)))

    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer  "])
def test_no_usable_authorization_header_is_unauthorized(
    client: FlaskClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}

    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("resident", "get", "/api/v1/residents"),
        ("resident", "get", "/api/v1/staff"),
        ("staff", "get", "/api/v1/me"),
        ("staff", "post", "/api/v1/centers"),
        ("manager", "post", "/api/v1/staff"),
        ("staff", "get", "/api/v1/staff"),
    ],
)
def test_roles_are_enforced(
    client: FlaskClient, make: Factory, role: str, method: str, path: str
) -> None:
    account = make.resident() if role == "resident" else make.staff(role)

    response = getattr(client, method)(path, headers=account.headers, json={})

    assert response.status_code == 403
    assert response.json["code"] == "forbidden"


def test_password_logins_are_rate_limited(build: Build) -> None:
    app = build(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    attempt = {"username": "guess", "password": "guess-guess"}

    statuses = [client.post("/api/v1/auth/login", json=attempt).status_code for _ in range(4)]
    refused = client.post("/api/v1/auth/login", json=attempt)

    assert statuses[:3] == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert refused.json["code"] == "rate_limited"


def test_rate_limiting_can_be_turned_off_for_load_tests(build: Build) -> None:
    app = build(LOGIN_RATE_LIMIT="1 per minute", RATELIMIT_ENABLED=False)
    client = app.test_client()
    attempt = {"username": "guess", "password": "guess-guess"}

    statuses = {client.post("/api/v1/auth/login", json=attempt).status_code for _ in range(3)}

    assert statuses == {401}
