"""Creating, editing, listing and cancelling events; QR images; the browser pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Build
from tests.factories import Factory
from tests.qr import read_qr

SHANGHAI = ZoneInfo("Asia/Shanghai")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_staff_create_an_event_with_the_default_check_in_window(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    starts = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)

    response = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={
            "title": "糖尿病饮食讲座",
            "kind": "lecture",
            "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(hours=1)),
            "location": "二楼会议室",
        },
    )

    assert response.status_code == 201
    event = response.json
    assert event["center_id"] == desk.center_id
    assert event["checkin_opens_at"] == "2026-12-05T17:00:00+08:00"  # 09:00 UTC
    assert event["checkin_closes_at"] == "2026-12-05T19:00:00+08:00"
    assert (event["points"], event["capacity"], event["attendance"]) == (None, None, 0)


def test_an_event_that_ends_before_it_starts_is_refused(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    starts = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)

    response = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={
            "title": "x",
            "kind": "lecture",
            "starts_at": iso(starts),
            "ends_at": iso(starts - timedelta(hours=1)),
        },
    )
    naive = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={
            "title": "x",
            "kind": "yoga",
            "starts_at": "2026-12-05T09:30:00",
            "ends_at": "2026-12-05T10:30:00",
        },
    )

    assert response.status_code == 422
    assert "ends_at" in response.json["errors"]
    assert naive.status_code == 422
    assert set(naive.json["errors"]) == {"kind"}  # times without an offset are district time


def test_residents_cannot_create_events_and_staff_only_at_their_center(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    body = {
        "title": "x",
        "kind": "lecture",
        "starts_at": "2026-12-05T09:30:00+08:00",
        "ends_at": "2026-12-05T10:30:00+08:00",
    }

    by_resident = client.post("/api/v1/events", headers=make.resident().headers, json=body)
    elsewhere = client.post(
        "/api/v1/events", headers=desk.headers, json={**body, "center_id": make.center()}
    )

    assert (by_resident.status_code, by_resident.json["code"]) == (403, "forbidden")
    assert (elsewhere.status_code, elsewhere.json["code"]) == (404, "not_found")


def test_events_list_by_center_kind_and_local_date(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    # Noon tomorrow and the day after, in the district: a run at 23:55 keeps its days apart.
    lecture_day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    noon = datetime.combine(lecture_day, time(12), SHANGHAI)
    lecture = make.event(desk.center_id, starts_at=noon)
    screening = make.event(desk.center_id, kind="screening", starts_at=noon + timedelta(days=1))
    make.event(make.center())

    mine = client.get("/api/v1/events", headers=desk.headers).json
    screenings = client.get("/api/v1/events?kind=screening", headers=desk.headers).json
    paged = client.get("/api/v1/events?limit=1", headers=desk.headers).json
    rest = client.get(
        f"/api/v1/events?limit=1&cursor={paged['next_cursor']}", headers=desk.headers
    ).json
    everywhere = client.get("/api/v1/events", headers=make.resident().headers).json

    assert [e["id"] for e in mine["items"]] == [screening, lecture]
    assert [e["id"] for e in screenings["items"]] == [screening]
    assert [e["id"] for e in paged["items"] + rest["items"]] == [screening, lecture]
    assert len(everywhere["items"]) == 3
    day = client.get(
        f"/api/v1/events?from={lecture_day}&to={lecture_day}", headers=desk.headers
    ).json
    assert [e["id"] for e in day["items"]] == [lecture]


def test_editing_and_cancelling_an_event(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)

    edited = client.patch(
        f"/api/v1/events/{event_id}",
        headers=desk.headers,
        json={"title": "合理用药讲座", "capacity": 80},
    )
    cancelled = client.post(f"/api/v1/events/{event_id}/cancel", headers=desk.headers)
    after = client.patch(f"/api/v1/events/{event_id}", headers=desk.headers, json={"title": "y"})

    assert (edited.json["title"], edited.json["capacity"]) == ("合理用药讲座", 80)
    assert cancelled.json["cancelled_at"] is not None
    assert (after.status_code, after.json["code"]) == (409, "conflict")


def test_the_qr_link_is_short_https_under_the_public_url_and_scans_back(
    build: Build, make: Factory, app: Flask
) -> None:
    public = build(PUBLIC_BASE_URL="https://jkjf.yuexiu.gov.cn")
    client = public.test_client()
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)

    link = client.get(f"/api/v1/events/{event_id}/qr?mode=static", headers=desk.headers).json
    png = client.get(f"/api/v1/events/{event_id}/qr?format=png&mode=static", headers=desk.headers)
    svg = client.get(f"/api/v1/events/{event_id}/qr?format=svg&mode=static", headers=desk.headers)

    assert link["url"].startswith("https://jkjf.yuexiu.gov.cn/q/")
    assert len(link["url"]) <= 100
    assert png.content_type == "image/png"
    assert read_qr(png.data) == link["url"]
    assert svg.content_type == "image/svg+xml"
    assert b"<svg" in svg.data


def test_a_scanned_static_png_checks_the_resident_in(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    png = client.get(f"/api/v1/events/{event_id}/qr?format=png&mode=static", headers=desk.headers)
    url = read_qr(png.data)

    response = client.post(
        "/api/v1/checkins", headers=make.resident(desk.center_id).headers, json={"url": url}
    )

    assert response.status_code == 201


def test_a_phone_camera_opening_the_link_gets_a_page_saying_what_to_do(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    url = client.get(f"/api/v1/events/{event_id}/qr", headers=desk.headers).json["url"]

    page = client.get(url.removeprefix("http://127.0.0.1:5000"))

    assert page.status_code == 200
    assert page.content_type.startswith("text/html")
    text = page.get_data(as_text=True)
    assert 'lang="zh-CN"' in text and "微信" in text and "扫一扫" in text


def test_the_projector_page_shows_the_rotating_code_and_the_count(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, title="冬季养生讲座")
    link = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers).json
    path = link["url"].removeprefix("http://127.0.0.1:5000")
    code = client.get(f"/api/v1/events/{event_id}/qr", headers=desk.headers).json
    client.post(
        "/api/v1/checkins", headers=make.resident(desk.center_id).headers, json={"url": code["url"]}
    )

    page = client.get(path)
    state = client.get(f"{path}/state").json

    assert page.status_code == 200
    assert "冬季养生讲座" in page.get_data(as_text=True)
    assert "<script nonce=" in page.get_data(as_text=True)
    assert "cdn" not in page.get_data(as_text=True)
    assert state["attendance"] == 1
    assert state["svg"].startswith("<?xml")
    assert 0 < state["refresh_in_ms"] <= 20_300


def test_a_display_link_of_another_kind_or_forged_is_refused(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    checkin_token = client.get(f"/api/v1/events/{event_id}/qr", headers=desk.headers).json["token"]

    page = client.get(f"/display/{checkin_token}")
    state = client.get(f"/display/{checkin_token}/state")

    assert page.status_code == 400
    assert (state.status_code, state.json["code"]) == (400, "invalid_qr")


def test_the_attendance_list_exports_for_excel(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    resident = make.resident(desk.center_id, name="陈伟", phone="13800001111")
    client.post(
        f"/api/v1/events/{event_id}/checkins",
        headers=desk.headers,
        json={"resident_id": resident.id},
    )

    export = client.get(f"/api/v1/events/{event_id}/attendance?format=csv", headers=desk.headers)

    assert export.content_type == "text/csv; charset=utf-8"
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["签到编号", "居民编号", "姓名", "电话"]
    assert rows[1][1:5] == [str(resident.id), "陈伟", "138****1111", "工作人员代签"]
