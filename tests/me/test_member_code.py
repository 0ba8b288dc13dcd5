"""The member code as a picture the mini-program's ``<image>`` loads (it sends no headers)."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask.testing import FlaskClient

from core import qr_links
from tests.conftest import Build
from tests.factories import Factory
from tests.qr import read_qr

PUBLIC = "https://jkjf.example.cn"


@pytest.fixture
def public(build: Build) -> FlaskClient:
    return build(PUBLIC_BASE_URL=PUBLIC).test_client()


def test_the_member_code_picture_loads_without_a_token_while_the_code_lives(
    public: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make.staff("staff")
    resident = make.resident(desk.center_id)
    member = public.get("/api/v1/me/member-code", headers=resident.headers).json
    path = member["image_url"].removeprefix(PUBLIC)

    png = public.get(path)
    scanned = read_qr(png.data)
    at_the_desk = public.post(
        "/api/v1/redemptions/reservations/lookup",
        headers=desk.headers,
        json={"member_code": scanned},
    )
    monkeypatch.setattr(qr_links, "utcnow", lambda: datetime.fromisoformat(member["expires_at"]))
    lapsed = public.get(path)

    assert member["image_url"].startswith(f"{PUBLIC}/api/v1/qr/")
    assert (png.status_code, png.content_type) == (200, "image/png")
    assert png.headers["Cache-Control"] == "no-store"
    assert scanned == member["code"]
    assert at_the_desk.json["resident"]["id"] == resident.id
    assert (lapsed.status_code, lapsed.json["code"]) == (410, "qr_expired")
