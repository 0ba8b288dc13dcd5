"""Who may call reminders' routes: a resident their own grants; staff the reminders of
their center's residents (the district's managers and administrators every center's)."""

from __future__ import annotations

from tests.access import Arrange, access_tests, call, table
from tests.reminders.test_calls import call_reminder_at_center_a

ACCESS = table("""
                                                anon  res  desk  other  mgr  dist  admin
GET    /api/v1/me/subscriptions                 401   200  403    403   403  403    403
POST   /api/v1/me/subscriptions                 401   200  403    403   403  403    403
DELETE /api/v1/me/subscriptions/{template}      401   204  403    403   403  403    403
GET    /api/v1/reminders                        401   403  200    200   200  200    200
GET    /api/v1/reminders/calls                  401   403  200    200   200  200    200
POST   /api/v1/reminders/{reminder_id}/calls    401   403  201    404   201  201    201
""")

REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/me/subscriptions": lambda w: call(),
    "POST /api/v1/me/subscriptions": lambda w: call(json={"template": "followup_due"}),
    "DELETE /api/v1/me/subscriptions/{template}": lambda w: call(template="followup_due"),
    "GET /api/v1/reminders": lambda w: call(query={"status": "pending"}),
    "GET /api/v1/reminders/calls": lambda w: call(),
    "POST /api/v1/reminders/{reminder_id}/calls": lambda w: call(
        reminder_id=call_reminder_at_center_a(w), json={"outcome": "no_answer"}
    ),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "reminders")
