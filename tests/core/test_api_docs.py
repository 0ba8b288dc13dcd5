"""``/api/docs`` renders the OpenAPI document with assets the app serves itself (no CDN)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_the_docs_page_and_every_asset_it_loads_are_served(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))

    assert page.status_code == 200
    assert len(assets) >= 3  # Swagger UI's bundle, preset and stylesheet
    assert all(asset.startswith("/api/docs/static/") for asset in assets)
    for asset in assets:
        response = client.get(asset, buffered=True)  # read the file and close it
        assert response.status_code == 200, asset
        assert len(response.data) > 1000, asset


def test_the_docs_assets_serve_nothing_outside_their_package(client: FlaskClient) -> None:
    response = client.get("/api/docs/static/../../app.py")

    assert response.status_code == 404
    assert response.json["code"] == "not_found"
