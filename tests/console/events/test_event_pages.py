"""An event's own pages: the projector on the API's link, the A4 poster, attendance with masked
phones, the attendance CSV that runs no formula, and the scan log's badges."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import log_in
from tests.event_forms import local
from tests.factories import Account, Factory
from tests.spreadsheets import FORMULAS, csv_rows, renamed


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
