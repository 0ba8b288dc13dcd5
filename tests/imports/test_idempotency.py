"""Imports and undos move points: a retry with the same Idempotency-Key replays the answer."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account, Factory
from tests.imports.conftest import BALANCES, RESIDENTS, batch, csv_bytes

BOOKLET = [BALANCES, ["张明", "13900001111", "35", ""]]


def post(client: FlaskClient, manager: Account, content: bytes, key: str) -> Any:
    return client.post(
        "/api/v1/imports",
        headers={**manager.headers, "Idempotency-Key": key},
        data={"kind": "balances", "dry_run": "false", "file": (io.BytesIO(content), "积分.csv")},
        content_type="multipart/form-data",
    )


def test_an_import_sent_twice_with_its_key_credits_once(
    client: FlaskClient, manager: Account, make: Factory
) -> None:
    zhang = make.resident(manager.center_id, name="张明", phone="13900001111")

    first = post(client, manager, csv_bytes(BOOKLET), "booklets-1")
    again = post(client, manager, csv_bytes(BOOKLET), "booklets-1")
    other = post(
        client, manager, csv_bytes([*BOOKLET, ["张明", "13900001111", "5", ""]]), "booklets-1"
    )

    assert (first.status_code, first.json["status"]) == (201, "running")
    assert (again.status_code, again.json, again.headers["Idempotent-Replayed"]) == (
        201,
        first.json,
        "true",
    )
    assert (other.status_code, other.json["code"]) == (409, "idempotency_key_reused")
    listed = client.get("/api/v1/imports", headers=manager.headers).json["items"]
    assert [item["id"] for item in listed] == [first.json["id"]]
    assert client.get("/api/v1/me", headers=zhang.headers).json["balance"] == 35


def test_an_undo_sent_twice_with_its_key_answers_alike(
    client: FlaskClient, manager: Account, make: Factory
) -> None:
    make.resident(manager.center_id, name="张明", phone="13900001111")
    sent = post(client, manager, csv_bytes(BOOKLET), "booklets-2").json
    headers = {**manager.headers, "Idempotency-Key": "undo-2"}

    first = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=headers)
    again = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert batch(client, manager, sent["id"])["status"] == "undone"


def test_a_file_past_a_requests_usual_size_is_taken_with_a_key(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    register = [RESIDENTS] + [[f"居民{n}", f"138{n:08d}", "", ""] for n in range(3000)]
    content = csv_bytes(register)
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]

    sent = client.post(
        "/api/v1/imports",
        headers={**manager.headers, "Idempotency-Key": "register-1"},
        data={"kind": "residents", "dry_run": "true", "file": (io.BytesIO(content), "名单.csv")},
        content_type="multipart/form-data",
    )

    assert sent.status_code == 201, sent.json
    assert sent.json["rows"] == 3000
