"""Gift pictures: checked, re-encoded, and served to be cached."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from PIL import Image

from tests.conftest import Build
from tests.factories import Factory


def picture(image_format: str = "PNG", size: tuple[int, int] = (2400, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 140, 90)).save(out, image_format)
    return out.getvalue()


PUBLIC = "https://jkjf.example.cn"


def test_a_manager_uploads_a_picture_that_is_served_for_caching(
    app: Flask, build: Build, make: Factory, tmp_path: Path
) -> None:
    media = build(MEDIA_DIR=str(tmp_path), PUBLIC_BASE_URL=PUBLIC)
    client = media.test_client()
    manager = make.staff("manager", center_id=make.center())
    resident = make.resident(manager.center_id)
    item = client.post(
        "/api/v1/catalog/items",
        headers=manager.headers,
        json={"name": "体重秤", "points_cost": 300},
    ).json

    uploaded = client.post(
        f"/api/v1/catalog/items/{item['id']}/image",
        headers=manager.headers,
        data={"image": (io.BytesIO(picture()), "scale.png")},
        content_type="multipart/form-data",
    )
    served = client.get(uploaded.json["image_url"].removeprefix(PUBLIC), buffered=True)
    listed = client.get("/api/v1/catalog/items", headers=resident.headers).json["items"]

    assert uploaded.status_code == 200
    # Absolute: the mini-program's <image> cannot resolve a path against the API's host.
    assert uploaded.json["image_url"].startswith(f"{PUBLIC}/media/items/")
    assert listed[0]["image_url"] == uploaded.json["image_url"]
    assert served.status_code == 200
    assert served.content_type == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(served.data)) as stored:
        assert max(stored.size) == 1200


def test_what_is_not_a_small_picture_is_refused(
    app: Flask, build: Build, make: Factory, tmp_path: Path
) -> None:
    media = build(MEDIA_DIR=str(tmp_path), MAX_IMAGE_BYTES=50_000)
    client = media.test_client()
    manager = make.staff("manager", center_id=make.center())
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": "药盒", "points_cost": 50}
    ).json
    url = f"/api/v1/catalog/items/{item['id']}/image"

    for content in (
        b"%PDF-1.4 not a picture",
        picture("BMP", (100, 100)),  # a larger body is refused before it is read (413)
        b"\x89PNG" + b"x" * 60_000,
    ):
        response = client.post(
            url,
            headers=manager.headers,
            data={"image": (io.BytesIO(content), "x.png")},
            content_type="multipart/form-data",
        )
        assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert list(tmp_path.iterdir()) == []
