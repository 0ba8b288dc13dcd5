"""Who may read a resident's points and change them: staff their center's residents;
managers correct a ledger and set the rules (a resident's own: tests/me/test_access.py)."""

from __future__ import annotations

from tests.access import (
    Arrange,
    access_tests,
    call,
    table,
)

ACCESS = table("""
                                                  anon  res  desk  other  mgr  dist  admin
GET  /api/v1/residents/{resident_id}/ledger       401   403  200    404   200  200    200
POST /api/v1/residents/{resident_id}/adjustments  401   403  403    403   201  201    403
GET  /api/v1/points/rules                         401   403  200    200   200  200    200
PUT  /api/v1/points/rules/{activity}              401   403  403    403   200  200    403
""")

REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/residents/{resident_id}/ledger": lambda w: call(resident_id=w.resident.id),
    "POST /api/v1/residents/{resident_id}/adjustments": lambda w: call(
        resident_id=w.resident.id, json={"points": 5, "reason": "补记讲座积分"}
    ),
    "GET /api/v1/points/rules": lambda w: call(query={"center_id": w.center}),
    "PUT /api/v1/points/rules/{activity}": lambda w: call(
        activity="lecture", json={"center_id": w.center, "points": 8}
    ),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "points")
