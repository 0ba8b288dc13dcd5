"""The statistics as managers open them in Excel: Chinese headers, local times, no formula."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from core.csvfiles import FORMULA_TRIGGERS
from tests.catalog.test_redemption import gift, redeem
from tests.factories import Account, Factory
from tests.spreadsheets import FORMULAS, csv_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def export(client: FlaskClient, manager: Account, table: str, **args: str) -> list[list[str]]:
    response = client.get(
        f"/api/v1/stats/{table}", headers=manager.headers, query_string={**args, "format": "csv"}
    )
    return csv_rows(response)


def test_no_statistics_export_carries_a_formula(client: FlaskClient, make: Factory) -> None:
    """Event titles and gift names are typed by staff; each of them could start a formula."""
    desk = make.staff("staff", center_id=make.center('=HYPERLINK("http://evil.example")'))
    manager = make.staff("manager", center_id=desk.center_id)
    resident = make.resident(desk.center_id)
    make.credit(resident.id, 100)
    for title in FORMULAS:
        make.checkin(make.event(desk.center_id, title=title), resident.id)
    assert (
        redeem(client, desk, resident.id, gift(client, manager, 5, name=FORMULAS[0])).status_code
        == 201
    )
    # The events start in 10 minutes: tomorrow already, when the test runs at 23:55.
    today, soon = datetime.now(SHANGHAI), datetime.now(SHANGHAI) + timedelta(minutes=15)
    period = {"from": today.date().isoformat(), "to": soon.date().isoformat()}

    events = export(client, manager, "events", **period)
    items = export(client, manager, "items", **period)
    tables = [
        events,
        items,
        export(client, manager, "summary", **period),
        export(client, manager, "participation", **period, group_by="center"),
        export(client, manager, "followups", **period),
    ]

    assert sorted(row[1] for row in events[1:]) == sorted("'" + title for title in FORMULAS)
    assert items[1][1] == "'" + FORMULAS[0]
    for table in tables:
        for row in table:
            assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row if _text(cell))


def _text(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_numbers_stay_numbers_and_a_year_has_one_column_for_the_year_before(
    client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    manager = make.staff("manager", center_id=desk.center_id)
    resident = make.resident(desk.center_id)
    lecture = datetime(2025, 3, 3, 10, tzinfo=SHANGHAI)
    make.checkin(make.event(desk.center_id, starts_at=lecture), resident.id, at=lecture)

    march = export(client, manager, "summary", **{"from": "2026-03-01", "to": "2026-03-31"})
    year = export(client, manager, "summary", **{"from": "2026-01-01", "to": "2026-12-31"})
    ranked = export(client, manager, "events", **{"from": "2025-03-01", "to": "2025-03-31"})

    assert march[0] == [
        "指标",
        "本期 2026-03-01至2026-03-31",
        "上期 2026-01-29至2026-02-28",
        "去年同期 2025-03-01至2025-03-31",
        "同比增长",
    ]
    checkins = next(row for row in march if row[0] == "签到人次")
    assert checkins == ["签到人次", "0", "0", "1", "-1.0"]  # a fall, as a number
    assert year[0] == [
        "指标",
        "本期 2026-01-01至2026-12-31",
        "上期（去年同期） 2025-01-01至2025-12-31",
        "同比增长",
    ]
    assert ranked[0][:6] == ["活动编号", "活动名称", "类型", "中心编号", "中心", "开始时间"]
    assert ranked[1][2:6:3] == ["讲座", "2025-03-03 10:00:00"]
