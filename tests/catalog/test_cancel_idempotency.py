"""`Idempotency-Key` on taking a gift back: a retry replays, another body is refused."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from points import ledger
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory


def test_a_retried_cancel_replays_the_first_answer_and_refunds_once(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 30)
    redemption = redeem(client, desk, resident.id, item_id).json
    url = f"/api/v1/redemptions/{redemption['id']}/cancel"
    headers = {**desk.headers, "Idempotency-Key": "return-0001"}

    first = client.post(url, headers=headers, json={"reason": "尺寸不合适，退回"})
    retry = client.post(url, headers=headers, json={"reason": "尺寸不合适，退回"})
    reused = client.post(url, headers=headers, json={"reason": "另一个原因"})

    assert (first.status_code, first.json["status"]) == (200, "cancelled")
    assert (retry.status_code, retry.json) == (200, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (reused.status_code, reused.json["code"]) == (409, "idempotency_key_reused")
    with app.app_context():
        assert ledger.balance_of(resident.id) == (30, 0)
