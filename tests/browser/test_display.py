"""The projector page in a real browser: the code while check-in is open, words otherwise."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account, Factory


def display_path(client: FlaskClient, staff: Account, event_id: int) -> str:
    """The projector link's path, to open on the live server rather than the host it names."""
    response = client.post(f"/api/v1/events/{event_id}/display", headers=staff.headers)
    assert response.status_code == 201, response.json
    return "/" + response.json["url"].split("/", 3)[3]


def test_open_check_in_shows_the_rotating_code_and_attendance(
    client: FlaskClient, make: Factory, console: BrowserConsole
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, title="冬季养生讲座")
    make.checkin(event_id, make.resident(desk.center_id).id)

    page = console.open(display_path(client, desk, event_id))

    expect(page.locator("h1")).to_have_text("冬季养生讲座")
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#attendance")).to_have_text("1")
    expect(page.locator("#status")).to_have_text("")
    console.screenshot("open")


def test_before_check_in_opens_it_says_when_and_shows_no_code(
    client: FlaskClient, make: Factory, console: BrowserConsole
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id, starts_in=timedelta(days=2))

    page = console.open(display_path(client, desk, event_id))

    expect(page.locator("#waiting")).to_contain_text("签到将于")
    expect(page.locator("svg")).to_have_count(0)
    expect(page.locator("#attendance")).to_have_text("0")
    console.screenshot("not-open")


def test_a_revoked_link_says_so(
    client: FlaskClient, make: Factory, console: BrowserConsole
) -> None:
    desk = make.staff("staff")
    event_id = make.event(desk.center_id)
    page = console.open(display_path(client, desk, event_id))
    expect(page.locator("#qr svg")).to_be_visible()

    revoked = client.post(f"/api/v1/events/{event_id}/display-link/revoke", headers=desk.headers)
    assert revoked.status_code == 204
    page.reload()

    expect(page.locator("h1")).to_have_text("此签到屏幕链接已被收回")
    expect(page.locator("svg")).to_have_count(0)
    console.screenshot("revoked")
