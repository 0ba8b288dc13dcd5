"""`GET /me` is the home screen in one call: spendable points and the home center's name."""

from __future__ import annotations

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
