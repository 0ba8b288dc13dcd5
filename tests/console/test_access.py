"""Who may open which console page: every route of the console has a row (tests/access.py).

A browser without a login is sent to the login form (302), whoever it is; a role the page
is not for is refused (403); each request carries the CSRF token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from catalog import items
from catalog import service as catalog
from core.db import db, utcnow
from core.localtime import zone_of
from identity import member_cards
from identity.models import Resident
from tests.access import Arrange, Call, World, access_tests, call, table
from tests.console.test_desk import all_day_event

ACCESS = table("""
                                       anon  res  desk  other  mgr  dist  admin
GET /console/                          200   200  302    302   302  302    302
POST /console/                         302   302  302    302   302  302    302
POST /console/logout                   302   302  302    302   302  302    302
POST /console/language                 302   302  302    302   302  302    302
GET /console/desk                      302   302  200    200   200  200    200
POST /console/desk/center              302   302  422    422   422  302    302
POST /console/desk/scan                302   302  200    404   200  200    200
GET /console/desk/search               302   302  200    200   200  200    200
GET /console/desk/residents/{resident_id}  302   302  200    404   200  200    200
POST /console/desk/door/leave          302   302  200    200   200  200    200
POST /console/desk/checkin             302   302  200    404   200  200    200
POST /console/desk/redeem/preview      302   302  200    404   200  422    422
POST /console/desk/redeem              302   302  200    404   200  422    422
POST /console/desk/pickup              302   302  200    404   200  422    422
POST /console/desk/checkins/{checkin_id}/annul  302   302  200    404   200  200    200
POST /console/desk/redemptions/{redemption_id}/cancel  302   302  200    404   200  200    200
GET /console/residents                 302   302  200    200   200  200    200
GET /console/residents/new             302   302  200    200   200  200    200
POST /console/residents/new            302   302  303    404   303  303    303
GET /console/residents/{resident_id}   302   302  200    404   200  200    200
POST /console/residents/{resident_id}/card  302   302  200    404   200  200    200
POST /console/residents/{resident_id}/card/revoke  302   302  303    404   303  303    303
""")


def desk_login(w: World) -> Call:
    return call(json={"username": w.desk.username, "password": "correct horse battery"})


REQUESTS: dict[str, Arrange] = {
    "GET /console/": lambda w: call(),
    "POST /console/": desk_login,
    "POST /console/logout": lambda w: call(),
    "POST /console/language": lambda w: call(json={"language": "en"}),
    "GET /console/desk": lambda w: call(),
    "POST /console/desk/center": lambda w: call(json={"center_id": w.center}),
    "POST /console/desk/scan": lambda w: call(json={"code": poster(w)}),
    "GET /console/desk/search": lambda w: call(query={"q": named(w)}),
    "GET /console/desk/residents/{resident_id}": lambda w: call(resident_id=w.resident.id),
    "POST /console/desk/door/leave": lambda w: call(),
    "POST /console/desk/checkin": lambda w: call(
        json={"event_id": all_day_event(w.app, w.make, w.center), "resident_id": w.resident.id}
    ),
    "POST /console/desk/redeem/preview": lambda w: call(json=redemption(w)),
    "POST /console/desk/redeem": lambda w: call(json=redemption(w)),
    "POST /console/desk/pickup": lambda w: call(json={"pickup_code": reserved(w)}),
    "POST /console/desk/checkins/{checkin_id}/annul": lambda w: call(
        checkin_id=w.make.checkin(all_day_event(w.app, w.make, w.center), w.resident.id),
        json={"resident_id": w.resident.id, "reason": "代签错了人"},
    ),
    "POST /console/desk/redemptions/{redemption_id}/cancel": lambda w: call(
        redemption_id=redeemed(w), json={"resident_id": w.resident.id, "reason": "尺寸不合适"}
    ),
    "GET /console/residents": lambda w: call(),
    "GET /console/residents/new": lambda w: call(),
    "POST /console/residents/new": lambda w: call(json={"name": "黄秀英", "center_id": w.center}),
    "GET /console/residents/{resident_id}": lambda w: call(resident_id=w.resident.id),
    "POST /console/residents/{resident_id}/card": lambda w: call(resident_id=w.resident.id),
    "POST /console/residents/{resident_id}/card/revoke": lambda w: call(
        resident_id=a_card_in_use(w), json={"reason": "居民报失"}
    ),
}


# -- the desk's things at center A: a poster's check-in link, a gift, a reservation ----------


def named(w: World) -> str:
    """The name of A's resident (another center's staff find nobody by it)."""
    w.make.resident(w.center, name="陈伟")
    return "陈伟"


def poster(w: World) -> str:
    event_id = all_day_event(w.app, w.make, w.center)
    response = w.app.test_client().get(
        f"/api/v1/events/{event_id}/qr?mode=static", headers=w.desk.headers
    )
    return str(response.json["url"])


def gift(w: World) -> int:
    """A gift with stock at center A, and 100 points for A's resident."""
    w.make.credit(w.resident.id, 100)
    with w.app.app_context():
        item = items.create_item({"name": "控盐勺", "points_cost": 20})
        items.move_stock(w.desk.principal, item.id, w.center, 5, "received")
        db.session.commit()
        return item.id


def redemption(w: World) -> dict[str, object]:
    return {"item_id": gift(w), "resident_id": w.resident.id}


def reserved(w: World) -> str:
    response = w.app.test_client().post(
        "/api/v1/redemptions/reservations",
        headers=w.resident.headers,
        json={"item_id": gift(w), "center_id": w.center},
    )
    return str(response.json["pickup_code"])


def redeemed(w: World) -> int:
    item_id = gift(w)
    with w.app.app_context():
        now = datetime.now(UTC)
        redemption, _ = catalog.redeem(
            w.desk.principal, w.resident.id, item_id, 1, w.center, now, zone_of(w.app.config)
        )
        db.session.commit()
        return redemption.id


def a_card_in_use(w: World) -> int:
    """A's resident, whose member card the desk printed."""
    with w.app.app_context():
        resident = db.session.get(Resident, w.resident.id)
        assert resident is not None
        member_cards.issue(w.desk.principal, resident, utcnow())
        db.session.commit()
    return w.resident.id


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "console")
