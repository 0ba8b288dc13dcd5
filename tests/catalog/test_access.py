"""Who may change the catalog and its stock, hand gifts over, and reserve, fetch or cancel
them; and the gift pictures anyone may load."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from catalog import items, reservations
from catalog.media import store_image
from core.codes import current_keys
from core.db import db
from points.expiry import current_settings
from tests.access import (
    Arrange,
    Call,
    World,
    access_tests,
    call,
    table,
)
from tests.catalog.test_images import picture

ACCESS = table("""
                                                  anon  res  desk  other  mgr  dist  admin
GET   /api/v1/catalog/items                       401   200  200    200   200  200    200
POST  /api/v1/catalog/items                       401   403  403    403   201  201    201
PATCH /api/v1/catalog/items/{item_id}             401   403  403    403   200  200    200
POST  /api/v1/catalog/items/{item_id}/image       401   403  403    403   200  200    200
POST  /api/v1/catalog/items/{item_id}/stock       401   403  200    404   200  200    200
GET   /api/v1/redemptions                         401   200  200    200   200  200    200
POST  /api/v1/redemptions                         401   403  201    404   201  201    201
POST  /api/v1/redemptions/preview                 401   403  200    404   200  200    200
POST  /api/v1/redemptions/reservations            401   201  403    403   403  403    403
POST  /api/v1/redemptions/reservations/lookup     401   403  200    404   200  200    200
POST  /api/v1/redemptions/pickup/preview          401   403  200    404   200  200    200
POST  /api/v1/redemptions/pickup                  401   403  200    404   200  200    200
GET   /api/v1/redemptions/{redemption_id}         401   200  200    404   200  200    200
POST  /api/v1/redemptions/{redemption_id}/fulfil  401   403  200    404   200  200    200
POST  /api/v1/redemptions/{redemption_id}/cancel  401   200  200    404   200  200    200
GET   /media/{name}                               200   200  200    200   200  200    200
""")


def gift(w: World) -> int:
    """A gift of 30 points with 5 in stock at center A; the resident has 100 points."""
    w.make.credit(w.resident.id, 100)
    with w.app.app_context():
        item = items.create_item({"name": "腰围尺", "points_cost": 30})
        items.move_stock(w.desk.principal, item.id, w.center, 5, "received")
        db.session.commit()
        return item.id


def reservation(w: World) -> tuple[int, str]:
    """The resident's reservation of the gift at center A, and its pickup code."""
    item_id = gift(w)
    with w.app.app_context():
        reserved, code = reservations.reserve(
            w.resident.id,
            item_id,
            1,
            w.center,
            now=datetime.now(UTC),
            days=7,
            keys=current_keys(),
            tz=current_settings().tz,
        )
        db.session.commit()
        return reserved.id, code


def the_gift(w: World, **sent: object) -> Call:
    return call(item_id=gift(w), **sent)


def the_gift_for_the_resident(w: World) -> Call:
    return call(json={"resident_id": w.resident.id, "item_id": gift(w), "center_id": w.center})


def the_reservation(w: World, **sent: object) -> Call:
    return call(redemption_id=reservation(w)[0], **sent)


def its_pickup_code(w: World) -> Call:
    return call(json={"pickup_code": reservation(w)[1], "center_id": w.center})


def stored_picture(w: World) -> Call:
    return call(name=store_image(picture(size=(40, 40)), w.app.config["MEDIA_DIR"], 100_000))


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/catalog/items": lambda w: call(query={"center_id": w.center}),
    "POST /api/v1/catalog/items": lambda w: call(json={"name": "体重秤", "points_cost": 200}),
    "PATCH /api/v1/catalog/items/{item_id}": lambda w: the_gift(w, json={"points_cost": 40}),
    "POST /api/v1/catalog/items/{item_id}/image": lambda w: the_gift(
        w, files={"image": (io.BytesIO(picture(size=(40, 40))), "gift.png")}
    ),
    "POST /api/v1/catalog/items/{item_id}/stock": lambda w: the_gift(
        w, json={"center_id": w.center, "delta": 3, "reason": "received"}
    ),
    "GET /api/v1/redemptions": lambda w: call(),
    "POST /api/v1/redemptions": the_gift_for_the_resident,
    "POST /api/v1/redemptions/preview": the_gift_for_the_resident,
    "POST /api/v1/redemptions/reservations": lambda w: call(
        json={"item_id": gift(w), "center_id": w.center}
    ),
    "POST /api/v1/redemptions/reservations/lookup": lambda w: the_reservation(
        w, json={"resident_id": w.resident.id, "center_id": w.center}
    ),
    "POST /api/v1/redemptions/pickup/preview": its_pickup_code,
    "POST /api/v1/redemptions/pickup": its_pickup_code,
    "GET /api/v1/redemptions/{redemption_id}": the_reservation,
    "POST /api/v1/redemptions/{redemption_id}/fulfil": lambda w: the_reservation(
        w, json={"resident_id": w.resident.id}
    ),
    "POST /api/v1/redemptions/{redemption_id}/cancel": lambda w: the_reservation(
        w, json={"reason": "不想要了"}
    ),
    "GET /media/{name}": stored_picture,
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "catalog")
