"""The leaderboard: only residents who opted in, masked, ranked by activities at the
center in the period, nothing about which; a center may switch it off."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from gamification.leaderboard import mask
from tests.factories import Account, Factory
from tests.gamification.conftest import attend, months_ago


def opt_in(client: FlaskClient, resident: Account, choice: bool = True) -> dict[str, Any]:
    response = client.put(
        "/api/v1/me", headers=resident.headers, json={"leaderboard_opt_in": choice}
    )
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def board(client: FlaskClient, account: Account, **query: object) -> Any:
    return client.get("/api/v1/leaderboard", headers=account.headers, query_string=query)


def test_only_those_who_opted_in_appear_masked_and_ranked_by_activities(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    center = desk.center_id
    busy = make.resident(center, name="张秀英")
    keen = make.resident(center, name="李强")
    shy = make.resident(center, name="王芳")
    for resident, times in ((busy, 3), (keen, 1), (shy, 5)):
        for day in range(1, times + 1):
            attend(make, resident, months_ago(0, day=1).replace(hour=day))
    answers = [opt_in(client, busy), opt_in(client, keen)]
    elsewhere = make.event(make.center(), starts_at=months_ago(0, day=1))
    make.checkin(elsewhere, keen.id, at=months_ago(0, day=1))  # another center's

    response = board(client, keen, period="month")

    assert [a["leaderboard_opt_in"] for a in answers] == [True, True]
    assert response.status_code == 200
    assert response.json["items"] == [
        {"rank": 1, "name": "张*英", "activities": 3, "me": False},
        {"rank": 2, "name": "李*", "activities": 1, "me": True},
    ]
    assert board(client, desk).json["items"][0]["name"] == "张*英"


def test_opting_out_leaves_the_board(client: FlaskClient, make: Factory, resident: Account) -> None:
    attend(make, resident, months_ago(0, day=1))
    opt_in(client, resident)
    left = opt_in(client, resident, choice=False)

    assert left["leaderboard_opt_in"] is False
    assert board(client, resident, period="year").json["items"] == []


def test_last_months_activities_count_for_the_year_not_the_month(
    client: FlaskClient, make: Factory, resident: Account
) -> None:
    attend(make, resident, months_ago(1))
    opt_in(client, resident)

    month, year = board(client, resident).json, board(client, resident, period="year").json

    assert month["items"] == []
    assert month["since"] == f"{months_ago(0):%Y-%m}-01"
    assert year["items"][0]["activities"] == (1 if months_ago(1).year == months_ago(0).year else 0)


def test_a_center_switches_its_board_off_and_on(
    client: FlaskClient, resident: Account, manager: Account
) -> None:
    url = f"/api/v1/leaderboard/centers/{resident.center_id}"

    off = client.put(url, headers=manager.headers, json={"enabled": False})
    refused = board(client, resident)
    on = client.put(url, headers=manager.headers, json={"enabled": True})

    assert off.status_code == 200 and off.json == {
        "center_id": resident.center_id,
        "enabled": False,
    }
    assert refused.status_code == 409 and refused.json["code"] == "leaderboard_off"
    assert on.status_code == 200 and board(client, resident).status_code == 200


def test_another_centers_staff_read_no_board_of_ours(
    client: FlaskClient, resident: Account, other_center_desk: Account
) -> None:
    response = board(client, other_center_desk, center_id=resident.center_id)

    assert response.status_code == 404


def test_names_are_masked_between_first_and_last() -> None:
    assert [mask(n) for n in ("张秀英", "欧阳娜娜", "李强", "王", None)] == [
        "张*英",
        "欧**娜",
        "李*",
        "王*",
        "*",
    ]
