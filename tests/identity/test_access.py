"""Who may log in, see residents, and run centers and staff accounts."""

from __future__ import annotations

from core.db import db, utcnow
from identity import member_cards
from identity.models import Resident
from tests.access import (
    Arrange,
    Call,
    World,
    access_tests,
    call,
    table,
)
from tests.factories import PASSWORD

NEW_PASSWORD = "a new and longer secret"

ACCESS = table("""
                                                   anon  res  desk  other  mgr  dist  admin
POST   /api/v1/auth/wechat                         200   200  200    200   200  200    200
POST   /api/v1/auth/login                          200   200  200    200   200  200    200
POST   /api/v1/auth/refresh                        200   200  200    200   200  200    200
POST   /api/v1/auth/logout                         204   204  204    204   204  204    204
POST   /api/v1/auth/password                       401   403  204    204   204  204    204
GET    /api/v1/auth/me                             401   403  200    200   200  200    200
PUT    /api/v1/auth/me                             401   403  200    200   200  200    200
GET    /api/v1/residents                           401   403  200    200   200  200    200
POST   /api/v1/residents                           401   403  201    404   201  201    201
GET    /api/v1/residents/{resident_id}             401   403  200    404   200  200    200
PUT    /api/v1/residents/{resident_id}/conditions  401   403  200    404   200  200    200
POST   /api/v1/residents/{resident_id}/member-card 401   403  201    404   201  201    201
DELETE /api/v1/residents/{resident_id}/member-card 401   403  200    404   200  200    200
GET    /api/v1/centers                             401   200  200    200   200  200    200
POST   /api/v1/centers                             401   403  403    403   403  403    201
PATCH  /api/v1/centers/{center_id}                 401   403  403    403   403  403    200
GET    /api/v1/staff                               401   403  403    403   200  200    200
POST   /api/v1/staff                               401   403  403    403   403  403    201
PATCH  /api/v1/staff/{staff_id}                    401   403  403    403   403  403    200
POST   /api/v1/staff/{staff_id}/password           401   403  403    403   403  403    204
GET    /api/v1/audit                               401   403  403    403   403  403    200
""")


def a_fresh_refresh_token(w: World) -> Call:
    return call(json={"refresh_token": w.make.resident().tokens["refresh_token"]})


def conditions_with_consent(w: World) -> Call:
    w.make.consent(w.resident.id)
    return call(resident_id=w.resident.id, json={"conditions": ["hypertension"]})


def a_printed_card(w: World) -> Call:
    with w.app.app_context():
        resident = db.session.get(Resident, w.resident.id)
        member_cards.issue(w.desk.principal, resident, utcnow())
        db.session.commit()
    return call(resident_id=w.resident.id, json={"reason": "居民报失"})


def a_clerk_at_center_a(w: World, **sent: object) -> Call:
    return call(staff_id=w.make.staff("staff", center_id=w.center).id, **sent)


REQUESTS: dict[str, Arrange] = {
    "POST /api/v1/auth/wechat": lambda w: call(json={"code": "dev:matrix-openid"}),
    "POST /api/v1/auth/login": lambda w: call(
        json={"username": w.desk.username, "password": PASSWORD}
    ),
    "POST /api/v1/auth/refresh": a_fresh_refresh_token,
    "POST /api/v1/auth/logout": a_fresh_refresh_token,
    "POST /api/v1/auth/password": lambda w: call(
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    ),
    "GET /api/v1/auth/me": lambda w: call(),
    "PUT /api/v1/auth/me": lambda w: call(json={"email": "me@example.cn"}),
    "GET /api/v1/residents": lambda w: call(query={"q": "陈"}),
    "POST /api/v1/residents": lambda w: call(json={"name": "黄秀英", "center_id": w.center}),
    "GET /api/v1/residents/{resident_id}": lambda w: call(resident_id=w.resident.id),
    "PUT /api/v1/residents/{resident_id}/conditions": conditions_with_consent,
    "POST /api/v1/residents/{resident_id}/member-card": lambda w: call(resident_id=w.resident.id),
    "DELETE /api/v1/residents/{resident_id}/member-card": a_printed_card,
    "GET /api/v1/centers": lambda w: call(),
    "POST /api/v1/centers": lambda w: call(json={"name": "新建社区卫生服务中心"}),
    "PATCH /api/v1/centers/{center_id}": lambda w: call(
        center_id=w.center, json={"address": "幸福路1号"}
    ),
    "GET /api/v1/staff": lambda w: call(),
    "POST /api/v1/staff": lambda w: call(
        json={"username": "clerk", "password": NEW_PASSWORD, "role": "staff", "center_id": w.center}
    ),
    "PATCH /api/v1/staff/{staff_id}": lambda w: a_clerk_at_center_a(w, json={"active": False}),
    "POST /api/v1/staff/{staff_id}/password": lambda w: a_clerk_at_center_a(
        w, json={"password": NEW_PASSWORD}
    ),
    "GET /api/v1/audit": lambda w: call(query={"resident_id": w.resident.id}),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "identity")
