"""Who may open which console page: every route of the console has a row (tests/access.py).

A browser without a login is sent to the login form (302), whoever it is; a role the page
is not for is refused (403); each request carries the CSRF token.
"""

from __future__ import annotations

import io

from tests.access import Arrange, Call, World, access_tests, call, table
from tests.catalog.test_images import picture
from tests.console.arrangements import (
    a_card_in_use,
    a_challenge_form,
    a_merge,
    a_register_for_center_a,
    an_import,
    named,
    poster,
    redeemed,
    redemption,
    registered_at_desk,
    reserved,
    two_records,
)
from tests.console.test_catalog import gift_at_center_a
from tests.console.test_followups import overdue_at_center_a
from tests.desks import all_day_event
from tests.gamification.test_access import a_badge_made, challenge_at_center_a
from tests.reminders.test_calls import call_reminder_at_center_a

ACCESS = table("""
                                       anon  res  desk  other  mgr  dist  admin
GET /console/                          200   200  302    302   302  302    302
POST /console/                         302   302  302    302   302  302    302
POST /console/logout                   302   302  302    302   302  302    302
POST /console/language                 302   302  302    302   302  302    302
GET /console/desk                      302   302  200    200   200  200    200
POST /console/desk/center              302   302  422    422   422  302    302
POST /console/desk/scan                302   302  200    404   200  200    200
GET /console/desk/search               302   302  200    200   200  200    200
GET /console/desk/residents/{resident_id}  302   302  200    404   200  200    200
POST /console/desk/door/leave          302   302  200    200   200  200    200
POST /console/desk/checkin             302   302  200    404   200  200    200
POST /console/desk/redeem/preview      302   302  200    404   200  422    422
POST /console/desk/redeem              302   302  200    404   200  422    422
POST /console/desk/pickup              302   302  200    404   200  422    422
POST /console/desk/checkins/{checkin_id}/annul  302   302  200    404   200  200    200
POST /console/desk/redemptions/{redemption_id}/cancel  302   302  200    404   200  200    200
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
GET /console/events/{event_id}/signups   302 302 200   404   200  200    200
GET /console/events/{event_id}/attendance.csv 302 302 200 404 200  200    200
GET /console/events/{event_id}/scans   302   302  200    404   200  200    200
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
GET /console/followups                 302   302  200    200   200  200    200
GET /console/followups/overdue.csv     302   302  200    200   200  200    200
POST /console/followups/{followup_id}/phone 302 302 200   404   200  200    200
GET /console/followups/{followup_id}/calls 302 302 200    404   200  200    200
POST /console/followups/{followup_id}/calls 302   302   303   404   303   303   303
GET /console/calls                     302   302  200    200   200  200    200
GET /console/calls/sheet.{kind}        302   302  200    200   200  200    200
POST /console/calls/{reminder_id}/phone 302    302  200    404   200  200    200
POST /console/calls/{reminder_id}/calls 302    302  303    404   303  303    303
GET /console/catalog                   302   302  200    404   200  200    200
GET /console/catalog/items/new         302   302  403    403   200  200    200
POST /console/catalog/items             302   302   403   403   303   303   303
GET /console/catalog/items/{item_id}   302   302  200    404   200  200    200
POST /console/catalog/items/{item_id}   302   302   403   403   303   303   303
POST /console/catalog/items/{item_id}/image 302   302   403   403   303   303   303
POST /console/catalog/items/{item_id}/stock-take 302   302   303   404   303   303   303
POST /console/catalog/items/{item_id}/stock 302   302   303   404   303   303   303
GET /console/dashboard                 302   302  403    403   200  200    200
GET /console/dashboard/followups       302   302  403    403   200  200    200
GET /console/dashboard/{widget}.{fmt}  302   302  403    403   200  200    200
GET /console/dashboard/report          302   302  403    403   200  200    200
GET /console/dashboard/report.xlsx     302   302  403    403   200  200    200
GET /console/reports/weekly            302   302  403    403   200  200    200
GET /console/reports/weekly.csv        302   302  403    403   200  200    200
POST /console/reports/weekly/mail      302   302  403    403   303  303    303
GET /console/admin/audit               302   302  403    403   403  403    200
GET /console/challenges                302   302  403    403   200  200    200
GET /console/challenges/new            302   302  403    403   200  200    200
POST /console/challenges               302   302  403    403   303  303    303
GET /console/challenges/{challenge_id}/edit  302  302  403  403   200  200    200
POST /console/challenges/{challenge_id}/edit 302  302  403  403   303  303    303
POST /console/challenges/{challenge_id}/end  302  302  403  403   303  303    303
GET /console/challenges/badges         302   302  403    403   200  200    200
POST /console/challenges/badges        302   302  403    403   403  303    303
POST /console/challenges/badges/{code}/deactivate  302  302  403  403  403  303  303
GET /console/imports                   302   302  403    403   200  200    403
POST /console/imports                  302   302  403    403   303  303    403
GET /console/imports/{batch_id}        302   302  403    403   200  200    403
GET /console/imports/{batch_id}/progress  302  302  403  403   200  200    403
POST /console/imports/{batch_id}/confirm  302  302  403  403   303  303    403
POST /console/imports/{batch_id}/undo  302   302  403    403   303  303    403
GET /console/imports/{batch_id}/problems.xlsx  302  302  403  403  200  200   403
GET /console/imports/templates/{kind}.xlsx  302  302  403  403  200  200    403
GET /console/residents                 302   302  200    200   200  200    200
GET /console/residents/new             302   302  200    200   200  200    200
POST /console/residents/new            302   302  303    404   303  303    303
GET /console/residents/{resident_id}   302   302  200    404   200  200    200
POST /console/residents/{resident_id}/card  302   302  200    404   200  200    200
POST /console/residents/{resident_id}/card/revoke  302   302  303    404   303  303    303
POST /console/residents/{resident_id}/link-code  302   302  200    404   200  200    200
GET /console/merges                    302   302  403    403   200  200    403
GET /console/merges/compare            302   302  403    403   200  200    403
POST /console/merges/preview           302   302  403    403   200  200    403
POST /console/merges                   302   302  403    403   200  200    403
""")


