"""Who may read the statistics: managers and admins; a center's manager sees their center."""

from __future__ import annotations

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
GET /api/v1/stats/summary        401   403  403    403   200  200    200
GET /api/v1/stats/participation  401   403  403    403   200  200    200
GET /api/v1/stats/followups      401   403  403    403   200  200    200
GET /api/v1/stats/events         401   403  403    403   200  200    200
GET /api/v1/stats/items          401   403  403    403   200  200    200
GET /api/v1/stats/weekly         401   403  403    403   200  200    200
""")


def center_a_in_march(w: World) -> Call:
    return call(query={"from": "2026-03-01", "to": "2026-03-31", "center_id": w.center})


def center_a_in_a_march_week(w: World) -> Call:
    return call(query={"week": "2026-W10", "center_id": w.center})


REQUESTS: dict[str, Arrange] = {route: center_a_in_march for route in ACCESS}
REQUESTS["GET /api/v1/stats/weekly"] = center_a_in_a_march_week


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "stats")
