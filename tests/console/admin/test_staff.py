"""Staff accounts (admin only): creating, filtering, deactivating, new passwords, roles and
centers, each as the API then sees it; a form without the CSRF token changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import log_in
from tests.factories import PASSWORD, Account, Factory

NEW_PASSWORD = "a new and longer secret"


def _api_staff(client: FlaskClient, admin: Account, staff_id: int) -> dict[str, object]:
    accounts = client.get("/api/v1/staff", headers=admin.headers).json
    return next(account for account in accounts if account["id"] == staff_id)


def _login_status(client: FlaskClient, username: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    ).status_code


def test_an_admin_creates_a_staff_account_that_can_log_in(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    console = log_in(app, admin)

    response = console.post(
        "/console/admin/staff",
        {
            "username": "wang.li",
            "display_name": "王丽",
            "role": "staff",
            "center_id": desk.center_id,
            "password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert 'data-code="done"' in response.get_data(as_text=True)
    assert "已创建账号 wang.li" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "admin-changed"
    accounts = client.get("/api/v1/staff", headers=admin.headers).json
    created = next(account for account in accounts if account["username"] == "wang.li")
    assert created == {
        "id": created["id"],
        "username": "wang.li",
        "display_name": "王丽",
        "role": "staff",
        "center_id": desk.center_id,
        "active": True,
        "email": None,
        "weekly_report": False,
    }
    assert _login_status(client, "wang.li", NEW_PASSWORD) == 200
    assert "wang.li" in console.get("/console/admin/staff").get_data(as_text=True)


def test_a_password_is_taken_as_typed(app: Flask, client: FlaskClient, admin: Account) -> None:
    log_in(app, admin).post(
        "/console/admin/staff",
        {"username": "spaced", "role": "admin", "password": "  spaces count  "},
    )

    assert _login_status(client, "spaced", "  spaces count  ") == 200


@pytest.mark.parametrize(
    ("form", "code", "words"),
    [
        ({"password": "short"}, "validation_error", "至少8个字符"),
        ({"username": "a b"}, "validation_error", None),
        ({"role": "staff", "center_id": ""}, "validation_error", None),
    ],
)
def test_a_bad_new_account_is_refused_in_words_and_not_made(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    desk: Account,
    form: dict[str, str],
    code: str,
    words: str | None,
) -> None:
    sent = {
        "username": "li.na",
        "role": "staff",
        "center_id": str(desk.center_id),
        "password": NEW_PASSWORD,
        **form,
    }

    response = log_in(app, admin).post("/console/admin/staff", sent)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-code="{code}"' in html and 'data-testid="result"' in html
    if words:
        assert words in html
    names = [
        account["username"] for account in client.get("/api/v1/staff", headers=admin.headers).json
    ]
    assert sent["username"] not in names


def test_a_taken_username_is_refused(app: Flask, admin: Account, desk: Account) -> None:
    response = log_in(app, admin).post(
        "/console/admin/staff",
        {"username": desk.username, "role": "admin", "password": NEW_PASSWORD},
    )

    assert response.status_code == 409
    assert 'data-code="conflict"' in response.get_data(as_text=True)


def test_the_list_filters_by_center_role_and_state(
    app: Flask, make: Factory, admin: Account, desk: Account, manager: Account
) -> None:
    other = make.staff("staff")
    gone = make.staff("staff", center_id=desk.center_id)
    console = log_in(app, admin)
    console.post(f"/console/admin/staff/{gone.id}/active", {"active": "false"})

    def listed(query: str) -> set[int]:
        html = console.get(f"/console/admin/staff?{query}").get_data(as_text=True)
        return {
            account.id
            for account in (desk, manager, other, gone, admin)
            if f'data-testid="staff-{account.id}"' in html
        }

    assert listed(f"center_id={desk.center_id}") == {desk.id, manager.id, gone.id}
    assert listed(f"center_id={desk.center_id}&role=staff&active=true") == {desk.id}
    assert listed("active=false") == {gone.id}
    assert listed("role=admin&center_id=") == {admin.id}


def test_deactivating_ends_the_console_session_and_tokens_at_once_and_reactivating_lets_back_in(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    clerk = log_in(app, desk)
    assert clerk.get("/console/desk").status_code == 200
    console = log_in(app, admin)

    response = console.post(f"/console/admin/staff/{desk.id}/active", {"active": "false"})

    assert response.status_code == 200
    assert "账号已停用" in response.get_data(as_text=True)
    bounced = clerk.get("/console/desk")
    assert bounced.status_code == 302 and bounced.headers["Location"].startswith("/console/")
    assert client.get("/api/v1/me", headers=desk.headers).status_code == 401
    assert client.get("/api/v1/residents", headers=desk.headers).json["code"] == "token_revoked"
    assert _api_staff(client, admin, desk.id)["active"] is False
    assert _login_status(client, str(desk.username), PASSWORD) == 401

    console.post(f"/console/admin/staff/{desk.id}/active", {"active": "true"})

    assert _api_staff(client, admin, desk.id)["active"] is True
    assert log_in(app, desk).get("/console/desk").status_code == 200


def test_a_new_password_ends_their_logins_and_a_weak_one_is_refused(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    clerk = log_in(app, desk)
    console = log_in(app, admin)

    weak = console.post(f"/console/admin/staff/{desk.id}/password", {"password": "1234567"})

    assert weak.status_code == 422
    assert "至少8个字符" in weak.get_data(as_text=True)
    assert clerk.get("/console/desk").status_code == 200

    done = console.post(f"/console/admin/staff/{desk.id}/password", {"password": NEW_PASSWORD})

    assert done.status_code == 200
    assert clerk.get("/console/desk").status_code == 302
    assert _login_status(client, str(desk.username), PASSWORD) == 401
    assert _login_status(client, str(desk.username), NEW_PASSWORD) == 200


def test_a_new_role_and_center_as_the_api_sees_them(
    app: Flask, client: FlaskClient, make: Factory, admin: Account, desk: Account
) -> None:
    elsewhere = make.center()
    console = log_in(app, admin)

    console.post(f"/console/admin/staff/{desk.id}", {"role": "manager", "center_id": elsewhere})

    account = _api_staff(client, admin, desk.id)
    assert (account["role"], account["center_id"]) == ("manager", elsewhere)

    console.post(f"/console/admin/staff/{desk.id}", {"role": "manager", "center_id": ""})

    assert _api_staff(client, admin, desk.id)["center_id"] is None


def test_desk_staff_without_a_center_is_refused_in_words(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    response = log_in(app, admin).post(
        f"/console/admin/staff/{desk.id}", {"role": "staff", "center_id": ""}
    )

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)
    assert _api_staff(client, admin, desk.id)["center_id"] == desk.center_id


def test_an_admin_cannot_deactivate_themselves(app: Flask, admin: Account) -> None:
    console = log_in(app, admin)

    response = console.post(f"/console/admin/staff/{admin.id}/active", {"active": "false"})

    assert response.status_code == 409
    assert "管理员不能降低自己的权限或停用自己的账号" in response.get_data(as_text=True)
    assert console.get("/console/admin/staff").status_code == 200


def test_no_such_account_is_404(app: Flask, admin: Account) -> None:
    console = log_in(app, admin)

    assert console.get("/console/admin/staff/999999").status_code == 404
    assert (
        console.post("/console/admin/staff/999999/active", {"active": "false"}).status_code == 404
    )


def test_the_account_page_offers_each_change(app: Flask, admin: Account, desk: Account) -> None:
    html = log_in(app, admin).get(f"/console/admin/staff/{desk.id}").get_data(as_text=True)

    assert 'data-testid="deactivate"' in html
    assert 'data-testid="reset-password"' in html and 'data-testid="change-staff"' in html


# -- CSRF ------------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    console = log_in(app, admin)

    response = console.post(
        f"/console/admin/staff/{desk.id}/active", {"active": "false"}, csrf=False
    )

    assert response.status_code == 400
    assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    assert _api_staff(client, admin, desk.id)["active"] is True
