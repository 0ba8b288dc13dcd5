"""What anyone may fetch without a token: liveness, the API's own document, and QR pictures
by signed link; and that every route of the app is in some package's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

from core import qr_links
from core.codes import CodeKeys
from tests.access import (
    Arrange,
    Call,
    World,
    access_tests,
    call,
    table,
)

ACCESS = table("""
                                       anon  res  desk  other  mgr  dist  admin
GET /api/v1/health                     200   200  200    200   200  200    200
GET /api/v1/qr/{token}.{image_format}  200   200  200    200   200  200    200
GET /api/openapi.json                  200   200  200    200   200  200    200
GET /api/docs                          200   200  200    200   200  200    200
GET /api/docs/static/{filename}        200   200  200    200   200  200    200
""")


def member_code_picture(w: World) -> Call:
    """The picture link a member code comes with, good for a minute more."""
    base_url = w.app.config["PUBLIC_BASE_URL"]
    until = datetime.now(UTC) + timedelta(minutes=1)
    url = qr_links.image_url("M1.code", until, CodeKeys.from_config(w.app.config), base_url)
    token = url.removeprefix(f"{base_url}{qr_links.PATH}").removesuffix(".png")
    return call(token=token, image_format="png")


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/health": lambda w: call(),
    "GET /api/v1/qr/{token}.{image_format}": member_code_picture,
    "GET /api/openapi.json": lambda w: call(),
    "GET /api/docs": lambda w: call(),
    "GET /api/docs/static/{filename}": lambda w: call(filename="swagger-ui.css"),
}

#: Whose views the app's routes are, and the tests/<package>/test_access.py that tables them
#: (Flask's own static files have none: they are the same for everyone).
TABLE_OF = {
    "core": "core",
    "flask_smorest": "core",  # the API's document and its page
    "identity": "identity",
    "points": "points",
    "events": "events",
    "catalog": "catalog",
    "stats": "stats",
    "me": "me",
    "imports": "imports",
    "gamification": "gamification",
    "reminders": "reminders",
    "merging": "merging",
    "console": "console",
    "flask": None,
}


def test_every_route_of_the_app_is_in_a_table(app: Flask) -> None:
    owners = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        owners.add(getattr(view, "view_class", view).__module__.split(".")[0])
    tests = Path(__file__).parents[1]

    assert owners <= set(TABLE_OF)
    assert all((tests / owner / "test_access.py").exists() for owner in TABLE_OF.values() if owner)


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "core", "flask_smorest")
