"""What the console's access matrix (test_access.py) arranges at center A: a poster's
check-in link, a gift, a reservation, a challenge, an import, a card, records to merge."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from catalog import items
from catalog import service as catalog
from core.db import db, utcnow
from core.localtime import zone_of
from identity import member_cards
from identity.models import Resident
from tests.access import Call, World, call
from tests.desks import all_day_event
from tests.imports.conftest import RESIDENTS, csv_bytes, send

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


def a_challenge_form(w: World, starts_in_days: int) -> dict[str, object]:
    """The challenge form for center A (the district's manager picks it; A's has no choice)."""
    first = date.today() + timedelta(days=starts_in_days)
    return {
        "title": "冬季控压挑战",
        "center_id": w.center,
        "starts_on": str(first),
        "ends_on": str(first + timedelta(days=30)),
        "goal_kind": "lecture",
        "goal_count": "3",
        "bonus_points": "50",
    }


def a_register_for_center_a(w: World) -> dict[str, object]:
    """The imports page's form: a register to check for center A."""
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    return {"kind": "residents", "center_id": w.center, "file": (io.BytesIO(content), "名单.csv")}


def an_import(w: World, *, dry_run: bool = False) -> Call:
    """A register imported (or only checked) for center A by its manager."""
    w.app.config["IMPORTS_INLINE"] = True
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    sent = send(w.app.test_client(), w._fixture("manager"), "residents", content, dry_run=dry_run)
    assert sent.status_code == 201, sent.json
    return call(batch_id=sent.json["id"])


def a_card_in_use(w: World) -> int:
    """A's resident, whose member card the desk printed."""
    with w.app.app_context():
        resident = db.session.get(Resident, w.resident.id)
        assert resident is not None
        member_cards.issue(w.desk.principal, resident, utcnow())
        db.session.commit()
    return w.resident.id


def registered_at_desk(w: World) -> int:
    """A resident center A's desk registered: no WeChat yet."""
    response = w.app.test_client().post(
        "/api/v1/residents", headers=w.desk.headers, json={"name": "黄秀英"}
    )
    return int(response.json["id"])


def two_records(w: World) -> dict[str, object]:
    """Center A's WeChat resident, and a record of theirs the desk registered."""
    return {"a": registered_at_desk(w), "b": w.resident.id}


def a_merge(w: World) -> dict[str, object]:
    pair = two_records(w)
    return {**pair, "survivor_id": pair["a"], "reason": "同一人，窗口登记后又用微信注册"}
