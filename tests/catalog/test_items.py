"""The gift list: a page like every list, at the asker's own center unless they name one."""

from __future__ import annotations

from flask.testing import FlaskClient

from core.api import encode_cursor
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory


def test_the_gift_list_is_a_page_cheapest_first(
    client: FlaskClient, desk: Account, manager: Account
) -> None:
    ids = [gift(client, manager, stock=1, cost=cost) for cost in (50, 10, 30)]

    first = client.get("/api/v1/catalog/items?limit=2", headers=desk.headers)
    cursor = first.json["next_cursor"]
    second = client.get(f"/api/v1/catalog/items?limit=2&cursor={cursor}", headers=desk.headers)

    assert first.status_code == second.status_code == 200
    assert [i["id"] for i in first.json["items"]] == [ids[1], ids[2]]
    assert [i["id"] for i in second.json["items"]] == [ids[0]]
    assert second.json["next_cursor"] is None


def test_a_forged_cursor_is_a_bad_request(client: FlaskClient, desk: Account) -> None:
    for cursor in ("WyJ4Il0", encode_cursor(10**30, 1)):
        response = client.get(f"/api/v1/catalog/items?cursor={cursor}", headers=desk.headers)

        assert (response.status_code, response.json["code"]) == (400, "bad_request")


def test_each_asker_sees_their_own_centers_stock_by_default(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, stock=3)
    elsewhere = make.staff("staff")
    at_home = make.resident(desk.center_id)
    away = make.resident(elsewhere.center_id)

    def stock(account: Account, query: str = "") -> int:
        response = client.get(f"/api/v1/catalog/items{query}", headers=account.headers)
        assert response.status_code == 200, response.json
        return next(i["stock"] for i in response.json["items"] if i["id"] == item_id)

    assert (stock(desk), stock(at_home)) == (3, 3)
    assert (stock(elsewhere), stock(away)) == (0, 0)
    assert stock(away, f"?center_id={desk.center_id}") == 3


def test_without_a_center_of_their_own_the_asker_names_one(
    client: FlaskClient, desk: Account, district_manager: Account
) -> None:
    unnamed = client.get("/api/v1/catalog/items", headers=district_manager.headers)
    named = client.get(
        f"/api/v1/catalog/items?center_id={desk.center_id}", headers=district_manager.headers
    )

    assert (unnamed.status_code, unnamed.json["code"]) == (422, "validation_error")
    assert list(unnamed.json["errors"]) == ["center_id"]
    assert named.status_code == 200


def test_a_resident_sees_which_gifts_their_limit_still_allows(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    limited = gift(client, manager, stock=3, cost=10, limit_quantity=1, limit_period="year")
    free = gift(client, manager, stock=3, cost=20)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    assert redeem(client, desk, resident.id, limited).status_code == 201

    items = client.get("/api/v1/catalog/items", headers=resident.headers).json["items"]

    by_id = {i["id"]: i for i in items}
    assert (by_id[limited]["within_limit"], by_id[free]["within_limit"]) == (False, True)
    assert by_id[limited]["stock"] == 2
