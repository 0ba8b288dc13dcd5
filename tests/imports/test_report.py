"""The programme's own report, reproduced from its paper sign-in sheets: 2024's 3,044
attendances and 2025's 3,883 at 13 lectures make the headline "+27.56%"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from stats.rollups import refresh
from tests.factories import Account
from tests.imports.conftest import ATTENDANCE, batch, csv_bytes, send

#: People who came, by phone: more than any lecture's hall held.
PEOPLE = [(f"居民{n:03d}", f"1380000{n:04d}") for n in range(400)]


def sign_in_sheets(year: int, lectures: int, attendances: int) -> bytes:
    """A year of lecture sign-in sheets, one after another in one file."""
    rows: list[list[Any]] = [ATTENDANCE]
    for lecture in range(lectures):
        day = date(year, 1, 15) + timedelta(days=25 * lecture)
        came = attendances // lectures + (1 if lecture < attendances % lectures else 0)
        start = lecture * 7 % len(PEOPLE)
        for n in range(came):
            name, phone = PEOPLE[(start + n) % len(PEOPLE)]
            rows.append([day.isoformat(), f"健康讲座第{lecture + 1}期", "讲座", name, phone])
    return csv_bytes(rows)


def summary_2025(client: FlaskClient, manager: Account) -> Any:
    response = client.get(
        "/api/v1/stats/summary",
        headers=manager.headers,
        query_string={"from": "2025-01-01", "to": "2025-12-31"},
    )
    assert response.status_code == 200, response.json
    return response.json


def roll_up(app: Flask) -> None:
    with app.app_context():
        refresh(datetime.now(UTC), ZoneInfo("Asia/Shanghai"))
        db.session.commit()


@pytest.mark.parametrize("rolled_before", [False, True], ids=["fresh", "rolled up before"])
def test_two_years_of_sign_in_sheets_make_the_programmes_growth(
    app: Flask, client: FlaskClient, manager: Account, rolled_before: bool
) -> None:
    if rolled_before:
        # The rollups covered those years (empty) before the paper came in.
        roll_up(app)

    for year, lectures, attendances in ((2024, 12, 3044), (2025, 13, 3883)):
        sheets = sign_in_sheets(year, lectures, attendances)
        sent = send(client, manager, "attendance", sheets, name=f"{year}年讲座签到.csv")
        assert sent.status_code == 201, sent.json
        assert batch(client, manager, sent.json["id"])["created"] == attendances

    for when in ("right after the import", "after a refresh"):
        figures = summary_2025(client, manager)
        assert figures["events"]["lecture"] == 13, when
        assert figures["checkins"]["lecture"] == 3883, when
        assert figures["same_period_last_year"]["checkins"]["lecture"] == 3044, when
        assert figures["growth"]["checkins"] == 0.2756, when
        assert f"{figures['growth']['checkins']:+.2%}" == "+27.56%"
        assert figures["points_issued"] == 0, when  # paper attendance earns nothing
        roll_up(app)


def test_an_undone_year_leaves_the_figures(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sent = send(client, manager, "attendance", sign_in_sheets(2025, 13, 3883))
    roll_up(app)

    undone = client.post(f"/api/v1/imports/{sent.json['id']}/undo", headers=manager.headers)

    assert undone.status_code == 200, undone.json
    for _ in ("right after the undo", "after a refresh"):
        figures = summary_2025(client, manager)
        assert figures["events"]["lecture"] == 0
        assert figures["checkins"]["lecture"] == 0
        assert figures["unique_participants"] == figures["new_participants"] == 0
        roll_up(app)
