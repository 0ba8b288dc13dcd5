"""Reserve in the mini-program, pick up at the desk with a code; lapses release once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalog import reservations
from catalog.models import Redemption
from core.db import db
from points import ledger
from tests.catalog.test_redemption import gift, stock_at
from tests.conftest import Build
from tests.factories import Account, Factory

PREVIEW, PICKUP = "/api/v1/redemptions/pickup/preview", "/api/v1/redemptions/pickup"


def reserve(client: FlaskClient, resident: Account, item_id: int, center_id: int):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": center_id},
    )


def lapse(app: Flask, reservation_id: int) -> None:
    with app.app_context():
        db.session.get(Redemption, reservation_id).expires_at = datetime.now(UTC) - timedelta(
            minutes=1
        )
        db.session.commit()


def test_a_reservation_holds_points_and_stock_until_pickup(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    reserved = reserve(client, resident, item_id, desk.center_id)
    me = client.get("/api/v1/me", headers=resident.headers).json
    code = reserved.json["pickup_code"]
    preview = client.post(
        "/api/v1/redemptions/pickup/preview", headers=desk.headers, json={"pickup_code": code}
    )
    picked = client.post(
        "/api/v1/redemptions/pickup", headers=desk.headers, json={"pickup_code": code}
    )
    again = client.post(
        "/api/v1/redemptions/pickup", headers=desk.headers, json={"pickup_code": code}
    )

    assert reserved.status_code == 201
    assert reserved.json["status"] == "reserved" and len(code) == 8 and code.isdigit()
    assert reserved.json["pickup_qr_svg"].startswith("<?xml")
    assert (me["balance"], me["reserved"]) == (100, 40)
    assert preview.json["id"] == reserved.json["id"]
    assert (picked.status_code, picked.json["status"], picked.json["balance"]) == (
        200,
        "fulfilled",
        60,
    )
    assert (again.status_code, again.json["code"]) == (404, "not_found")
    assert stock_at(client, desk, item_id, desk.center_id) == 1
    with app.app_context():
        stored = db.session.get(Redemption, reserved.json["id"]).pickup_code_hash
        assert stored != code and code not in stored


def test_held_stock_and_points_cannot_go_to_someone_else(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    first, second = make.resident(desk.center_id), make.resident(desk.center_id)
    make.credit(first.id, 50)
    make.credit(second.id, 50)

    reserve(client, first, item_id, desk.center_id)
    desk_sale = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"resident_id": second.id, "item_id": item_id},
    )
    spend_held = client.post(
        f"/api/v1/residents/{first.id}/adjustments",
        headers=manager.headers,
        json={"points": -20, "reason": "更正"},
    )

    assert (desk_sale.status_code, desk_sale.json["code"]) == (409, "out_of_stock")
    assert (spend_held.status_code, spend_held.json["code"]) == (409, "insufficient_points")


def test_the_resident_cancels_before_pickup(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)
    reservation = reserve(client, resident, item_id, desk.center_id).json

    cancelled = client.post(
        f"/api/v1/redemptions/{reservation['id']}/cancel",
        headers=resident.headers,
        json={"reason": "不需要了"},
    )

    assert cancelled.json["status"] == "cancelled"
    me = client.get("/api/v1/me", headers=resident.headers).json
    assert (me["balance"], me["reserved"]) == (50, 0)
    assert stock_at(client, desk, item_id, desk.center_id) == 1


def test_a_lapsed_reservation_releases_once_by_the_job_or_when_read(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2, cost=40)
    by_job, by_read = make.resident(desk.center_id), make.resident(desk.center_id)
    for resident in (by_job, by_read):
        make.credit(resident.id, 50)
    first = reserve(client, by_job, item_id, desk.center_id).json
    second = reserve(client, by_read, item_id, desk.center_id).json
    lapse(app, first["id"])
    lapse(app, second["id"])
    runner = app.test_cli_runner()

    ran = runner.invoke(args=["catalog", "expire-reservations"])
    ran_again = runner.invoke(args=["catalog", "expire-reservations"])
    read = client.get(f"/api/v1/redemptions/{second['id']}", headers=by_read.headers)

    assert "Released 2 lapsed reservation(s)." in ran.output
    assert "Released 0" in ran_again.output
    assert read.json["status"] == "expired"
    assert stock_at(client, desk, item_id, desk.center_id) == 2
    with app.app_context():
        assert ledger.balance_of(by_job.id) == (50, 0)


def test_a_lapsed_reservation_is_not_handed_over(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)
    reservation = reserve(client, resident, item_id, desk.center_id).json
    lapse(app, reservation["id"])

    response = client.post(
        "/api/v1/redemptions/pickup",
        headers=desk.headers,
        json={"pickup_code": reservation["pickup_code"]},
    )

    assert (response.status_code, response.json["code"]) == (404, "not_found")
    app.test_cli_runner().invoke(args=["catalog", "expire-reservations"])
    with app.app_context():
        assert ledger.balance_of(resident.id) == (50, 0)


def test_wrong_pickup_codes_are_rate_limited(
    build: Build, make: Factory, desk: Account, app: Flask
) -> None:
    limited = build(PICKUP_RATE_LIMIT="3 per minute")
    client = limited.test_client()

    statuses = [
        client.post(
            "/api/v1/redemptions/pickup", headers=desk.headers, json={"pickup_code": "12345678"}
        ).status_code
        for _ in range(4)
    ]

    assert statuses == [404, 404, 404, 429]


def wrong_code(client: FlaskClient, desk: Account, path: str) -> int:
    response = client.post(path, headers=desk.headers, json={"pickup_code": "12345678"})
    return response.status_code


def test_checking_and_handing_over_share_one_budget_of_wrong_codes(
    build: Build, desk: Account, app: Flask
) -> None:
    client = build(PICKUP_RATE_LIMIT="3 per minute").test_client()

    spent = [wrong_code(client, desk, path) for path in (PREVIEW, PICKUP, PREVIEW)]
    refused = client.post(PICKUP, headers=desk.headers, json={"pickup_code": "12345678"})

    assert spent == [404, 404, 404]
    assert refused.status_code == 429
    assert refused.json["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert wrong_code(client, desk, PREVIEW) == 429


def test_the_budget_of_wrong_codes_is_shared_by_every_worker(
    build: Build, desk: Account, shared_limits: dict[str, object]
) -> None:
    config = {"PICKUP_RATE_LIMIT": "3 per minute", **shared_limits}
    first_worker = build(**config).test_client()
    spent = [wrong_code(first_worker, desk, PREVIEW) for _ in range(3)]

    other_worker = build(**config).test_client()

    assert spent == [404, 404, 404]
    assert wrong_code(other_worker, desk, PICKUP) == 429


def test_a_right_code_spends_nothing_from_the_budget(
    build: Build, make: Factory, desk: Account, manager: Account, app: Flask
) -> None:
    client = build(PICKUP_RATE_LIMIT="2 per minute").test_client()
    item_id = gift(client, manager, stock=1, cost=10)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    code = reserve(client, resident, item_id, desk.center_id).json["pickup_code"]

    checks = [
        client.post(PREVIEW, headers=desk.headers, json={"pickup_code": code}).status_code
        for _ in range(3)
    ]

    assert checks == [200, 200, 200]


def test_the_expiry_job_and_a_pickup_racing_settle_once(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=40)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 50)
    reservation = reserve(client, resident, item_id, desk.center_id).json
    barrier = threading.Barrier(3)
    # Due for the job, not yet for the desk's clock: the two decide on the same row.
    job_time = datetime.now(UTC) + timedelta(days=30)

    def job() -> int:
        with racing_app.app_context():
            barrier.wait()
            released = reservations.expire_due(job_time)
            db.session.commit()
            return released

    def pick() -> int:
        web = racing_app.test_client()
        barrier.wait()
        return web.post(
            "/api/v1/redemptions/pickup",
            headers=desk.headers,
            json={"pickup_code": reservation["pickup_code"]},
        ).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = [f.result() for f in [pool.submit(job), pool.submit(job), pool.submit(pick)]]

    released, picked = outcomes[0] + outcomes[1], outcomes[2]
    assert (released, picked) in ((1, 404), (1, 409), (0, 200))
    with racing_app.app_context():
        status = db.session.scalar(select(Redemption.status))
        balance = ledger.balance_of(resident.id)
    assert (status, balance) in (("expired", (50, 0)), ("fulfilled", (10, 0)))
    assert stock_at(client, desk, item_id, desk.center_id) == (1 if status == "expired" else 0)
