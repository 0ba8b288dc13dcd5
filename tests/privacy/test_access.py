"""Who may close an account or take a copy of its data: its resident, and no one else."""

from __future__ import annotations

from tests.access import (
    Arrange,
    access_tests,
    call,
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


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "privacy")
