"""`GET /me` is the home screen in one call: spendable points and the home center's name;
`GET /me/ledger` says where each point came from and went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from tests.catalog.test_redemption import gift
from tests.catalog.test_reservations import reserve
from tests.factories import Factory


def test_me_says_what_can_be_spent_and_names_the_home_center(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff", center_id=make.center("登峰街社区卫生服务中心"))
    manager = make.staff("manager", center_id=desk.center_id)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    item_id = gift(client, manager, stock=1, cost=40, name="体重秤")
    reserve(client, resident, item_id, desk.center_id)

    me = client.get("/api/v1/me", headers=resident.headers).json

    assert (me["balance"], me["reserved"], me["spendable"]) == (100, 40, 60)
    assert me["center"] == {"id": desk.center_id, "name": "登峰街社区卫生服务中心"}
    assert me["center_id"] == desk.center_id


def test_a_resident_without_a_home_center_has_none(client: FlaskClient) -> None:
    token = client.post("/api/v1/auth/wechat", json={"code": "dev:newcomer"}).json["access_token"]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json

    assert (me["center"], me["center_id"], me["spendable"]) == (None, None, 0)


def test_me_shows_the_balance_and_what_expires_when(client: FlaskClient, make: Factory) -> None:
    resident = make.resident(name="陈伟", phone="13800001111")
    make.credit(resident.id, 10, expires_at=datetime(2028, 1, 1, tzinfo=UTC) - timedelta(hours=8))
    make.credit(resident.id, 5, expires_at=datetime(2028, 1, 1, tzinfo=UTC) - timedelta(hours=8))
    make.credit(resident.id, 7)

    me = client.get("/api/v1/me", headers=resident.headers)

    assert me.status_code == 200
    assert me.json["name"] == "陈伟"
    assert me.json["phone_masked"] == "138****1111"
    assert (me.json["balance"], me.json["reserved"]) == (22, 0)
    assert me.json["expiring"] == [{"points": 15, "on": "2027-12-31"}]


def test_a_new_resident_has_no_points_yet(client: FlaskClient) -> None:
    token = client.post("/api/v1/auth/wechat", json={"code": "dev:newcomer"}).json["access_token"]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert (me.json["balance"], me.json["expiring"]) == (0, [])


def test_the_ledger_pages_newest_first_and_says_why(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    for amount in (10, 20, 30):
        make.credit(resident.id, amount)

    first = client.get("/api/v1/me/ledger?limit=2", headers=resident.headers).json
    rest = client.get(
        f"/api/v1/me/ledger?limit=2&cursor={first['next_cursor']}", headers=resident.headers
    ).json

    assert [e["delta"] for e in first["items"]] == [30, 20]
    assert [e["balance_after"] for e in first["items"]] == [60, 30]
    assert [e["delta"] for e in rest["items"]] == [10]
    assert rest["next_cursor"] is None
    entry = rest["items"][0]
    assert (entry["kind"], entry["reason"], entry["source"]["type"]) == ("earn", "测试积分", "test")
