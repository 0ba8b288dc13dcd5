"""Residents reach the API only through WeChat's ``wx.request``, which sends GET, POST, PUT and
DELETE but no PATCH: the OpenAPI document must offer them nothing they would need PATCH for.

Who may call an operation is read from the document itself: ``x-roles`` on each secured
operation (written by ``auth_required``, which enforces the same roles); an operation
without ``security`` is open to anyone, residents included.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from core.auth import RESIDENT, ROLES
from tests.miniprogram import WX_REQUEST_METHODS

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path, operation, path item) for every operation of the document."""
    document = client.get("/api/openapi.json").json
    return [
        (method, path, item[method], item)
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def resident_may_call(operation: dict[str, Any]) -> bool:
    return not operation.get("security") or RESIDENT in operation["x-roles"]


def test_every_secured_operation_says_which_roles_may_call_it(client: FlaskClient) -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for method, path, operation, _ in operations(client)
        if operation.get("security")
        and not (operation.get("x-roles") and set(operation["x-roles"]) <= set(ROLES))
    ]

    assert undocumented == []


def test_a_resident_never_needs_patch(client: FlaskClient) -> None:
    """A PATCH a resident may call is fine only next to a PUT that takes the same body."""
    trapped = []
    for method, path, operation, item in operations(client):
        if not resident_may_call(operation) or method.upper() in WX_REQUEST_METHODS:
            continue
        twin = item.get("put")
        if not (
            twin
            and resident_may_call(twin)
            and twin.get("requestBody") == operation.get("requestBody")
        ):
            trapped.append(f"{method.upper()} {path}")

    assert trapped == []


def test_residents_have_put_for_their_profile(client: FlaskClient) -> None:
    """The profile is the operation that had the trap (and the test above must see it)."""
    profile = {
        method: operation
        for method, path, operation, _ in operations(client)
        if path == "/api/v1/me" and method in ("put", "patch")
    }

    assert set(profile) == {"put", "patch"}
    assert all(op["x-roles"] == [RESIDENT] for op in profile.values())
    assert profile["put"]["requestBody"] == profile["patch"]["requestBody"]
