"""The follow-ups area: the overdue list to phone, the number shown on request (audited), and
each call's outcome recorded in place, a new day agreed rescheduling the follow-up; every
change as the API then sees it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape as html_unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events import followups
from identity.models import AuditEvent
from tests.access import World
from tests.consoles import log_in
from tests.events.test_followups import consenting, schedule, today
from tests.factories import Account, Factory
from tests.spreadsheets import csv_rows


def overdue_at_center_a(w: World) -> int:
    """A follow-up of center A's resident, due ten days ago."""
    w.make.consent(w.resident.id)
    with w.app.app_context():
        due_on = today() - timedelta(days=10)
        followup = followups.schedule(w.desk.principal, w.resident.id, "hypertension", due_on)
        db.session.commit()
        return followup.id


def overdue(client: FlaskClient, make: Factory, desk: Account, days: int = 10, **who: str) -> Any:
    resident = consenting(client, make, desk.center_id, **who)
    return schedule(client, desk, resident.id, today() - timedelta(days=days)).json


def calls_as_the_api_sees_them(client: FlaskClient, staff: Account, followup_id: int) -> Any:
    return client.get(f"/api/v1/followups/{followup_id}/calls", headers=staff.headers).json["items"]


def test_the_list_is_the_centers_overdue_follow_ups_oldest_first_phones_masked(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    recent = overdue(client, make, desk, days=2, name="李建国", phone="13700001111")
    oldest = overdue(client, make, desk, days=20, name="黄秀英", phone="13812345678")
    schedule(client, desk, consenting(client, make, desk.center_id).id, today())
    elsewhere = overdue(client, make, other_center_desk, name="王芳")

    html = log_in(app, desk).get("/console/followups").get_data(as_text=True)

    assert html.index(f'data-testid="followup-{oldest["id"]}"') < html.index(
        f'data-testid="followup-{recent["id"]}"'
    )
    assert html.count('data-status="overdue"') == 2 and 'data-status="open"' not in html
    assert "138****5678" in html and "13812345678" not in html
    assert f'data-testid="followup-{elsewhere["id"]}"' not in html and "王芳" not in html


def test_the_list_filters_by_status_and_due_range(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    old = overdue(client, make, desk, days=30)
    recent = overdue(client, make, desk, days=3)
    upcoming = schedule(client, desk, consenting(client, make, desk.center_id).id, today()).json
    console = log_in(app, desk)
    week_ago = (today() - timedelta(days=7)).isoformat()

    every = console.get("/console/followups?status=all").get_data(as_text=True)
    since = console.get(f"/console/followups?status=all&due_from={week_ago}").get_data(as_text=True)
    still_open = console.get("/console/followups?status=open").get_data(as_text=True)

    assert all(f'id="followup-{f["id"]}"' in every for f in (old, recent, upcoming))
    assert f'id="followup-{old["id"]}"' not in since and f'id="followup-{recent["id"]}"' in since
    assert f'id="followup-{upcoming["id"]}"' in still_open
    assert f'id="followup-{old["id"]}"' not in still_open


def test_the_number_is_shown_on_request_and_each_showing_is_audited(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk, name="黄秀英", phone="13812345678")

    response = log_in(app, desk).post(f"/console/followups/{followup['id']}/phone")

    assert response.status_code == 200
    assert 'href="tel:13812345678"' in response.get_data(as_text=True)
    with app.app_context():
        shown = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.resident_id).where(
                AuditEvent.action == "followup.phone"
            )
        ).all()
    assert shown == [(desk.id, followup["resident_id"])]


