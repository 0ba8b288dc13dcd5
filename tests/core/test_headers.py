"""Security headers on the API and the pages; personal data is never cached."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.factories import Factory

API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def assert_hardened(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_api_answers_may_not_run_or_be_framed_or_kept(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    responses = [
        client.get("/api/v1/me", headers=resident.headers),
        client.post("/api/v1/auth/wechat", json={"code": "dev:someone"}),  # tokens
        client.get("/api/v1/me"),  # a refusal
        client.get("/api/v1/health"),
    ]

    for response in responses:
        assert_hardened(response)
        assert response.headers["Content-Security-Policy"] == API_POLICY
        assert response.headers["Cache-Control"] == "no-store"


def test_the_public_api_description_stays_cacheable(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert_hardened(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_projector_page_runs_only_its_own_script(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    link = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers).json
    path = link["url"].removeprefix("http://127.0.0.1:5000")

    page = client.get(path)
    again = client.get(path)

    assert page.status_code == 200
    assert_hardened(page)
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    scripts = re.findall(r"<script[^>]*>", page.get_data(as_text=True))
    assert scripts == [f'<script nonce="{nonce}">']
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1]
    assert nonce not in again.headers["Content-Security-Policy"]  # one per response
    assert page.headers["Cache-Control"] == "no-store"


def test_the_api_documentation_page_may_run_its_inline_script(client: FlaskClient) -> None:
    page = client.get("/api/docs")

    assert page.status_code == 200
    assert_hardened(page)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "nonce" not in policy  # a nonce would switch 'unsafe-inline' off
