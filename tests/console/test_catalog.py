"""The gifts area: the catalog with pictures and stock, low stock marked, a gift's movements,
the stock-take and deliveries, and managers keeping the catalog; every change as the API then
sees it."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from catalog import items
from core.db import db
from tests.access import World
from tests.catalog.test_redemption import gift, redeem, stock_at
from tests.consoles import log_in
from tests.factories import Account, Factory


def gift_at_center_a(w: World) -> int:
    """A gift with 5 in stock at center A."""
    with w.app.app_context():
        item = items.create_item({"name": "腰围尺", "points_cost": 30})
        items.move_stock(w.desk.principal, item.id, w.center, 5, "received")
        db.session.commit()
        return item.id


def api_item(client: FlaskClient, account: Account, item_id: int) -> Any:
    url = f"/api/v1/catalog/items?center_id={account.center_id}&limit=100"
    listed = client.get(url, headers=account.headers).json["items"]
    return next(item for item in listed if item["id"] == item_id)


def stock_take(console: Any, item_id: int, center_id: int | None, **form: str) -> Any:
    return console.post(
        f"/console/catalog/items/{item_id}/stock-take", {"center_id": center_id, **form}
    )


def movements(console: Any, item_id: int) -> str:
    page = console.get(f"/console/catalog/items/{item_id}").get_data(as_text=True)
    return page[page.index('data-testid="movements"') :]


def test_a_manager_adds_a_gift_the_api_then_offers(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    response = log_in(app, manager).post(
        "/console/catalog/items",
        {
            "name": "控盐勺",
            "points_cost": "20",
            "description": "2克定量",
            "limit_quantity": "2",
            "limit_period": "month",
        },
    )

    assert response.status_code == 200
    item_id = int(response.headers["HX-Redirect"].split("?")[0].rsplit("/", 1)[1])
    item = api_item(client, manager, item_id)
    assert (item["name"], item["points_cost"], item["description"]) == ("控盐勺", 20, "2克定量")
    assert (item["limit_quantity"], item["limit_period"], item["active"]) == (2, "month", True)


def test_a_gift_with_a_name_taken_or_no_cost_is_refused_in_words(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    gift(client, manager, 0, name="腰围尺")
    console = log_in(app, manager)

    taken = console.post("/console/catalog/items", {"name": "腰围尺", "points_cost": "30"})
    costless = console.post("/console/catalog/items", {"name": "体重秤", "points_cost": "0"})

    assert taken.status_code == 409 and 'data-code="conflict"' in taken.get_data(as_text=True)
    assert costless.status_code == 422
    assert 'data-code="validation_error"' in costless.get_data(as_text=True)
    names = [
        i["name"]
        for i in client.get("/api/v1/catalog/items", headers=manager.headers).json["items"]
    ]
    assert names == ["腰围尺"]


def test_a_manager_changes_a_gift_and_can_take_its_limit_away(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    item_id = gift(client, manager, 0, limit_quantity=1, limit_period="year")

    response = log_in(app, manager).post(
        f"/console/catalog/items/{item_id}",
        {
            "name": "腰围尺（新款）",
            "points_cost": "45",
            "description": "",
            "limit_quantity": "",
            "limit_period": "",
            "active": "false",
        },
    )

    assert response.status_code == 200
    item = api_item(client, manager, item_id)
    assert (item["name"], item["points_cost"], item["active"]) == ("腰围尺（新款）", 45, False)
    assert (item["limit_quantity"], item["limit_period"]) == (None, None)


def test_a_desk_clerk_may_not_change_the_catalog(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 0)

    response = log_in(app, desk).post(
        f"/console/catalog/items/{item_id}", {"name": "腰围尺", "points_cost": "1"}
    )

    assert response.status_code == 403
    assert 'data-code="forbidden"' in response.get_data(as_text=True)
    assert api_item(client, manager, item_id)["points_cost"] == 30


def noisy_picture(size: int = 400) -> bytes:
    """A PNG of noise: it compresses badly, so it is larger than a form may carry (64 KiB)."""
    rng = random.Random(7)
    image = Image.frombytes(
        "RGB", (size, size), bytes(rng.randrange(256) for _ in range(size * size * 3))
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_manager_uploads_a_larger_picture_that_the_api_then_shows(
    app: Flask, client: FlaskClient, manager: Account, tmp_path: Path
) -> None:
    app.config["MEDIA_DIR"] = str(tmp_path)
    item_id = gift(client, manager, 0)
    upload = noisy_picture()
    assert len(upload) > 64 * 1024

    response = log_in(app, manager).post(
        f"/console/catalog/items/{item_id}/image", {"image": (io.BytesIO(upload), "秤.png")}
    )

    assert response.status_code == 200
    image_url = api_item(client, manager, item_id)["image_url"]
    assert "/media/items/" in image_url
    page = log_in(app, manager).get(f"/console/catalog/items/{item_id}").get_data(as_text=True)
    assert f'src="/media/{image_url.split("/media/", 1)[1]}"' in page


def test_what_is_not_a_picture_is_refused(
    app: Flask, client: FlaskClient, manager: Account, tmp_path: Path
) -> None:
    app.config["MEDIA_DIR"] = str(tmp_path)
    item_id = gift(client, manager, 0)

    response = log_in(app, manager).post(
        f"/console/catalog/items/{item_id}/image", {"image": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}
    )

    assert response.status_code == 422
    assert api_item(client, manager, item_id)["image_url"] is None


def test_a_stock_take_records_the_difference_with_its_reason(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 10)
    console = log_in(app, desk)

    response = stock_take(console, item_id, desk.center_id, counted="8", note="两个摔坏了")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="stock-available">8<' in html and 'data-done="stock_take"' in html
    assert stock_at(client, desk, item_id, desk.center_id) == 8
    history = movements(console, item_id)
    assert history.index('data-kind="stock_take"') < history.index('data-kind="received"')
    assert "两个摔坏了" in history and desk.username in history and "-2" in history


def test_a_count_that_differs_needs_a_reason(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 10)

    response = stock_take(log_in(app, desk), item_id, desk.center_id, counted="7")

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#stock-take-result"
    assert stock_at(client, desk, item_id, desk.center_id) == 10


def test_a_count_that_agrees_moves_nothing_and_may_set_the_low_mark(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 4)
    console = log_in(app, desk)

    response = stock_take(console, item_id, desk.center_id, counted="4", low_threshold="5")

    assert response.status_code == 200
    assert 'data-testid="stock" data-low="true"' in response.get_data(as_text=True)
    assert api_item(client, desk, item_id)["low_stock"] is True
    assert movements(console, item_id).count("data-kind=") == 1  # the delivery only


def test_a_count_below_what_is_held_for_pickups_is_refused(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 3)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": desk.center_id, "quantity": 2},
    )

    response = stock_take(log_in(app, desk), item_id, desk.center_id, counted="1", note="少了")

    assert response.status_code == 409
    assert 'data-code="out_of_stock"' in response.get_data(as_text=True)
    assert stock_at(client, desk, item_id, desk.center_id) == 1  # 3 on hand, 2 held


def test_a_delivery_comes_in_once_however_often_it_is_sent(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 2)
    console = log_in(app, desk)
    form = {
        "center_id": desk.center_id,
        "reason": "received",
        "quantity": "12",
        "note": "送货单 0042",
    }
    url = f"/console/catalog/items/{item_id}/stock"

    first = console.post(url, form, headers={"Idempotency-Key": "delivery-1"})
    again = console.post(url, form, headers={"Idempotency-Key": "delivery-1"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content_type == "text/html; charset=utf-8"
    assert again.get_data() == first.get_data()
    assert stock_at(client, desk, item_id, desk.center_id) == 14
    assert "送货单 0042" in movements(console, item_id)


def test_a_delivery_key_sent_again_with_another_quantity_is_refused(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 2)
    console = log_in(app, desk)
    form = {"center_id": desk.center_id, "reason": "received", "quantity": "12"}
    url = f"/console/catalog/items/{item_id}/stock"
    console.post(url, form, headers={"Idempotency-Key": "delivery-1"})

    other = console.post(url, {**form, "quantity": "50"}, headers={"Idempotency-Key": "delivery-1"})

    assert other.status_code == 409
    assert 'data-code="idempotency_key_reused"' in other.get_data(as_text=True)
    assert stock_at(client, desk, item_id, desk.center_id) == 14


def test_a_write_off_takes_stock_away(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 5)

    response = log_in(app, desk).post(
        f"/console/catalog/items/{item_id}/stock",
        {"center_id": desk.center_id, "reason": "damaged", "quantity": "2", "note": "受潮"},
    )

    assert response.status_code == 200
    assert stock_at(client, desk, item_id, desk.center_id) == 3


def test_the_history_shows_redemptions_and_their_cancellations_with_who_and_why(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 5)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    redemption = redeem(client, desk, resident.id, item_id).json
    client.post(
        f"/api/v1/redemptions/{redemption['id']}/cancel",
        headers=manager.headers,
        json={"reason": "尺寸不合适，退回"},
    )

    history = movements(log_in(app, desk), item_id)

    kinds = [part.split('"')[0] for part in history.split('data-kind="')[1:]]
    assert kinds == ["returned", "redeemed", "received"]
    assert "尺寸不合适，退回" in history and manager.username in history


def test_low_stock_is_marked_in_the_list(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    running_low = gift(client, manager, 3, cost=30)
    plenty = gift(client, manager, 40, cost=50)
    console = log_in(app, desk)
    for item_id, stock in ((running_low, "3"), (plenty, "40")):
        stock_take(console, item_id, desk.center_id, counted=stock, low_threshold="5")

    html = console.get("/console/catalog").get_data(as_text=True)

    assert f'data-testid="gift-{running_low}" data-low="true"' in html
    assert f'data-testid="gift-{plenty}" data-low="false"' in html
    assert html.count('<tr class="low') == 1


def test_a_stock_take_posted_without_the_csrf_token_is_refused(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    item_id = gift(client, manager, 10)
    console = log_in(app, desk)

    response = console.client.post(
        f"/console/catalog/items/{item_id}/stock-take",
        data={"center_id": desk.center_id, "counted": "0", "note": "清空"},
    )

    assert response.status_code == 400
    assert stock_at(client, desk, item_id, desk.center_id) == 10


def test_another_centers_clerk_sees_and_moves_nothing_of_this_centers_stock(
    app: Flask, client: FlaskClient, desk: Account, manager: Account, other_center_desk: Account
) -> None:
    item_id = gift(client, manager, 10)
    stranger = log_in(app, other_center_desk)

    page = stranger.get(f"/console/catalog/items/{item_id}?center_id={desk.center_id}")
    counted = stock_take(stranger, item_id, desk.center_id, counted="0", note="清空")
    own = stranger.get(f"/console/catalog/items/{item_id}").get_data(as_text=True)

    assert (page.status_code, counted.status_code) == (404, 404)
    assert stock_at(client, desk, item_id, desk.center_id) == 10
    assert 'data-testid="stock-on-hand">0<' in own  # their own shelf, empty


def test_a_district_manager_picks_the_center_whose_stock_to_see(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    manager: Account,
    district_manager: Account,
) -> None:
    item_id = gift(client, manager, 7)
    make.center()  # another center, without stock

    page = log_in(app, district_manager).get(
        f"/console/catalog/items/{item_id}?center_id={desk.center_id}"
    )

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="stock-on-hand">7<' in html
    assert 'data-testid="center-picker"' in html
