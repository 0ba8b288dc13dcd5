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
""")


def desk_login(w: World) -> Call:
    return call(json={"username": w.desk.username, "password": "correct horse battery"})


REQUESTS: dict[str, Arrange] = {
    "GET /console/": lambda w: call(),
    "POST /console/": desk_login,
    "POST /console/logout": lambda w: call(),
    "POST /console/language": lambda w: call(json={"language": "en"}),
    "GET /console/desk": lambda w: call(),
}

(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "console")
