"""A resident's own follow-ups in the mini-program: when, where and whether done; never the
condition."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.events.test_followups import consenting, schedule, today
from tests.factories import Factory


def test_my_follow_ups_say_when_where_and_their_status_never_the_condition(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center("登峰街社区卫生服务中心")
    desk = make.organizer(center)
    me = consenting(client, make, center)
    neighbour = consenting(client, make, center)
    done = schedule(client, desk, me.id, today() - timedelta(days=20)).json
    overdue = schedule(client, desk, me.id, today() - timedelta(days=5)).json
    later = schedule(client, desk, me.id, today() + timedelta(days=30)).json
    due_today = schedule(client, desk, me.id, today()).json
    schedule(client, desk, neighbour.id, today())
    session = make.event(center, kind="followup")
    make.checkin(session, me.id)  # completes the earliest open one: `done`

    response = client.get("/api/v1/me/followups", headers=me.headers)

    assert response.status_code == 200
    items = response.json["items"]
    assert [(f["id"], f["status"]) for f in items] == [
        (overdue["id"], "overdue"),
        (due_today["id"], "open"),
        (later["id"], "open"),
        (done["id"], "done"),
    ]
    assert items[0] == {
        "id": overdue["id"],
        "due_on": overdue["due_on"],
        "status": "overdue",
        "done_at": None,
        "center": {"id": center, "name": "登峰街社区卫生服务中心"},
    }
    assert items[3]["done_at"] is not None
    text = response.get_data(as_text=True)
    assert "hypertension" not in text and "高血压" not in text and "condition" not in text


def test_my_follow_ups_page_from_the_ones_to_do_to_the_done_ones(
    client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    desk = make.organizer(center)
    me = consenting(client, make, center)
    old, older = (
        schedule(client, desk, me.id, today() - timedelta(days=n)).json["id"] for n in (40, 60)
    )
    for _ in range(2):  # each follow-up session completes the earliest open follow-up
        make.checkin(make.event(center, kind="followup"), me.id)
    soon, sooner = (
        schedule(client, desk, me.id, today() + timedelta(days=n)).json["id"] for n in (9, 2)
    )

    seen, cursor = [], None
    while True:
        query = f"&cursor={cursor}" if cursor else ""
        page = client.get(f"/api/v1/me/followups?limit=1{query}", headers=me.headers).json
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [sooner, soon, old, older]


def test_only_residents_have_follow_ups_of_their_own(client: FlaskClient, make: Factory) -> None:
    response = client.get("/api/v1/me/followups", headers=make.staff("staff").headers)

    assert (response.status_code, response.json["code"]) == (403, "forbidden")
