"""Gifts at the desk: points and stock go down together, or nothing is written."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalog.models import Redemption, StockMovement
from core.db import db
from points import ledger
from tests.factories import Account, Factory


def gift(
    client: FlaskClient, manager: Account, stock: int, cost: int = 30, **fields: object
) -> int:
    item = client.post(
        "/api/v1/catalog/items",
        headers=manager.headers,
        json={"name": f"腰围尺{cost}-{stock}-{len(fields)}", "points_cost": cost, **fields},
    )
    assert item.status_code == 201, item.json
    if stock:
        moved = client.post(
            f"/api/v1/catalog/items/{item.json['id']}/stock",
            headers=manager.headers,
            json={"center_id": manager.center_id, "delta": stock, "reason": "received"},
        )
        assert moved.status_code == 200, moved.json
    return int(item.json["id"])


def redeem(client: FlaskClient, desk: Account, resident_id: int, item_id: int, **extra: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"resident_id": resident_id, "item_id": item_id, **extra},
    )


def stock_at(client: FlaskClient, account: Account, item_id: int, center_id: int) -> int:
    url = f"/api/v1/catalog/items?center_id={center_id}&limit=100"
    items = client.get(url, headers=account.headers).json["items"]
    return next(i["stock"] for i in items if i["id"] == item_id)


def test_the_desk_hands_over_a_gift_for_points(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5, cost=30)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    code = client.get("/api/v1/me/member-code", headers=resident.headers).json["code"]

    response = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"member_code": code, "item_id": item_id, "quantity": 2},
    )

    assert response.status_code == 201
    body = response.json
    assert (body["status"], body["points_spent"], body["balance"]) == ("fulfilled", 60, 40)
    assert body["staff_id"] == desk.id
    assert stock_at(client, desk, item_id, desk.center_id) == 3
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    assert (ledger[0]["kind"], ledger[0]["delta"]) == ("redeem", -60)
    assert ledger[0]["reason"].startswith("兑换腰围尺")
    own = client.get(f"/api/v1/redemptions/{body['id']}", headers=resident.headers)
    assert own.status_code == 200


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"points": 10}, "insufficient_points"),
        ({"stock": 0}, "out_of_stock"),
        ({"active": False}, "item_inactive"),
        ({"limit_quantity": 1, "limit_period": "year", "before": 1}, "limit_reached"),
    ],
)
def test_every_refusal_has_its_code_and_writes_nothing(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    setup: dict,
    code: str,
) -> None:
    fields = {k: setup[k] for k in ("active", "limit_quantity", "limit_period") if k in setup}
    item_id = gift(client, manager, stock=setup.get("stock", 5), cost=30, **fields)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, setup.get("points", 100))
    for _ in range(setup.get("before", 0)):
        assert redeem(client, desk, resident.id, item_id).status_code == 201
    with app.app_context():
        before = (
            ledger.balance_of(resident.id),
            db.session.scalar(select(func.count(StockMovement.id))),
            db.session.scalar(select(func.count(Redemption.id))),
        )

    preview = client.post(
        "/api/v1/redemptions/preview",
        headers=desk.headers,
        json={"resident_id": resident.id, "item_id": item_id},
    )
    response = redeem(client, desk, resident.id, item_id)

    assert (preview.status_code, preview.json["ok"], preview.json["refusal"]) == (200, False, code)
    assert (response.status_code, response.json["code"]) == (409, code)
    with app.app_context():
        after = (
            ledger.balance_of(resident.id),
            db.session.scalar(select(func.count(StockMovement.id))),
            db.session.scalar(select(func.count(Redemption.id))),
        )
    assert after == before


def test_a_preview_that_would_succeed_says_so_and_writes_nothing(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2, cost=30)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    preview = client.post(
        "/api/v1/redemptions/preview",
        headers=desk.headers,
        json={"resident_id": resident.id, "item_id": item_id},
    ).json

    assert (preview["ok"], preview["balance_after"], preview["stock"]) == (True, 70, 2)
    with app.app_context():
        assert ledger.balance_of(resident.id) == (100, 0)


def test_a_retried_redemption_with_its_key_hands_over_one_gift(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    headers = {**desk.headers, "Idempotency-Key": "desk1-000123"}
    body = {"resident_id": resident.id, "item_id": item_id}

    first = client.post("/api/v1/redemptions", headers=headers, json=body)
    retry = client.post("/api/v1/redemptions", headers=headers, json=body)

    assert retry.json == first.json
    assert stock_at(client, desk, item_id, desk.center_id) == 4
    with app.app_context():
        assert ledger.balance_of(resident.id) == (70, 0)


def test_cancelling_gives_points_and_stock_back_once(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 30)
    redemption = redeem(client, desk, resident.id, item_id).json
    url = f"/api/v1/redemptions/{redemption['id']}/cancel"

    cancelled = client.post(url, headers=desk.headers, json={"reason": "尺寸不合适，退回"})
    again = client.post(url, headers=desk.headers, json={"reason": "再退一次"})

    assert (cancelled.status_code, cancelled.json["status"]) == (200, "cancelled")
    assert cancelled.json["cancelled_by_id"] == desk.id
    assert (again.status_code, again.json["code"]) == (409, "conflict")
    assert stock_at(client, desk, item_id, desk.center_id) == 1
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]
    assert [(e["kind"], e["delta"]) for e in ledger[:2]] == [("refund", 30), ("redeem", -30)]


def test_residents_see_what_they_can_have(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    cheap = gift(client, manager, stock=3, cost=20)
    dear = gift(client, manager, stock=3, cost=200)
    hidden = gift(client, manager, stock=3, cost=10, active=False)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)

    items = client.get("/api/v1/catalog/items", headers=resident.headers).json["items"]

    by_id = {i["id"]: i for i in items}
    assert hidden not in by_id
    assert (by_id[cheap]["affordable"], by_id[cheap]["stock"]) == (True, 3)
    assert by_id[dear]["affordable"] is False
    assert by_id[cheap]["within_limit"] is True


def test_stock_never_goes_below_zero_by_hand(
    client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2)

    response = client.post(
        f"/api/v1/catalog/items/{item_id}/stock",
        headers=desk.headers,
        json={"center_id": desk.center_id, "delta": -3, "reason": "damaged"},
    )

    assert (response.status_code, response.json["code"]) == (409, "out_of_stock")


def test_only_managers_change_the_catalog(client: FlaskClient, desk: Account) -> None:
    response = client.post(
        "/api/v1/catalog/items", headers=desk.headers, json={"name": "体重秤", "points_cost": 300}
    )

    assert (response.status_code, response.json["code"]) == (403, "forbidden")


def test_twenty_desks_racing_for_the_last_unit_hand_over_one(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=10)
    residents = [make.resident(desk.center_id) for _ in range(20)]
    for resident in residents:
        make.credit(resident.id, 10)

    outcomes = _race(racing_app, desk, [(r.id, item_id) for r in residents])

    # Every loser is told why: the stock guard, not a database constraint's bare conflict.
    assert sorted(outcomes) == [(201, None)] + [(409, "out_of_stock")] * 19
    assert stock_at(client, desk, item_id, desk.center_id) == 0


def test_one_resident_with_points_for_three_gets_exactly_three(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=20, cost=10)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 30)

    outcomes = _race(racing_app, desk, [(resident.id, item_id)] * 10)

    assert sorted(outcomes) == [(201, None)] * 3 + [(409, "insufficient_points")] * 7
    assert stock_at(client, desk, item_id, desk.center_id) == 17
    with racing_app.app_context():
        assert ledger.balance_of(resident.id) == (0, 0)


def _race(app: Flask, desk: Account, orders: list[tuple[int, int]]) -> list[tuple[int, str | None]]:
    """Each desk's status and problem code (None when it succeeded)."""
    barrier = threading.Barrier(len(orders))

    def one(order: tuple[int, int]) -> tuple[int, str | None]:
        client = app.test_client()
        barrier.wait()
        response = redeem(client, desk, order[0], order[1])
        return response.status_code, response.json.get(
            "code"
        ) if response.status_code >= 400 else None

    with ThreadPoolExecutor(max_workers=len(orders)) as pool:
        return list(pool.map(one, orders))
