"""Who may link a desk record to WeChat, and who may find and merge duplicates."""

from __future__ import annotations

from core.db import db
from identity import service as identity
from tests.access import Arrange, Call, World, access_tests, call, table

ACCESS = table("""
                                                anon  res  desk  other  mgr  dist  admin
POST /api/v1/residents/{resident_id}/link-code  401   403  201    404   201  201    201
GET  /api/v1/residents/duplicates               401   403  403    403   200  200    403
POST /api/v1/residents/{resident_id}/merge      401   403  403    403   200  200    403
""")


def registered_at_desk(w: World, name: str = "黄秀英", phone: str | None = "13812341234") -> int:
    """A resident center A's desk registered (no WeChat)."""
    with w.app.app_context():
        resident = identity.register_resident(w.desk.principal, name, phone)
        db.session.commit()
        return resident.id


def two_records_of_one_person(w: World) -> Call:
    first, second = registered_at_desk(w), registered_at_desk(w)
    return call(resident_id=first, json={"from_resident_id": second, "reason": "同一人重复登记"})


REQUESTS: dict[str, Arrange] = {
    "POST /api/v1/residents/{resident_id}/link-code": lambda w: call(
        resident_id=registered_at_desk(w)
    ),
    "GET /api/v1/residents/duplicates": lambda w: call(),
    "POST /api/v1/residents/{resident_id}/merge": two_records_of_one_person,
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "merging")
