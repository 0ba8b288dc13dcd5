"""The resident's reservation screens need no other call: the gift's name and picture (an
absolute address), the center, and the pickup code as a picture an ``<image>`` can load."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from core import qr_links
from tests.catalog.test_reservations import reserve
from tests.conftest import Build
from tests.factories import Account, Factory
from tests.qr import read_qr

PUBLIC = "https://jkjf.example.cn"


@pytest.fixture
def public(build: Build, tmp_path: Path) -> FlaskClient:
    """The app as phones reach it: under its public address, with a folder for pictures."""
    return build(MEDIA_DIR=str(tmp_path), PUBLIC_BASE_URL=PUBLIC).test_client()


def pictured_gift(client: FlaskClient, manager: Account, name: str) -> dict[str, Any]:
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": name, "points_cost": 40}
    ).json
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(picture, "PNG")
    client.post(
        f"/api/v1/catalog/items/{item['id']}/image",
        headers=manager.headers,
        data={"image": (io.BytesIO(picture.getvalue()), "gift.png")},
        content_type="multipart/form-data",
    )
    client.post(
        f"/api/v1/catalog/items/{item['id']}/stock",
        headers=manager.headers,
        json={"center_id": manager.center_id, "delta": 3, "reason": "received"},
    )
    listed = client.get("/api/v1/catalog/items", headers=manager.headers).json["items"]
    return next(gift for gift in listed if gift["id"] == item["id"])


def test_a_reservation_names_its_gift_with_its_picture_and_its_center(
    public: FlaskClient, make: Factory
) -> None:
    center_id = make.center("白云街社区卫生服务中心")
    manager = make.staff("manager", center_id=center_id)
    resident = make.resident(center_id)
    make.credit(resident.id, 100)
    gift = pictured_gift(public, manager, "电子血压计")

    reserved = reserve(public, resident, gift["id"], center_id)
    mine = public.get("/api/v1/redemptions", headers=resident.headers).json["items"]
    one = public.get(f"/api/v1/redemptions/{reserved.json['id']}", headers=resident.headers)

    assert str(gift["image_url"]).startswith(f"{PUBLIC}/media/items/")
    named = {
        "item": {"id": gift["id"], "name": "电子血压计", "image_url": gift["image_url"]},
        "center": {"id": center_id, "name": "白云街社区卫生服务中心"},
    }
    for shown in (reserved.json, mine[0], one.json):
        assert {key: shown[key] for key in named} == named
    served = public.get(str(gift["image_url"]).removeprefix(PUBLIC), buffered=True)
    assert served.status_code == 200


def test_the_pickup_code_is_a_picture_an_image_tag_loads_for_ten_minutes(
    public: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    center_id = make.center()
    manager = make.staff("manager", center_id=center_id)
    resident = make.resident(center_id)
    make.credit(resident.id, 100)
    reserved = reserve(public, resident, pictured_gift(public, manager, "腰围尺")["id"], center_id)
    url = reserved.json["pickup_qr_url"]

    png = public.get(url.removeprefix(PUBLIC))  # no Authorization: <image> sends no headers
    svg = public.get(url.removeprefix(PUBLIC).replace(".png", ".svg"))
    later = datetime.now(UTC) + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(qr_links, "utcnow", lambda: later)
    lapsed = public.get(url.removeprefix(PUBLIC))

    assert url.startswith(f"{PUBLIC}/api/v1/qr/") and url.endswith(".png")
    assert (png.status_code, png.content_type) == (200, "image/png")
    assert read_qr(png.data) == reserved.json["pickup_code"]
    assert png.headers["Cache-Control"] == "no-store"
    assert (svg.content_type, b"<svg" in svg.data) == ("image/svg+xml", True)
    assert (lapsed.status_code, lapsed.json["code"]) == (410, "qr_expired")
    assert lapsed.content_type == "application/problem+json"
