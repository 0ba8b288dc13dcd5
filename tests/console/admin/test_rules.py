"""Earning rules: a manager sets their center's, a district manager the district's, as the API
then sees them; refusals in words; an admin only reads them; every change is audited."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import log_in
from tests.factories import Account


def _api_rule(
    client: FlaskClient, account: Account, center_id: int | None, activity: str
) -> dict[str, object]:
    query = {} if center_id is None else {"center_id": center_id}
    rules = client.get("/api/v1/points/rules", headers=account.headers, query_string=query).json
    return next(rule for rule in rules if rule["activity"] == activity)


def test_a_manager_sets_their_centers_rule_as_the_api_sees_it(
    app: Flask, client: FlaskClient, manager: Account, desk: Account
) -> None:
    console = log_in(app, manager)

    response = console.post(
        "/console/admin/rules",
        {
            "activity": "lecture",
            "center_id": str(desk.center_id),
            "points": "15",
            "daily_cap": "30",
            "monthly_cap": "",
        },
    )

    assert response.status_code == 200
    assert "讲座现在可得15积分" in response.get_data(as_text=True)
    assert _api_rule(client, desk, desk.center_id, "lecture") == {
        "activity": "lecture",
        "points": 15,
        "daily_cap": 30,
        "monthly_cap": None,
        "origin": "center",
        "center_id": desk.center_id,
    }
    page = console.get(f"/console/admin/rules?center_id={desk.center_id}").get_data(as_text=True)
    assert 'data-testid="rule-lecture-points">15<' in page
    assert "本中心规则" in page
    assert str(manager.username) in page  # who set it last


def test_a_district_manager_sets_the_districts_rule(
    app: Flask, client: FlaskClient, district_manager: Account, desk: Account
) -> None:
    console = log_in(app, district_manager)

    console.post("/console/admin/rules", {"activity": "screening", "center_id": "", "points": "20"})

    assert _api_rule(client, desk, desk.center_id, "screening")["points"] == 20
    assert _api_rule(client, desk, desk.center_id, "screening")["origin"] == "district"


@pytest.mark.parametrize(
    ("form", "status", "words"),
    [
        ({"center_id": ""}, 403, "只有区级管理员可以设置全区规则"),
        ({"points": "-1"}, 422, None),
        ({"points": "很多"}, 422, None),
        ({"activity": "dancing"}, 422, None),
    ],
)
def test_a_rule_the_service_refuses_is_refused_in_words(
    app: Flask,
    client: FlaskClient,
    manager: Account,
    desk: Account,
    form: dict[str, str],
    status: int,
    words: str | None,
) -> None:
    sent = {"activity": "lecture", "center_id": str(desk.center_id), "points": "15", **form}

    response = log_in(app, manager).post("/console/admin/rules", sent)

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'data-testid="result"' in html
    if words:
        assert words in html
    assert _api_rule(client, desk, desk.center_id, "lecture")["origin"] == "default"


def test_a_manager_cannot_set_another_centers_rule(
    app: Flask, client: FlaskClient, manager: Account, other_center_desk: Account
) -> None:
    response = log_in(app, manager).post(
        "/console/admin/rules",
        {"activity": "lecture", "center_id": str(other_center_desk.center_id), "points": "50"},
    )

    assert response.status_code == 403
    assert "您管理的是其他中心" in response.get_data(as_text=True)
    assert (
        _api_rule(client, other_center_desk, other_center_desk.center_id, "lecture")["points"] == 10
    )


def test_an_admin_reads_the_rules_but_has_no_form_to_set_them(app: Flask, admin: Account) -> None:
    html = log_in(app, admin).get("/console/admin/rules").get_data(as_text=True)

    assert 'data-testid="rules-table"' in html
    assert 'data-testid="set-rule"' not in html


def test_every_rule_change_is_kept_in_the_audit_log(
    app: Flask, manager: Account, admin: Account, desk: Account
) -> None:
    console = log_in(app, manager)
    for points in ("12", "14"):
        console.post(
            "/console/admin/rules",
            {"activity": "lecture", "center_id": str(desk.center_id), "points": points},
        )

    html = log_in(app, admin).get("/console/admin/audit?action=rule.set").get_data(as_text=True)

    assert f"center {desk.center_id} lecture: points=12" in html
    assert f"center {desk.center_id} lecture: points=14" in html
