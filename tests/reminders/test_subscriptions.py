"""A resident's grants: recorded, added up to a bound, shown per template, withdrawn."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account, Factory

PATH = "/api/v1/me/subscriptions"


def held(client: FlaskClient, resident: Account) -> dict[str, Any]:
    response = client.get(PATH, headers=resident.headers)
    assert response.status_code == 200
    return {item["template"]: item for item in response.json["items"]}


def test_grants_add_up_per_template(app: Flask, client: FlaskClient, make: Factory) -> None:
    app.config["WECHAT_TEMPLATE_POINTS_EXPIRING"] = "tpl-points"
    resident = make.resident()

    first = client.post(PATH, json={"template": "points_expiring"}, headers=resident.headers)
    second = client.post(
        PATH, json={"template": "points_expiring", "count": 3}, headers=resident.headers
    )

    assert first.json == {
        "template": "points_expiring",
        "remaining": 1,
        "template_id": "tpl-points",
    }
    assert second.json["remaining"] == 4
    mine = held(client, resident)
    assert set(mine) == {"event_reminder", "followup_due", "points_expiring", "pickup_expiring"}
    assert mine["points_expiring"]["remaining"] == 4
    assert mine["followup_due"] == {"template": "followup_due", "remaining": 0, "template_id": None}
    assert held(client, make.resident())["points_expiring"]["remaining"] == 0


def test_grants_held_are_bounded(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    for _ in range(6):
        client.post(PATH, json={"template": "followup_due", "count": 10}, headers=resident.headers)

    assert held(client, resident)["followup_due"]["remaining"] == 50


def test_withdrawing_takes_every_grant_of_the_template(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    client.post(PATH, json={"template": "followup_due", "count": 2}, headers=resident.headers)
    client.post(PATH, json={"template": "event_reminder"}, headers=resident.headers)

    response = client.delete(f"{PATH}/followup_due", headers=resident.headers)

    assert response.status_code == 204
    mine = held(client, resident)
    assert mine["followup_due"]["remaining"] == 0
    assert mine["event_reminder"]["remaining"] == 1


def test_unknown_templates_and_counts_are_refused(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()

    unknown = client.post(PATH, json={"template": "birthday"}, headers=resident.headers)
    too_many = client.post(
        PATH, json={"template": "followup_due", "count": 11}, headers=resident.headers
    )
    none = client.post(
        PATH, json={"template": "followup_due", "count": 0}, headers=resident.headers
    )
    gone = client.delete(f"{PATH}/birthday", headers=resident.headers)

    assert (unknown.status_code, unknown.json["code"]) == (422, "validation_error")
    assert too_many.status_code == none.status_code == 422
    assert (gone.status_code, gone.json["code"]) == (404, "not_found")
