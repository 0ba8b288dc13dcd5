"""Ledger entries name what earned or bought them: the event, the gift; a page in a few queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from core.db import db
from tests.catalog.test_redemption import gift
from tests.catalog.test_reservations import reserve
from tests.factories import Account, Factory


def redeem(client: FlaskClient, desk: Account, resident: Account, item_id: int) -> int:
    redeemed = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"resident_id": resident.id, "item_id": item_id},
    )
    assert redeemed.status_code == 201, redeemed.json
    return int(redeemed.json["id"])


def sources(client: FlaskClient, resident: Account) -> list[dict[str, object]]:
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json
    return [entry["source"] for entry in ledger["items"]]


def test_a_checkin_is_named_after_its_event_and_a_redemption_after_its_gift(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id)
    event_id = make.event(desk.center_id, title="糖尿病饮食讲座")
    make.checkin(event_id, resident.id)
    item_id = gift(client, manager, stock=20, cost=10, name="控盐勺")
    redemption_id = redeem(client, desk, resident, item_id)

    own = sources(client, resident)
    for_staff = client.get(f"/api/v1/residents/{resident.id}/ledger", headers=desk.headers).json

    assert own == [
        {
            "type": "redemption",
            "id": str(redemption_id),
            "center_id": desk.center_id,
            "title": "控盐勺",
            "event_id": None,
            "item_id": item_id,
        },
        {
            "type": "checkin",
            "id": own[1]["id"],
            "center_id": desk.center_id,
            "title": "糖尿病饮食讲座",
            "event_id": event_id,
            "item_id": None,
        },
    ]
    assert [entry["source"] for entry in for_staff["items"]] == own


def test_a_refund_and_an_annulment_are_named_after_what_they_undid(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id)
    event_id = make.event(desk.center_id, title="高血压随访日")
    make.annul(make.checkin(event_id, resident.id), desk.center_id)
    make.credit(resident.id, 30)
    item_id = gift(client, manager, stock=20, cost=10, name="腰围尺")
    redemption_id = redeem(client, desk, resident, item_id)
    client.post(
        f"/api/v1/redemptions/{redemption_id}/cancel", headers=desk.headers, json={"reason": "退回"}
    )
    client.post(
        f"/api/v1/residents/{resident.id}/adjustments",
        headers=manager.headers,
        json={"points": 5, "reason": "补录"},
    )

    named = [
        (s["type"], s["title"], s["event_id"], s["item_id"]) for s in sources(client, resident)
    ]

    assert named == [
        ("adjustment", None, None, None),
        ("reversal", "腰围尺", None, item_id),
        ("redemption", "腰围尺", None, item_id),
        ("test", None, None, None),
        ("reversal", "高血压随访日", event_id, None),
        ("checkin", "高血压随访日", event_id, None),
    ]


def test_a_picked_up_reservation_is_named_after_its_gift(
    client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 30)
    item_id = gift(client, manager, stock=20, cost=10, name="体重秤")
    code = reserve(client, resident, item_id, desk.center_id).json["pickup_code"]
    client.post("/api/v1/redemptions/pickup", headers=desk.headers, json={"pickup_code": code})

    newest = sources(client, resident)[0]

    assert (newest["type"], newest["title"], newest["item_id"]) == ("redemption", "体重秤", item_id)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_page_names_its_sources_in_a_query_per_kind_not_per_entry(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    few, many = make.resident(desk.center_id), make.resident(desk.center_id)
    item_id = gift(client, manager, stock=20, cost=1, name="药盒")
    for resident, times in ((few, 1), (many, 6)):
        for number in range(times):
            make.checkin(make.event(desk.center_id, title=f"讲座{number}", points=5), resident.id)
            redeem(client, desk, resident, item_id)

    with statements(app) as for_few:
        client.get("/api/v1/me/ledger", headers=few.headers)
    with statements(app) as for_many:
        page = client.get("/api/v1/me/ledger", headers=many.headers).json

    assert len(page["items"]) == 12
    assert {s["title"] for s in (e["source"] for e in page["items"])} >= {"药盒", "讲座5"}
    assert len(for_many) == len(for_few)
