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
GET /console/events                    302   302  200    200   200  200    200
GET /console/events/new                302   302  200    200   200  200    403
POST /console/events                   302   302  303    404   303  303    403
GET /console/events/{event_id}         302   302  200    404   200  200    200
GET /console/events/{event_id}/edit    302   302  200    404   200  200    403
POST /console/events/{event_id}/edit   302   302  303    404   303  303    403
GET /console/events/{event_id}/cancel  302   302  200    404   200  200    403
POST /console/events/{event_id}/cancel 302   302  303    404   303  303    403
POST /console/events/{event_id}/display 302  302  303    404   303  303    303
GET /console/events/{event_id}/poster  302   302  200    404   200  200    200
GET /console/events/{event_id}/attendance 302 302 200   404   200  200    200
GET /console/events/{event_id}/attendance.csv 302 302 200 404 200  200    200
GET /console/events/{event_id}/scans   302   302  200    404   200  200    200
""")


def desk_login(w: World) -> Call:
    return call(json={"username": w.desk.username, "password": "correct horse battery"})


def new_event(w: World) -> Call:
    """The new-event form for center A, on the district's clock."""
    form = {"title": "讲座", "kind": "lecture", "starts_at": "2026-12-05T09:30"}
    return call(json={**form, "ends_at": "2026-12-05T10:30", "center_id": w.center})


def an_event(w: World, **form: str) -> Call:
    """Center A's event, its check-in open; ``form``: the fields a form sends."""
    return call(event_id=w.make.event(w.center), json=form or None)


REQUESTS: dict[str, Arrange] = {
    "GET /console/": lambda w: call(),
    "POST /console/": desk_login,
    "POST /console/logout": lambda w: call(),
    "POST /console/language": lambda w: call(json={"language": "en"}),
    "GET /console/desk": lambda w: call(),
    "GET /console/events": lambda w: call(),
    "GET /console/events/new": lambda w: call(),
    "POST /console/events": new_event,
    "GET /console/events/{event_id}": an_event,
    "GET /console/events/{event_id}/edit": an_event,
    "POST /console/events/{event_id}/edit": lambda w: an_event(w, title="冬季养生讲座"),
    "GET /console/events/{event_id}/cancel": an_event,
    "POST /console/events/{event_id}/cancel": an_event,
    "POST /console/events/{event_id}/display": an_event,
    "GET /console/events/{event_id}/poster": an_event,
    "GET /console/events/{event_id}/attendance": an_event,
    "GET /console/events/{event_id}/attendance.csv": an_event,
    "GET /console/events/{event_id}/scans": an_event,
}

(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "console")