NEW_PASSWORD = "a new and longer secret"


def a_clerk_at_center_a(w: World, **sent: object) -> Call:
    return call(staff_id=w.make.staff("staff", center_id=w.center).id, **sent)


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
    "GET /console/followups": lambda w: call(),
    "GET /console/followups/overdue.csv": lambda w: call(),
    "POST /console/followups/{followup_id}/phone": lambda w: call(
        followup_id=overdue_at_center_a(w), json={}
    ),
    "GET /console/followups/{followup_id}/calls": lambda w: call(
        followup_id=overdue_at_center_a(w)
    ),
    "POST /console/followups/{followup_id}/calls": lambda w: call(
        followup_id=overdue_at_center_a(w), json={"outcome": "no_answer"}
    ),
    "GET /console/calls": lambda w: call(),
    "GET /console/calls/sheet.{kind}": lambda w: call(kind="xlsx"),
    "POST /console/calls/{reminder_id}/phone": lambda w: call(
        reminder_id=call_reminder_at_center_a(w), json={}
    ),
    "POST /console/calls/{reminder_id}/calls": lambda w: call(
        reminder_id=call_reminder_at_center_a(w), json={"outcome": "no_answer"}
    ),
    "GET /console/catalog": lambda w: call(query={"center_id": w.center}),
    "GET /console/catalog/items/new": lambda w: call(),
    "POST /console/catalog/items": lambda w: call(json={"name": "体重秤", "points_cost": "300"}),
    "GET /console/catalog/items/{item_id}": lambda w: call(
        item_id=gift_at_center_a(w), query={"center_id": w.center}
    ),
    "POST /console/catalog/items/{item_id}": lambda w: call(
        item_id=gift_at_center_a(w), json={"name": "腰围尺", "points_cost": "40", "active": "true"}
    ),
    "POST /console/catalog/items/{item_id}/image": lambda w: call(
        item_id=gift_at_center_a(w),
        json={"image": (io.BytesIO(picture(size=(80, 80))), "gift.png")},
    ),
    "POST /console/catalog/items/{item_id}/stock-take": lambda w: call(
        item_id=gift_at_center_a(w),
        json={"center_id": w.center, "counted": "4", "note": "坏了一个"},
    ),
    "POST /console/catalog/items/{item_id}/stock": lambda w: call(
        item_id=gift_at_center_a(w),
        json={"center_id": w.center, "reason": "received", "quantity": "3"},
    ),
    "GET /console/dashboard": lambda w: call(),
    "GET /console/dashboard/followups": lambda w: call(),
    "GET /console/dashboard/{widget}.{fmt}": lambda w: call(widget="participation", fmt="xlsx"),
    "GET /console/dashboard/report": lambda w: call(),
    "GET /console/dashboard/report.xlsx": lambda w: call(),
    "GET /console/reports/weekly": lambda w: call(query={"week": "2026-W10"}),
    "GET /console/reports/weekly.csv": lambda w: call(query={"week": "2026-W10"}),
    "POST /console/reports/weekly/mail": lambda w: call(
        json={"email": "me@example.cn", "weekly_report": "true", "week": "2026-W10"}
    ),
    "GET /console/": lambda w: call(),
    "POST /console/": desk_login,
    "POST /console/logout": lambda w: call(),
    "POST /console/language": lambda w: call(json={"language": "en"}),
    "GET /console/desk": lambda w: call(),
    "POST /console/desk/center": lambda w: call(json={"center_id": w.center}),
    "POST /console/desk/scan": lambda w: call(json={"code": poster(w)}),
    "GET /console/desk/search": lambda w: call(query={"q": named(w)}),
    "GET /console/desk/residents/{resident_id}": lambda w: call(resident_id=w.resident.id),
    "POST /console/desk/door/leave": lambda w: call(),
    "POST /console/desk/checkin": lambda w: call(
        json={"event_id": all_day_event(w.app, w.make, w.center), "resident_id": w.resident.id}
    ),
    "POST /console/desk/redeem/preview": lambda w: call(json=redemption(w)),
    "POST /console/desk/redeem": lambda w: call(json=redemption(w)),
    "POST /console/desk/pickup": lambda w: call(json={"pickup_code": reserved(w)}),
    "POST /console/desk/checkins/{checkin_id}/annul": lambda w: call(
        checkin_id=w.make.checkin(all_day_event(w.app, w.make, w.center), w.resident.id),
        json={"resident_id": w.resident.id, "reason": "代签错了人"},
    ),
    "POST /console/desk/redemptions/{redemption_id}/cancel": lambda w: call(
        redemption_id=redeemed(w), json={"resident_id": w.resident.id, "reason": "尺寸不合适"}
    ),
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
    "GET /console/events/{event_id}/signups": an_event,
    "GET /console/events/{event_id}/attendance.csv": an_event,
    "GET /console/events/{event_id}/scans": an_event,
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
    "GET /console/challenges": lambda w: call(),
    "GET /console/challenges/new": lambda w: call(),
    "POST /console/challenges": lambda w: call(json=a_challenge_form(w, 5)),
    "GET /console/challenges/{challenge_id}/edit": lambda w: call(
        challenge_id=challenge_at_center_a(w, 10)
    ),
    "POST /console/challenges/{challenge_id}/edit": lambda w: call(
        challenge_id=challenge_at_center_a(w, 10),
        json={k: v for k, v in a_challenge_form(w, 5).items() if k != "center_id"},
    ),
    "POST /console/challenges/{challenge_id}/end": lambda w: call(
        challenge_id=challenge_at_center_a(w, -3)
    ),
    "GET /console/challenges/badges": lambda w: call(),
    "POST /console/challenges/badges": lambda w: call(
        json={"name": "讲座常客", "rule": "activities", "activity": "lecture", "count": "10"}
    ),
    "POST /console/challenges/badges/{code}/deactivate": lambda w: call(code=a_badge_made(w)),
    "GET /console/imports": lambda w: call(query={"center_id": w.center}),
    "POST /console/imports": lambda w: call(json=a_register_for_center_a(w)),
    "GET /console/imports/{batch_id}": lambda w: an_import(w),
    "GET /console/imports/{batch_id}/progress": lambda w: an_import(w),
    "POST /console/imports/{batch_id}/confirm": lambda w: an_import(w, dry_run=True),
    "POST /console/imports/{batch_id}/undo": lambda w: an_import(w),
    "GET /console/imports/{batch_id}/problems.xlsx": lambda w: an_import(w, dry_run=True),
    "GET /console/imports/templates/{kind}.xlsx": lambda w: call(kind="attendance"),
    "GET /console/residents": lambda w: call(),
    "GET /console/residents/new": lambda w: call(),
    "POST /console/residents/new": lambda w: call(json={"name": "黄秀英", "center_id": w.center}),
    "GET /console/residents/{resident_id}": lambda w: call(resident_id=w.resident.id),
    "POST /console/residents/{resident_id}/card": lambda w: call(resident_id=w.resident.id),
    "POST /console/residents/{resident_id}/card/revoke": lambda w: call(
        resident_id=a_card_in_use(w), json={"reason": "居民报失"}
    ),
    "POST /console/residents/{resident_id}/link-code": lambda w: call(
        resident_id=registered_at_desk(w)
    ),
    "GET /console/merges": lambda w: call(query={"q": named(w)}),
    "GET /console/merges/compare": lambda w: call(query=two_records(w)),
    "POST /console/merges/preview": lambda w: call(json=a_merge(w)),
    "POST /console/merges": lambda w: call(json=a_merge(w)),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "console")
