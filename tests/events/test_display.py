"""The projector link: it ends with the check-in window, can be revoked, and shows the state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.factories import Account, Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE_URL = "http://127.0.0.1:5000"


def display_link(client: FlaskClient, staff: Account, event_id: int) -> dict:
    response = client.post(f"/api/v1/events/{event_id}/display", headers=staff.headers)
    assert response.status_code == 201, response.json
    return response.json


def path_of(link: dict) -> str:
    return str(link["url"]).removeprefix(BASE_URL)


def close_check_in(client: FlaskClient, staff: Account, event_id: int) -> None:
    now = datetime.now(UTC)
    response = client.patch(
        f"/api/v1/events/{event_id}",
        headers=staff.headers,
        json={
            "checkin_opens_at": (now - timedelta(hours=2)).isoformat(),
            "checkin_closes_at": (now - timedelta(minutes=1)).isoformat(),
        },
    )
    assert response.status_code == 200, response.json


def test_a_display_link_ends_when_check_in_closes(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, title="冬季养生讲座")
    event = client.get(f"/api/v1/events/{event_id}", headers=desk.headers).json
    link = display_link(client, desk, event_id)
    open_state = client.get(f"{path_of(link)}/state")

    close_check_in(client, desk, event_id)
    page = client.get(path_of(link))
    state = client.get(f"{path_of(link)}/state")
    again = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers)

    assert datetime.fromisoformat(link["expires_at"]) == datetime.fromisoformat(
        event["checkin_closes_at"]
    )
    assert (open_state.status_code, open_state.json["state"]) == (200, "open")
    assert page.status_code == 409
    assert "签到已结束" in page.get_data(as_text=True)
    assert "<svg" not in page.get_data(as_text=True)
    assert (state.status_code, state.json["code"]) == (409, "checkin_closed")
    assert "svg" not in state.json
    assert (again.status_code, again.json["code"]) == (409, "checkin_closed")


def test_revoking_withdraws_every_link_issued_before(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    event_id = make.event(desk.center_id)
    leaked = display_link(client, desk, event_id)
    same_generation = display_link(client, manager, event_id)

    revoked = client.post(f"/api/v1/events/{event_id}/display-link/revoke", headers=desk.headers)
    fresh = display_link(client, desk, event_id)

    assert same_generation["url"] == leaked["url"]
    assert revoked.status_code == 204
    page = client.get(path_of(leaked))
    state = client.get(f"{path_of(leaked)}/state")
    assert page.status_code == 410
    assert "已被收回" in page.get_data(as_text=True)
    assert (state.status_code, state.json["code"]) == (410, "display_link_revoked")
    assert fresh["url"] != leaked["url"]
    assert client.get(f"{path_of(fresh)}/state").json["state"] == "open"


def test_only_staff_of_the_events_center_revoke_its_links(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    link = display_link(client, desk, event_id)
    url = f"/api/v1/events/{event_id}/display-link/revoke"

    by_resident = client.post(url, headers=make.resident(desk.center_id).headers)
    by_other_center = client.post(url, headers=make.staff("staff").headers)
    by_district = client.post(url, headers=make.staff("manager").headers)

    assert (by_resident.status_code, by_resident.json["code"]) == (403, "forbidden")
    assert (by_other_center.status_code, by_other_center.json["code"]) == (404, "not_found")
    assert by_district.status_code == 204
    assert client.get(f"{path_of(link)}/state").status_code == 410


def test_before_check_in_opens_the_page_says_when_and_shows_no_code(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    starts = datetime(2099, 3, 4, 9, 30, tzinfo=SHANGHAI)
    event_id = make.event(desk.center_id, starts_at=starts)
    link = display_link(client, desk, event_id)

    page = client.get(path_of(link))
    state = client.get(f"{path_of(link)}/state").json

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "签到将于 3月4日 09:00 开始" in text
    assert 'id="qr"' not in text
    assert (state["state"], state["svg"]) == ("not_open", None)
    assert state["refresh_in_ms"] == 60_000


def test_while_check_in_is_open_the_page_shows_the_rotating_code(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    link = display_link(client, desk, event_id)

    page = client.get(path_of(link))
    state = client.get(f"{path_of(link)}/state").json

    assert 'id="qr"' in page.get_data(as_text=True)
    assert state["state"] == "open"
    assert state["svg"].startswith("<?xml")
    assert 0 < state["refresh_in_ms"] <= 20_300


def test_a_cancelled_events_page_says_so_without_a_code(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    link = display_link(client, desk, event_id)

    client.post(f"/api/v1/events/{event_id}/cancel", headers=desk.headers)
    page = client.get(path_of(link))
    state = client.get(f"{path_of(link)}/state")
    again = client.post(f"/api/v1/events/{event_id}/display", headers=desk.headers)

    assert page.status_code == 409
    assert "活动已取消" in page.get_data(as_text=True)
    assert "<svg" not in page.get_data(as_text=True)
    assert (state.status_code, state.json["code"]) == (409, "event_cancelled")
    assert (again.status_code, again.json["code"]) == (409, "event_cancelled")


def test_the_display_token_itself_checks_nobody_in(client: FlaskClient, make: Factory) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    link = display_link(client, desk, event_id)
    token = path_of(link).removeprefix("/display/")
    resident = make.resident(make.center())

    by_token = client.post("/api/v1/checkins", headers=resident.headers, json={"token": token})
    by_url = client.post("/api/v1/checkins", headers=resident.headers, json={"url": link["url"]})

    assert (by_token.status_code, by_token.json["code"]) == (400, "invalid_qr")
    assert (by_url.status_code, by_url.json["code"]) == (400, "invalid_qr")
