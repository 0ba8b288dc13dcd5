"""Staff set their own e-mail and ask for the weekly report (managers); an admin may set
anyone's e-mail. The audit says an e-mail changed, never what it is."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account
from tests.identity.test_staff_accounts import audit


def me(client: FlaskClient, who: Account, **sent: object):  # type: ignore[no-untyped-def]
    return client.put("/api/v1/auth/me", headers=who.headers, json=sent)


def test_a_manager_asks_for_the_weekly_report_by_mail(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    response = me(client, manager, email="dong@example.cn", weekly_report=True)

    assert response.status_code == 200, response.json
    assert (response.json["email"], response.json["weekly_report"]) == ("dong@example.cn", True)
    shown = client.get("/api/v1/auth/me", headers=manager.headers).json
    assert (shown["id"], shown["email"], shown["weekly_report"]) == (
        manager.id,
        "dong@example.cn",
        True,
    )
    (row,) = audit(app, "staff.update")
    assert (row.actor_id, row.staff_id) == (manager.id, manager.id)
    assert "email: changed" in row.detail and "dong@example.cn" not in row.detail

    withdrawn = me(client, manager, weekly_report=False)
    assert (withdrawn.json["email"], withdrawn.json["weekly_report"]) == ("dong@example.cn", False)


@pytest.mark.parametrize(
    ("who", "sent", "field"),
    [
        ("manager", {"weekly_report": True}, "weekly_report"),  # no e-mail to send it to
        ("desk", {"email": "desk@example.cn", "weekly_report": True}, "weekly_report"),
        ("manager", {"email": "not an address"}, "email"),
        ("manager", {"email": "x" * 250 + "@a.cn"}, "email"),
    ],
)
def test_impossible_settings_are_refused(
    request: pytest.FixtureRequest,
    client: FlaskClient,
    who: str,
    sent: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    account: Account = request.getfixturevalue(who)

    response = me(client, account, **sent)

    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert field in response.json["errors"]
    assert client.get("/api/v1/auth/me", headers=account.headers).json["weekly_report"] is False


def test_an_admin_sets_an_email_and_clearing_it_stops_the_report(
    app: Flask, client: FlaskClient, admin: Account, manager: Account
) -> None:
    set_ = client.patch(
        f"/api/v1/staff/{manager.id}", headers=admin.headers, json={"email": "a@example.cn"}
    )
    assert (set_.status_code, set_.json["email"]) == (200, "a@example.cn")
    assert me(client, manager, weekly_report=True).status_code == 200

    cleared = client.patch(
        f"/api/v1/staff/{manager.id}", headers=admin.headers, json={"email": None}
    )

    assert cleared.status_code == 200
    assert (cleared.json["email"], cleared.json["weekly_report"]) == (None, False)
    assert [row.detail for row in audit(app, "staff.update")][-1] == "email: changed"
