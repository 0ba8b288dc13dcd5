"""The console's event forms: what creating, changing and cancelling do is what the API then
shows; refusals in words at the field; another center's events are nowhere."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.consoles import log_in
from tests.event_forms import api_event, created, form, form_values, local
from tests.factories import Account, Factory

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
    values = form_values(page.get_data(as_text=True))

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
    values = form_values(console.get(f"/console/events/{event_id}/edit").get_data(as_text=True))

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
