"""Who may see and run events, check residents in, and keep follow-ups; and the pages a
browser opens without a token (a scanned link, the projector)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.codes import CodeKeys
from core.db import db
from events import codes, followups
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
GET   /api/v1/events                                 401   200  200    200   200  200    200
POST  /api/v1/events                                 401   403  201    404   201  201    403
GET   /api/v1/events/{event_id}                      401   200  200    404   200  200    200
PATCH /api/v1/events/{event_id}                      401   403  200    404   200  200    403
POST  /api/v1/events/{event_id}/cancel               401   403  200    404   200  200    403
GET   /api/v1/events/{event_id}/qr                   401   403  200    404   200  200    200
POST  /api/v1/events/{event_id}/personal-codes       401   403  201    404   201  201    201
POST  /api/v1/events/{event_id}/display              401   403  201    404   201  201    201
POST  /api/v1/events/{event_id}/display-link/revoke  401   403  204    404   204  204    204
POST  /api/v1/events/{event_id}/checkins             401   403  201    404   201  201    201
GET   /api/v1/events/{event_id}/attendance           401   403  200    404   200  200    200
GET   /api/v1/events/{event_id}/scans                401   403  200    404   200  200    200
GET   /api/v1/events/{event_id}/flags                401   403  200    404   200  200    200
POST  /api/v1/events/{event_id}/signups              401   201  403    403   403  403    403
GET   /api/v1/events/{event_id}/signups              401   403  200    404   200  200    200
DELETE /api/v1/events/{event_id}/signups/me          401   204  403    403   403  403    403
POST  /api/v1/checkins                               401   201  403    403   403  403    403
POST  /api/v1/checkins/{checkin_id}/annul            401   403  200    404   200  200    200
GET   /api/v1/followups                              401   403  200    200   200  200    200
POST  /api/v1/followups                              401   403  201    404   201  201    201
GET   /api/v1/followups/overdue.csv                  401   403  200    200   200  200    200
POST  /api/v1/followups/{followup_id}/calls          401   403  201    404   201  201    201
GET   /api/v1/followups/{followup_id}/calls          401   403  200    404   200  200    200
GET   /q/{token}                                     200   200  200    200   200  200    200
GET   /display/{token}                               200   200  200    200   200  200    200
GET   /display/{token}/state                         200   200  200    200   200  200    200
""")


def event_at_center_a(w: World, **sent: object) -> Call:
    """A lecture at center A, starting in 10 minutes (check-in is open)."""
    return call(event_id=w.make.event(w.center, by=w.desk), **sent)


def keys(w: World) -> CodeKeys:
    return CodeKeys.from_config(w.app.config)


def projector_code(w: World) -> str:
    """The code the projector shows now at a lecture of center A."""
    event_id = w.make.event(w.center, by=w.desk)
    link = codes.rotating(event_id, keys(w), datetime.now(UTC), w.app.config["PUBLIC_BASE_URL"], 20)
    return link.token


def projector_page(w: World) -> Call:
    """The projector page of a lecture at center A (the event's first links)."""
    return call(token=codes.display(w.make.event(w.center, by=w.desk), 0, keys(w)))


def a_check_in(w: World) -> Call:
    """The resident's check-in at a lecture of center A."""
    event_id = w.make.event(w.center, by=w.desk)
    return call(checkin_id=w.make.checkin(event_id, w.resident.id), json={"reason": "扫错了人"})


def a_follow_up(w: World) -> Call:
    w.make.consent(w.resident.id)
    due_on = (date.today() + timedelta(days=14)).isoformat()
    return call(json={"resident_id": w.resident.id, "condition": "hypertension", "due_on": due_on})


def an_overdue_follow_up(w: World, **sent: object) -> Call:
    """A follow-up of the resident of center A, due a week ago."""
    w.make.consent(w.resident.id)
    with w.app.app_context():
        due_on = date.today() - timedelta(days=7)
        followup = followups.schedule(w.desk.principal, w.resident.id, "hypertension", due_on)
        db.session.commit()
        return call(followup_id=followup.id, **sent)


def new_lecture(w: World) -> Call:
    starts_at = datetime.now(UTC) + timedelta(days=1)
    return call(
        json={
            "title": "糖尿病饮食讲座",
            "kind": "lecture",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "center_id": w.center,
        }
    )


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/events": lambda w: call(),
    "POST /api/v1/events": new_lecture,
    "GET /api/v1/events/{event_id}": event_at_center_a,
    "PATCH /api/v1/events/{event_id}": lambda w: event_at_center_a(w, json={"title": "改期讲座"}),
    "POST /api/v1/events/{event_id}/cancel": event_at_center_a,
    "GET /api/v1/events/{event_id}/qr": event_at_center_a,
    "POST /api/v1/events/{event_id}/personal-codes": lambda w: event_at_center_a(
        w, json={"resident_id": w.resident.id}
    ),
    "POST /api/v1/events/{event_id}/display": event_at_center_a,
    "POST /api/v1/events/{event_id}/display-link/revoke": event_at_center_a,
    "POST /api/v1/events/{event_id}/checkins": lambda w: event_at_center_a(
        w, json={"resident_id": w.resident.id}
    ),
    "GET /api/v1/events/{event_id}/attendance": event_at_center_a,
    "GET /api/v1/events/{event_id}/scans": event_at_center_a,
    "GET /api/v1/events/{event_id}/flags": event_at_center_a,
    "POST /api/v1/events/{event_id}/signups": event_at_center_a,
    "GET /api/v1/events/{event_id}/signups": event_at_center_a,
    "DELETE /api/v1/events/{event_id}/signups/me": event_at_center_a,
    "POST /api/v1/checkins": lambda w: call(json={"token": projector_code(w)}),
    "POST /api/v1/checkins/{checkin_id}/annul": a_check_in,
    "GET /api/v1/followups": lambda w: call(query={"center_id": w.center}),
    "POST /api/v1/followups": a_follow_up,
    "GET /api/v1/followups/overdue.csv": lambda w: call(query={"center_id": w.center}),
    "POST /api/v1/followups/{followup_id}/calls": lambda w: an_overdue_follow_up(
        w, json={"outcome": "no_answer", "note": "无人接听"}
    ),
    "GET /api/v1/followups/{followup_id}/calls": an_overdue_follow_up,
    "GET /q/{token}": lambda w: call(token=projector_code(w)),
    "GET /display/{token}": projector_page,
    "GET /display/{token}/state": projector_page,
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "events")
