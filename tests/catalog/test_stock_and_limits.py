"""The catalog's money and privacy rules at their edges: stock, limits per period, the export."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog import api as catalog_api
from points import ledger
from tests.catalog.test_redemption import gift, redeem, stock_at
from tests.factories import Account, Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
Clock = Callable[[datetime], None]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the moment the catalog's views see as now."""

    def set_to(at: datetime) -> None:
        monkeypatch.setattr(catalog_api, "utcnow", lambda: at)

    return set_to


def reserve(client: FlaskClient, resident: Account, item_id: int, quantity: int = 1):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": resident.center_id, "quantity": quantity},
    )


def test_the_last_units_go_and_then_stock_is_out(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=2, cost=10)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    both = redeem(client, desk, resident.id, item_id, quantity=2)
    none_left = redeem(client, desk, resident.id, item_id)

    assert both.status_code == 201
    assert (none_left.status_code, none_left.json["code"]) == (409, "out_of_stock")
    assert stock_at(client, desk, item_id, desk.center_id) == 0
    with app.app_context():
        assert ledger.balance_of(resident.id) == (80, 0)


def test_units_held_for_a_pickup_are_not_on_the_shelf(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=3, cost=10)
    holder, walk_in = make.resident(desk.center_id), make.resident(desk.center_id)
    make.credit(holder.id, 100)
    make.credit(walk_in.id, 100)
    assert reserve(client, holder, item_id).status_code == 201

    too_many = redeem(client, desk, walk_in.id, item_id, quantity=3)
    held_too = reserve(client, walk_in, item_id, quantity=3)
    what_is_left = redeem(client, desk, walk_in.id, item_id, quantity=2)

    assert (too_many.status_code, too_many.json["code"]) == (409, "out_of_stock")
    assert (held_too.status_code, held_too.json["code"]) == (409, "out_of_stock")
    assert what_is_left.status_code == 201
    with app.app_context():
        assert ledger.balance_of(walk_in.id) == (80, 0)


def test_twenty_residents_racing_to_reserve_the_last_unit_hold_one(
    racing_app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=1, cost=10)
    residents = [make.resident(desk.center_id) for _ in range(20)]
    for resident in residents:
        make.credit(resident.id, 10)
    barrier = threading.Barrier(len(residents))

    def one(resident: Account) -> tuple[int, str | None]:
        client = racing_app.test_client()
        barrier.wait()
        answer = reserve(client, resident, item_id)
        return answer.status_code, answer.json.get("code") if answer.status_code >= 400 else None

    with ThreadPoolExecutor(max_workers=len(residents)) as pool:
        outcomes = list(pool.map(one, residents))

    assert sorted(outcomes) == [(201, None)] + [(409, "out_of_stock")] * 19


def test_a_yearly_limit_counts_every_month_of_the_year(
    client: FlaskClient, make: Factory, desk: Account, manager: Account, clock: Clock
) -> None:
    item_id = gift(client, manager, stock=5, cost=10, limit_quantity=1, limit_period="year")
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    clock(datetime(2026, 3, 10, 10, tzinfo=SHANGHAI))
    march = redeem(client, desk, resident.id, item_id)
    clock(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
    november = redeem(client, desk, resident.id, item_id)

    assert march.status_code == 201
    assert (november.status_code, november.json["code"]) == (409, "limit_reached")


def test_a_yearly_limit_starts_afresh_on_the_first_of_january(
    client: FlaskClient, make: Factory, desk: Account, manager: Account, clock: Clock
) -> None:
    item_id = gift(client, manager, stock=5, cost=10, limit_quantity=1, limit_period="year")
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    # 23:30 on New Year's Eve in Shanghai is still 2025 there (15:30 UTC).
    clock(datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI))
    last_december = redeem(client, desk, resident.id, item_id)
    clock(datetime(2026, 1, 5, 10, tzinfo=SHANGHAI))
    january = redeem(client, desk, resident.id, item_id)
    clock(datetime(2026, 6, 5, 10, tzinfo=SHANGHAI))
    june = redeem(client, desk, resident.id, item_id)

    assert [last_december.status_code, january.status_code] == [201, 201]
    assert (june.status_code, june.json["code"]) == (409, "limit_reached")


def test_a_monthly_limit_counts_from_the_first_of_the_month(
    client: FlaskClient, make: Factory, desk: Account, manager: Account, clock: Clock
) -> None:
    item_id = gift(client, manager, stock=5, cost=10, limit_quantity=2, limit_period="month")
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)

    clock(datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    october = redeem(client, desk, resident.id, item_id, quantity=2)
    clock(datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    first_of_november = redeem(client, desk, resident.id, item_id)
    clock(datetime(2026, 11, 28, 10, tzinfo=SHANGHAI))
    second = redeem(client, desk, resident.id, item_id)
    third = redeem(client, desk, resident.id, item_id)

    assert [october.status_code, first_of_november.status_code, second.status_code] == [201] * 3
    assert (third.status_code, third.json["code"]) == (409, "limit_reached")


def test_the_redemptions_export_carries_masked_phone_numbers_only(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=5, cost=10)
    phones = ["13812345678", "15900001111"]
    for phone in phones:
        resident = make.resident(desk.center_id, phone=phone)
        make.credit(resident.id, 10)
        assert redeem(client, desk, resident.id, item_id).status_code == 201

    response = client.get("/api/v1/redemptions?format=csv", headers=desk.headers)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    exported = response.get_data(as_text=True)
    for phone in phones:
        assert phone not in exported
        # Masked: the last four digits, behind at least four stars.
        assert re.search(rf"\*{{4,}}{phone[-4:]}", exported), exported
