"""Who may close an account or take a copy of its data: its resident, and no one else."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.access import (
    Arrange,
    assert_agrees_with_the_document,
    call,
    cases,
    routes_of,
    status_of,
    table,
)

ACCESS = table("""
                          anon  res  desk  other  mgr  dist  admin
DELETE /api/v1/me         401   204  403    403   403  403    403
GET    /api/v1/me/export  401   200  403    403   403  403    403
""")

REQUESTS: dict[str, Arrange] = {
    "DELETE /api/v1/me": lambda w: call(),
    "GET /api/v1/me/export": lambda w: call(),
}


def test_every_route_of_the_package_has_a_row(app: Flask) -> None:
    assert set(ACCESS) == routes_of(app, "privacy")
    assert set(REQUESTS) == set(ACCESS)


def test_the_openapi_document_lists_the_same_roles(app: Flask) -> None:
    assert_agrees_with_the_document(app, ACCESS)


@pytest.mark.parametrize(("route", "persona", "status"), cases(ACCESS))
def test_who_may_call_what(
    request: pytest.FixtureRequest, route: str, persona: str, status: int
) -> None:
    assert status_of(request, route, persona, REQUESTS[route]) == status
