"""Logging in to the console: the cookie session, CSRF, logout, revocation and idling out."""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import select

from core.db import db
from identity import staff_accounts
from identity.models import RefreshToken
from tests.consoles import csrf_token, log_in
from tests.factories import PASSWORD, Account, Factory


def test_the_login_form_is_in_chinese_with_the_contract_inputs(app: Flask) -> None:
    page = app.test_client().get("/console/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "登录" in html


def test_english_is_chosen_per_browser(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/console/"))

    client.post("/console/language", data={"language": "en", "csrf_token": token})

    html = client.get("/console/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_logging_in_sets_a_protected_session_cookie_and_lands_on_the_desk(
    app: Flask, desk: Account
) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/console/"))

    response = client.post(
        "/console/",
        data={"username": desk.username, "password": "correct horse battery", "csrf_token": token},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/console/desk"
    cookie = next(value for name, value in response.headers.items() if name == "Set-Cookie").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/console/desk").status_code == 200


def test_a_wrong_password_is_refused_in_words(app: Flask, desk: Account) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/console/"))

    response = client.post(
        "/console/", data={"username": desk.username, "password": "nope", "csrf_token": token}
    )

    assert response.status_code == 401
    assert 'data-testid="result"' in response.get_data(as_text=True)
    assert client.get("/console/desk").status_code == 302


def test_a_page_without_a_login_sends_to_the_login_form(app: Flask) -> None:
    response = app.test_client().get("/console/desk")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/?next=/console/desk")


def test_an_htmx_request_without_a_login_is_sent_to_the_login_form(app: Flask) -> None:
    response = app.test_client().get("/console/desk", headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/console/")


def test_a_form_without_the_csrf_token_is_refused(app: Flask, desk: Account) -> None:
    console = log_in(app, desk)

    response = console.client.post("/console/logout")

    assert response.status_code == 400
    assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    assert console.get("/console/desk").status_code == 200  # still logged in


def test_the_login_form_itself_needs_the_csrf_token(app: Flask, desk: Account) -> None:
    client = app.test_client()

    response = client.post(
        "/console/", data={"username": desk.username, "password": "correct horse battery"}
    )

    assert response.status_code == 400
    assert client.get("/console/desk").status_code == 302


def test_after_logging_out_the_old_cookie_opens_nothing(app: Flask, desk: Account) -> None:
    console = log_in(app, desk)
    stolen = console.client.get_cookie("hp_console")
    assert stolen is not None

    assert console.post("/console/logout", htmx=False).status_code == 302

    thief = app.test_client()
    thief.set_cookie("hp_console", stolen.value)
    assert thief.get("/console/desk").status_code == 302


def test_a_deactivated_account_is_logged_out_at_its_next_request(
    app: Flask, desk: Account, admin: Account
) -> None:
    console = log_in(app, desk)
    with app.app_context():
        staff_accounts.update_staff(admin.principal, desk.id, {"active": False})
        db.session.commit()

    assert console.get("/console/desk").status_code == 302


def test_a_session_left_idle_past_the_limit_has_ended(build, make: Factory) -> None:
    app = build(CONSOLE_IDLE_MINUTES=0.01)  # under a second
    desk = Factory(app).staff("staff")
    console = log_in(app, desk)

    time.sleep(1.2)

    assert console.get("/console/desk", headers={"HX-Request": "true"}).status_code == 401
    with app.app_context():  # the login record is ended though the request was refused
        browser_login = select(RefreshToken.revoked_at).where(
            RefreshToken.staff_id == desk.id, RefreshToken.jti == RefreshToken.family
        )
        assert db.session.scalars(browser_login).one() is not None
    assert console.get("/console/desk").status_code == 302


def test_next_never_leads_off_the_console(app: Flask, desk: Account) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/console/"))
    for target in ("https://evil.example/", "//evil.example/console/", "/api/v1/me"):
        response = client.post(
            "/console/",
            data={
                "username": desk.username,
                "password": "correct horse battery",
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.headers["Location"] == "/console/desk", target
        token = csrf_token(client.get("/console/desk"))


def test_the_cookie_is_secure_in_production(build) -> None:
    app = build(
        APP_ENV="production",
        SECRET_KEY="s" * 40,
        JWT_SECRET_KEY="j" * 40,
        QR_SECRET_KEY="q" * 40,
        PUBLIC_BASE_URL="https://points.example.cn",
    )

    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_assets_are_served_by_the_app(app: Flask) -> None:
    client = app.test_client()
    for path in (
        "/console/static/vendor/htmx-2.0.11.min.js",
        "/console/static/vendor/echarts-5.6.0.common.min.js",
        "/console/static/console.js",
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path


def test_each_role_lands_on_its_own_area(
    app: Flask, desk: Account, manager: Account, district_manager: Account, admin: Account
) -> None:
    landings = [
        (desk, "/console/desk"),
        (manager, "/console/dashboard"),
        (district_manager, "/console/dashboard"),
        (admin, "/console/admin"),
    ]
    for account, page in landings:
        client = app.test_client()
        token = csrf_token(client.get("/console/"))
        response = client.post(
            "/console/",
            data={"username": account.username, "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == page, account.role
