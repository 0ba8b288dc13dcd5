"""Who may open which console page: every route of the console has a row (tests/access.py).

A browser without a login is sent to the login form (302), whoever it is; a role the page
is not for is refused (403); each request carries the CSRF token.
"""

from __future__ import annotations

from tests.access import Arrange, Call, World, access_tests, call, table

ACCESS = table("""
                                       anon  res  desk  other  mgr  dist  admin
GET /console/                          200   200  302    302   302  302    302
POST /console/                         302   302  302    302   302  302    302
POST /console/logout                   302   302  302    302   302  302    302
POST /console/language                 302   302  302    302   302  302    302
GET /console/desk                      302   302  200    200   200  200    200
GET /console/admin                     302   302  403    403   302  302    302
GET /console/admin/staff               302   302  403    403   403  403    200
POST /console/admin/staff              302   302  403    403   403  403    303
GET /console/admin/staff/{staff_id}    302   302  403    403   403  403    200
POST /console/admin/staff/{staff_id}   302   302  403    403   403  403    303
POST /console/admin/staff/{staff_id}/active 302   302  403    403   403  403    303
POST /console/admin/staff/{staff_id}/password 302   302  403    403   403  403    303
GET /console/admin/centers             302   302  403    403   403  403    200
POST /console/admin/centers            302   302  403    403   403  403    303
POST /console/admin/centers/{center_id} 302   302  403    403   403  403    303
GET /console/admin/rules               302   302  403    403   200  200    200
POST /console/admin/rules              302   302  403    403   303  303    403
GET /console/admin/audit               302   302  403    403   403  403    200
""")


NEW_PASSWORD = "a new and longer secret"


def a_clerk_at_center_a(w: World, **sent: object) -> Call:
    return call(staff_id=w.make.staff("staff", center_id=w.center).id, **sent)


def desk_login(w: World) -> Call:
    return call(json={"username": w.desk.username, "password": "correct horse battery"})


REQUESTS: dict[str, Arrange] = {
    "GET /console/": lambda w: call(),
    "POST /console/": desk_login,
    "POST /console/logout": lambda w: call(),
    "POST /console/language": lambda w: call(json={"language": "en"}),
    "GET /console/desk": lambda w: call(),
    "GET /console/admin": lambda w: call(),
    "GET /console/admin/staff": lambda w: call(query={"center_id": w.center}),
    "POST /console/admin/staff": lambda w: call(
        json={"username": "clerk.new", "password": NEW_PASSWORD, "role": "staff"}
        | {"center_id": w.center}
    ),
    "GET /console/admin/staff/{staff_id}": a_clerk_at_center_a,
    "POST /console/admin/staff/{staff_id}": lambda w: a_clerk_at_center_a(
        w, json={"role": "manager", "center_id": w.center}
    ),
    "POST /console/admin/staff/{staff_id}/active": lambda w: a_clerk_at_center_a(
        w, json={"active": "false"}
    ),
    "POST /console/admin/staff/{staff_id}/password": lambda w: a_clerk_at_center_a(
        w, json={"password": NEW_PASSWORD}
    ),
    "GET /console/admin/centers": lambda w: call(),
    "POST /console/admin/centers": lambda w: call(json={"name": "新建社区卫生服务中心"}),
    "POST /console/admin/centers/{center_id}": lambda w: call(
        center_id=w.center, json={"name": "改名后的中心", "address": "幸福路1号"}
    ),
    "GET /console/admin/rules": lambda w: call(query={"center_id": w.center}),
    "POST /console/admin/rules": lambda w: call(
        json={"activity": "lecture", "center_id": w.center, "points": "12"}
    ),
    "GET /console/admin/audit": lambda w: call(query={"action": "resident."}),
}

(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "console")
