"""Centers (admin only): adding, renaming and readdressing one as the API then sees it; no two
centers share a name."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import log_in
from tests.factories import Account, Factory


def test_an_admin_adds_renames_and_readdresses_a_center(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    console = log_in(app, admin)

    added = console.post(
        "/console/admin/centers", {"name": "东湖社区卫生服务中心", "address": "东湖路8号"}
    )

    assert added.status_code == 200
    center = next(
        c
        for c in client.get("/api/v1/centers", headers=admin.headers).json["items"]
        if c["name"] == "东湖社区卫生服务中心"
    )
    assert center["address"] == "东湖路8号"

    console.post(
        f"/console/admin/centers/{center['id']}",
        {"name": "东湖街道社区卫生服务中心", "address": ""},
    )

    centers = {
        c["id"]: c for c in client.get("/api/v1/centers", headers=admin.headers).json["items"]
    }
    assert centers[center["id"]] == {
        "id": center["id"],
        "name": "东湖街道社区卫生服务中心",
        "address": None,
    }
    assert "东湖街道社区卫生服务中心" in console.get("/console/admin/centers").get_data(
        as_text=True
    )


def test_two_centers_cannot_share_a_name(app: Flask, make: Factory, admin: Account) -> None:
    make.center("西山社区卫生服务中心")
    other = make.center("北城社区卫生服务中心")
    console = log_in(app, admin)

    assert (
        console.post("/console/admin/centers", {"name": "西山社区卫生服务中心"}).status_code == 409
    )
    renamed = console.post(f"/console/admin/centers/{other}", {"name": "西山社区卫生服务中心"})
    assert renamed.status_code == 409
    assert "已有名为“西山社区卫生服务中心”的中心" in renamed.get_data(as_text=True)
    empty = console.post(f"/console/admin/centers/{other}", {"name": ""})
    assert empty.status_code == 422
