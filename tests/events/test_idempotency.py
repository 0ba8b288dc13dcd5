"""`Idempotency-Key` on check-ins and annulments: a retry replays, another body is refused."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from core.idempotency import IdempotencyKey
from events.models import Checkin
from points import ledger
from tests.factories import Account, Factory


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": key}


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)))


def static_token(client: FlaskClient, desk: Account, event_id: int) -> str:
    response = client.get(f"/api/v1/events/{event_id}/qr?mode=static", headers=desk.headers)
    return str(response.json["token"])


def test_a_retried_self_check_in_replays_the_first_answer(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    other_event = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    body = {"token": static_token(client, desk, event_id)}
    headers = keyed(resident, "scan-0001")

    first = client.post("/api/v1/checkins", headers=headers, json=body)
    retry = client.post("/api/v1/checkins", headers=headers, json=body)
    reused = client.post(
        "/api/v1/checkins",
        headers=headers,
        json={"token": static_token(client, desk, other_event)},
    )

    assert first.status_code == 201
    assert (retry.status_code, retry.json) == (201, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (reused.status_code, reused.json["code"]) == (409, "idempotency_key_reused")
    assert count(app, Checkin) == 1
    with app.app_context():
        assert ledger.balance_of(resident.id) == (10, 0)


def test_a_retried_desk_check_in_replays_the_first_answer(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    other = make.resident(desk.center_id)
    url = f"/api/v1/events/{event_id}/checkins"
    headers = keyed(desk, "desk-0001")

    first = client.post(url, headers=headers, json={"resident_id": resident.id})
    retry = client.post(url, headers=headers, json={"resident_id": resident.id})
    reused = client.post(url, headers=headers, json={"resident_id": other.id})

    assert first.status_code == 201
    assert (retry.status_code, retry.json) == (201, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (reused.status_code, reused.json["code"]) == (409, "idempotency_key_reused")
    assert count(app, Checkin) == 1


def test_a_retried_annulment_replays_the_first_answer(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident = make.resident(desk.center_id)
    checkin_id = make.checkin(make.event(desk.center_id), resident.id)
    url = f"/api/v1/checkins/{checkin_id}/annul"
    headers = keyed(desk, "annul-0001")

    first = client.post(url, headers=headers, json={"reason": "代签错人"})
    retry = client.post(url, headers=headers, json={"reason": "代签错人"})
    reused = client.post(url, headers=headers, json={"reason": "另一个原因"})
    unkeyed = client.post(url, headers=desk.headers, json={"reason": "代签错人"})

    assert first.status_code == 200
    assert (retry.status_code, retry.json) == (200, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (reused.status_code, reused.json["code"]) == (409, "idempotency_key_reused")
    assert (unkeyed.status_code, unkeyed.json["code"]) == (409, "conflict")
    with app.app_context():
        assert ledger.balance_of(resident.id) == (0, 0)


def test_a_refused_check_in_keeps_no_key_so_its_retry_runs_afresh(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)
    url = f"/api/v1/events/{event_id}/checkins"
    headers = keyed(desk, "desk-0002")
    client.post(f"/api/v1/events/{event_id}/cancel", headers=desk.headers)

    first = client.post(url, headers=headers, json={"resident_id": resident.id})
    retry = client.post(url, headers=headers, json={"resident_id": resident.id})

    assert (first.status_code, first.json["code"]) == (409, "event_cancelled")
    assert (retry.status_code, retry.json["code"]) == (409, "event_cancelled")
    assert "Idempotent-Replayed" not in retry.headers


def test_a_check_in_without_a_key_claims_nothing(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id)

    scanned = client.post(
        "/api/v1/checkins",
        headers=resident.headers,
        json={"token": static_token(client, desk, event_id)},
    )

    assert scanned.status_code == 201
    assert count(app, IdempotencyKey) == 0


def test_the_key_is_documented_on_each_endpoint(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").json["paths"]

    for path in (
        "/api/v1/checkins",
        "/api/v1/events/{event_id}/checkins",
        "/api/v1/checkins/{checkin_id}/annul",
        "/api/v1/imports",
        "/api/v1/imports/{batch_id}/confirm",
        "/api/v1/imports/{batch_id}/undo",
    ):
        parameters = paths[path]["post"].get("parameters", [])
        assert "Idempotency-Key" in [p["name"] for p in parameters], path
