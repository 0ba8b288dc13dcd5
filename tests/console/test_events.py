"""The console's events: what its forms do is what the API then shows; refusals in words;
another center's events are nowhere; the attendance CSV runs no formula."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import Console, log_in
from tests.factories import Account, Factory
from tests.spreadsheets import FORMULAS, csv_rows, renamed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def form(**fields: str) -> dict[str, str]:
    """The new-event form as a clerk fills it in, on the district's clock."""
    return {
        "title": "高血压防治讲座",
        "kind": "lecture",
        "starts_at": "2026-12-05T09:30",
        "ends_at": "2026-12-05T10:30",
        "location": "二楼会议室",
        **fields,
    }


def created(console: Console, fields: dict[str, str]) -> int:
    response = console.post("/console/events", fields, htmx=False)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    found = re.fullmatch(r"/console/events/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def api_event(client: FlaskClient, staff: Account, event_id: int) -> dict[str, object]:
    response = client.get(f"/api/v1/events/{event_id}", headers=staff.headers)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def local(hour: int = 10, days: int = 0) -> datetime:
    """``days`` from today, at ``hour``:00 district time."""
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=SHANGHAI)


# -- creating, changing, cancelling --------------------------------------------------------


def test_an_event_created_in_the_form_is_the_apis_with_district_times(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    console = log_in(app, desk)
    assert console.get("/console/events/new").status_code == 200

    event_id = created(console, form(points="8", capacity="40"))

    event = api_event(client, desk, event_id)
    assert (event["title"], event["kind"], event["location"]) == (
        "高血压防治讲座",
        "lecture",
        "二楼会议室",
    )
    assert (event["starts_at"], event["ends_at"]) == (
        "2026-12-05T09:30:00+08:00",
        "2026-12-05T10:30:00+08:00",
    )
    # The service's default window: 30 minutes either side.
    assert (event["checkin_opens_at"], event["checkin_closes_at"]) == (
        "2026-12-05T09:00:00+08:00",
        "2026-12-05T11:00:00+08:00",
    )
    assert (event["points"], event["capacity"], event["center_id"]) == (8, 40, desk.center_id)
    page = console.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "高血压防治讲座" in page and "2026-12-05 09:30" in page


def test_a_check_in_window_given_in_the_form_is_kept(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    console = log_in(app, desk)

    event_id = created(
        console, form(checkin_opens_at="2026-12-05T08:00", checkin_closes_at="2026-12-05T12:15")
    )

    event = api_event(client, desk, event_id)
    assert (event["checkin_opens_at"], event["checkin_closes_at"]) == (
        "2026-12-05T08:00:00+08:00",
        "2026-12-05T12:15:00+08:00",
    )


def test_the_edit_form_changes_only_what_was_changed(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    # A manager gave more points than the rule (10); the clerk only fixes the title.
    event_id = make.event(desk.center_id, by=manager, points=30, starts_at=local(days=3))
    console = log_in(app, desk)
    page = console.get(f"/console/events/{event_id}/edit")
    assert page.status_code == 200
    fields = page.get_data(as_text=True).split('data-testid="event-form"')[1]
    values = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', fields))

    response = console.post(
        f"/console/events/{event_id}/edit", {**values, "title": "冬季养生讲座"}, htmx=False
    )

    assert response.status_code == 303
    event = api_event(client, desk, event_id)
    assert (event["title"], event["points"]) == ("冬季养生讲座", 30)
    assert event["starts_at"] == local(days=3).isoformat()


def test_saving_the_form_unchanged_moves_no_time(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    # An event made elsewhere (the API, an import) may start at 10:00:42; the form shows
    # minutes only.
    starts = local(days=3) + timedelta(seconds=42)
    event_id = make.event(desk.center_id, starts_at=starts)
    before = api_event(client, desk, event_id)
    console = log_in(app, desk)
    fields = console.get(f"/console/events/{event_id}/edit").get_data(as_text=True)
    values = dict(
        re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', fields.split('data-testid="event-form"')[1])
    )

    response = console.post(f"/console/events/{event_id}/edit", values, htmx=False)

    assert response.status_code == 303
    assert values["starts_at"] == local(days=3).strftime("%Y-%m-%dT%H:%M")
    assert api_event(client, desk, event_id) == before


def test_emptying_points_and_seats_goes_back_to_the_rule_and_no_limit(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_at=local(days=3), points=5, capacity=30)
    console = log_in(app, desk)

    response = console.post(
        f"/console/events/{event_id}/edit",
        {"title": "讲座", "points": "", "capacity": "", "location": ""},
        htmx=False,
    )

    assert response.status_code == 303
    event = api_event(client, desk, event_id)
    assert (event["points"], event["capacity"], event["earns_points"]) == (None, None, 10)


def test_times_changed_in_the_edit_form_are_district_times(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_at=local(days=3))
    console = log_in(app, desk)

    response = console.post(
        f"/console/events/{event_id}/edit",
        {"starts_at": "2027-01-10T14:00", "ends_at": "2027-01-10T15:30"},
    )

    assert response.status_code == 204  # htmx is told where to go
    assert response.headers["HX-Redirect"] == f"/console/events/{event_id}"
    event = api_event(client, desk, event_id)
    assert (event["starts_at"], event["ends_at"]) == (
        "2027-01-10T14:00:00+08:00",
        "2027-01-10T15:30:00+08:00",
    )


def test_an_event_that_ends_before_it_starts_is_refused_at_the_field(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    console = log_in(app, desk)

    response = console.post("/console/events", form(ends_at="2026-12-05T09:00"), htmx=False)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-code="validation_error"' in html
    assert re.search(r'data-error-for="ends_at">活动结束时间须晚于开始时间', html), html
    assert 'value="高血压防治讲座"' in html  # what was typed stays
    listed = client.get("/api/v1/events", headers=desk.headers).json
    assert listed["items"] == []


def test_missing_and_malformed_fields_are_named(app: Flask, desk: Account) -> None:
    console = log_in(app, desk)

    response = console.post(
        "/console/events", form(title="", starts_at="明天", points="很多"), htmx=False
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert set(re.findall(r'data-error-for="(\w+)"', html)) == {"title", "starts_at", "points"}


def test_a_clerk_may_not_give_more_points_than_the_rule(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    refused = log_in(app, desk).post("/console/events", form(points="50"), htmx=False)

    assert refused.status_code == 403
    assert 'data-code="points_above_rule"' in refused.get_data(as_text=True)
    assert client.get("/api/v1/events", headers=desk.headers).json["items"] == []
    event_id = created(log_in(app, manager), form(points="50"))
    assert api_event(client, desk, event_id)["points"] == 50


def test_a_district_manager_picks_the_center(
    app: Flask, client: FlaskClient, desk: Account, district_manager: Account
) -> None:
    console = log_in(app, district_manager)
    assert 'name="center_id"' in console.get("/console/events/new").get_data(as_text=True)

    refused = console.post("/console/events", form(), htmx=False)
    event_id = created(console, form(center_id=str(desk.center_id)))

    assert refused.status_code == 422
    assert 'data-error-for="center_id"' in refused.get_data(as_text=True)
    assert api_event(client, desk, event_id)["center_id"] == desk.center_id


def test_cancelling_asks_first_then_cancels_as_the_api_does(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_at=local(days=3))
    console = log_in(app, desk)

    confirm = console.get(f"/console/events/{event_id}/cancel")
    assert confirm.status_code == 200
    assert api_event(client, desk, event_id)["cancelled_at"] is None
    assert 'data-testid="confirm-cancel"' in confirm.get_data(as_text=True)

    response = console.post(f"/console/events/{event_id}/cancel", htmx=False)

    assert response.status_code == 303
    assert api_event(client, desk, event_id)["cancelled_at"] is not None
    page = console.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert 'data-testid="event-cancelled"' in page
    assert 'data-testid="open-display"' not in page and 'data-testid="edit"' not in page
    changed = console.post(f"/console/events/{event_id}/edit", {"title": "再改"}, htmx=False)
    assert changed.status_code == 409  # the service's rule: a cancelled event stays as it was


def test_a_form_without_the_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, starts_at=local(days=3))
    console = log_in(app, desk)

    cancelled = console.client.post(f"/console/events/{event_id}/cancel")
    made = console.client.post("/console/events", data=form())
    edited = console.client.post(f"/console/events/{event_id}/edit", data={"title": "被改了"})

    for response in (cancelled, made, edited):
        assert response.status_code == 400
        assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    event = api_event(client, desk, event_id)
    assert event["cancelled_at"] is None and event["title"] != "被改了"
    assert len(client.get("/api/v1/events", headers=desk.headers).json["items"]) == 1


# -- the list -------------------------------------------------------------------------------


def test_the_list_shows_upcoming_events_first_then_past_ones_with_attendance(
    app: Flask, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    soon = make.event(desk.center_id, title="下周讲座", starts_at=local(days=7))
    later = make.event(desk.center_id, title="下月筛查", kind="screening", starts_at=local(days=30))
    past = make.event(
        desk.center_id, title="上周义诊", kind="consultation", starts_at=local(days=-7)
    )
    now_on = make.event(desk.center_id, title="正在进行")
    make.checkin(now_on, make.resident(desk.center_id).id)
    make.checkin(now_on, make.resident(desk.center_id).id)
    elsewhere = make.event(other_center_desk.center_id, title="别的中心", starts_at=local(days=7))

    html = log_in(app, desk).get("/console/events").get_data(as_text=True)

    upcoming, past_part = html.split('data-testid="events-past"')
    listed = [int(i) for i in re.findall(r'data-event-id="(\d+)"', upcoming)]
    assert listed == [now_on, soon, later]
    assert [int(i) for i in re.findall(r'data-event-id="(\d+)"', past_part)] == [past]
    assert re.search(rf'data-testid="attendance-{now_on}">2<', html)
    assert f'data-event-id="{elsewhere}"' not in html and "别的中心" not in html


def test_the_list_filters_by_kind_and_month(app: Flask, make: Factory, desk: Account) -> None:
    december = datetime(2026, 12, 10, 10, tzinfo=SHANGHAI)
    lecture = make.event(desk.center_id, starts_at=december)
    screening = make.event(desk.center_id, kind="screening", starts_at=december)
    january = make.event(desk.center_id, starts_at=datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))
    console = log_in(app, desk)

    def shown(query: str) -> set[int]:
        page = console.get(f"/console/events?{query}")
        assert page.status_code == 200
        return {int(i) for i in re.findall(r'data-event-id="(\d+)"', page.get_data(as_text=True))}

    assert shown("month=2026-12") == {lecture, screening}
    assert shown("month=2027-01") == {january}  # 00:30 on the 1st, district time
    assert shown("kind=lecture") == {lecture, january}
    assert shown("kind=screening&month=2026-12") == {screening}
    assert console.get("/console/events?month=十二月").status_code == 422


def test_a_district_manager_sees_every_center_or_picks_one(
    app: Flask, make: Factory, desk: Account, other_center_desk: Account, district_manager: Account
) -> None:
    here = make.event(desk.center_id, starts_at=local(days=2))
    there = make.event(other_center_desk.center_id, starts_at=local(days=2))
    console = log_in(app, district_manager)

    every = console.get("/console/events").get_data(as_text=True)
    picked = console.get(f"/console/events?center_id={desk.center_id}").get_data(as_text=True)

    assert f'data-event-id="{here}"' in every and f'data-event-id="{there}"' in every
    assert f'data-event-id="{here}"' in picked and f'data-event-id="{there}"' not in picked


# -- an event's pages -----------------------------------------------------------------------


def test_the_projector_opens_on_the_link_the_api_issues(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, title="冬季养生讲座")
    console = log_in(app, desk)

    response = console.post(f"/console/events/{event_id}/display", htmx=False)

    assert response.status_code == 303
    path = response.headers["Location"]
    issued = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers).json["url"]
    assert path.startswith("/display/") and issued.endswith(path)
    assert "冬季养生讲座" in client.get(path).get_data(as_text=True)


def test_a_cancelled_events_projector_is_refused_in_words(
    app: Flask, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    console = log_in(app, desk)
    console.post(f"/console/events/{event_id}/cancel")

    response = console.post(f"/console/events/{event_id}/display", htmx=False)

    assert response.status_code == 409
    assert 'data-code="event_cancelled"' in response.get_data(as_text=True)


def test_the_poster_carries_the_static_check_in_code_on_a4(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(
        desk.center_id, title="糖尿病饮食讲座", location="二楼会议室", starts_at=local(days=3)
    )

    page = log_in(app, desk).get(f"/console/events/{event_id}/poster")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    static = client.get(
        f"/api/v1/events/{event_id}/qr?mode=static&format=svg", headers=desk.headers
    ).get_data(as_text=True)
    assert static.split("?>", 1)[1] in html  # the very code the API gives for posters
    assert "糖尿病饮食讲座" in html and "二楼会议室" in html and "扫一扫" in html
    assert "data-print" in html
    with client.get("/console/static/events.css") as response:
        css = response.get_data(as_text=True)
    assert "@page { size: A4" in css and ".poster-qr svg { display: block; width: 11cm" in css


def test_the_attendance_page_shows_who_came_with_masked_phones_and_points(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    came = make.resident(desk.center_id, name="黄秀英", phone="13912345678")
    annulled = make.resident(desk.center_id, name="李建国")
    make.checkin(event_id, came.id)
    make.annul(make.checkin(event_id, annulled.id), desk.center_id)

    html = log_in(app, desk).get(f"/console/events/{event_id}/attendance").get_data(as_text=True)

    assert "黄秀英" in html and "139****5678" in html and "13912345678" not in html
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    assert re.search(r'class="number">\s*10\s*<', next(r for r in rows if "黄秀英" in r))
    assert "已作废" in next(r for r in rows if "李建国" in r)


def test_the_attendance_csv_is_the_apis_export_and_runs_no_formula(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    for name in FORMULAS:
        make.checkin(event_id, renamed(client, make.resident(desk.center_id), name).id)

    rows = csv_rows(log_in(app, desk).get(f"/console/events/{event_id}/attendance.csv"))

    assert rows[0][:4] == ["签到编号", "居民编号", "姓名", "电话"]
    assert [row[2] for row in rows[1:]] == ["'" + name for name in FORMULAS]
    api = csv_rows(
        client.get(f"/api/v1/events/{event_id}/attendance?format=csv", headers=desk.headers)
    )
    assert api == rows


def test_the_scan_log_badges_refusals_repeats_and_a_shared_device(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id, capacity=2)
    token = client.get(f"/api/v1/events/{event_id}/qr?mode=static", headers=desk.headers).json[
        "token"
    ]
    phone = {"User-Agent": "WeChat/8.0 (relay phone)"}
    residents = [make.resident(desk.center_id) for _ in range(3)]
    outcomes = [
        client.post(
            "/api/v1/checkins", headers={**who.headers, **phone}, json={"token": token}
        ).status_code
        for who in [*residents, residents[0]]
    ]
    assert outcomes == [201, 201, 409, 200]

    html = log_in(app, desk).get(f"/console/events/{event_id}/scans").get_data(as_text=True)

    assert re.findall(r'data-outcome="(\w+)"', html) == [
        "already_checked_in",
        "event_full",
        "checked_in",
        "checked_in",
    ]
    assert 'class="badge bad">活动名额已满' in html
    assert 'class="badge warn">重复扫码' in html
    assert 'data-testid="device-flags"' in html
    assert html.count('data-testid="suspicious"') == 4


def test_a_quiet_scan_log_flags_nothing(app: Flask, make: Factory, desk: Account) -> None:
    event_id = make.event(desk.center_id)
    make.checkin(event_id, make.resident(desk.center_id).id)

    html = log_in(app, desk).get(f"/console/events/{event_id}/scans").get_data(as_text=True)

    assert re.findall(r'data-outcome="(\w+)"', html) == ["checked_in"]
    assert "device-flags" not in html and "suspicious" not in html


# -- who may open what ----------------------------------------------------------------------

# Who may open which page: the area's rows in tests/console/test_access.py.


def test_another_centers_clerk_gets_what_the_api_gives_them(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    event_id = make.event(desk.center_id, title="只属于本中心")
    console = log_in(app, other_center_desk)

    api = client.get(f"/api/v1/events/{event_id}", headers=other_center_desk.headers)
    page = console.get(f"/console/events/{event_id}")
    cancelled = console.post(f"/console/events/{event_id}/cancel", htmx=False)
    made = console.post("/console/events", form(center_id=str(desk.center_id)), htmx=False)

    assert api.status_code == page.status_code == cancelled.status_code == made.status_code == 404
    assert "只属于本中心" not in page.get_data(as_text=True)
    assert api_event(client, desk, event_id)["cancelled_at"] is None
    assert len(client.get("/api/v1/events", headers=desk.headers).json["items"]) == 1