def test_the_overdue_list_downloads_as_the_apis_csv_for_the_phone(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    followup = overdue(client, make, desk, name="黄秀英", phone="13812345678")
    overdue(client, make, other_center_desk, name="王芳")
    clerk = log_in(app, desk)
    page = clerk.get("/console/followups").get_data(as_text=True)
    link = re.search(r'data-testid="download-overdue"\s+href="([^"]+)"', page)
    assert link

    downloaded = clerk.get(html_unescape(link.group(1)))
    from_the_api = client.get("/api/v1/followups/overdue.csv", headers=desk.headers)

    rows = csv_rows(downloaded)
    assert rows == csv_rows(from_the_api)
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [
        (str(followup["id"]), "黄秀英", "13812345678")
    ]
    assert "attachment" in downloaded.headers["Content-Disposition"]


def test_a_call_is_recorded_in_place_and_the_api_sees_it(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)

    response = log_in(app, desk).post(
        f"/console/followups/{followup['id']}/calls", {"outcome": "no_answer", "note": "响铃无人接"}
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="followup-{followup["id"]}"' in html and 'data-outcome="no_answer"' in html
    assert "响铃无人接" in html
    [call] = calls_as_the_api_sees_them(client, desk, followup["id"])
    assert (call["outcome"], call["note"], call["staff_id"]) == ("no_answer", "响铃无人接", desk.id)


def test_a_new_day_agreed_reschedules_the_follow_up_off_the_overdue_list(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    agreed = (today() + timedelta(days=5)).isoformat()
    console = log_in(app, desk)

    response = console.post(
        f"/console/followups/{followup['id']}/calls",
        {"outcome": "reached", "note": "下周二来", "new_due_on": agreed},
    )

    assert response.status_code == 200
    assert 'data-status="open"' in response.get_data(as_text=True)
    listed = client.get("/api/v1/followups", headers=desk.headers).json["items"]
    assert [(f["id"], f["due_on"], f["status"]) for f in listed] == [
        (followup["id"], agreed, "open")
    ]
    overdue_page = console.get("/console/followups").get_data(as_text=True)
    assert f'id="followup-{followup["id"]}"' not in overdue_page


def test_a_refused_call_says_why_in_the_forms_result_box_and_records_nothing(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    yesterday = (today() - timedelta(days=1)).isoformat()

    response = log_in(app, desk).post(
        f"/console/followups/{followup['id']}/calls",
        {"outcome": "reached", "new_due_on": yesterday},
    )

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == f"#call-result-{followup['id']}"
    assert calls_as_the_api_sees_them(client, desk, followup["id"]) == []


def test_a_follow_up_attended_already_is_not_rescheduled(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    session = make.event(desk.center_id, kind="followup")
    client.post(
        f"/api/v1/events/{session}/checkins",
        headers=desk.headers,
        json={"resident_id": followup["resident_id"]},
    )

    response = log_in(app, desk).post(
        f"/console/followups/{followup['id']}/calls",
        {"outcome": "reached", "new_due_on": (today() + timedelta(days=3)).isoformat()},
    )

    assert response.status_code == 409
    assert 'data-code="followup_done"' in response.get_data(as_text=True)


def test_a_call_posted_without_the_csrf_token_is_refused(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    followup = overdue(client, make, desk)
    console = log_in(app, desk)

    response = console.post(
        f"/console/followups/{followup['id']}/calls", {"outcome": "reached"}, csrf=False
    )

    assert response.status_code == 400
    assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    assert calls_as_the_api_sees_them(client, desk, followup["id"]) == []


def test_another_centers_clerk_can_neither_call_nor_see_the_number(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    followup = overdue(client, make, desk, phone="13812345678")
    stranger = log_in(app, other_center_desk)

    shown = stranger.post(f"/console/followups/{followup['id']}/phone")
    called = stranger.post(f"/console/followups/{followup['id']}/calls", {"outcome": "reached"})

    assert (shown.status_code, called.status_code) == (404, 404)
    assert "13812345678" not in shown.get_data(as_text=True)
    assert calls_as_the_api_sees_them(client, desk, followup["id"]) == []
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "followup.phone"))
            == 0
        )


def test_the_call_history_lists_every_call_latest_first(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    followup = overdue(client, make, desk)
    url = f"/api/v1/followups/{followup['id']}/calls"
    client.post(url, headers=desk.headers, json={"outcome": "no_answer", "note": "第一次"})
    client.post(url, headers=manager.headers, json={"outcome": "refused", "note": "第二次"})

    html = (
        log_in(app, desk).get(f"/console/followups/{followup['id']}/calls").get_data(as_text=True)
    )

    assert html.index("第二次") < html.index("第一次")
    assert manager.username in html and desk.username in html
