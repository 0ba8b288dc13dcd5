"""The dashboard's figures arranged and read: a district of two centers counted by hand, the
periods, the API's summary and CSV for a widget, and the KPI cards as they read or must read."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.catalog.test_redemption import gift, redeem
from tests.consoles import Console
from tests.factories import Account, Factory
from tests.spreadsheets import csv_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")
THIS_YEAR = datetime.now(SHANGHAI).year
YEAR = {"from": f"{THIS_YEAR}-01-01", "to": f"{THIS_YEAR}-12-31"}
LAST_YEAR = {"from": f"{THIS_YEAR - 1}-01-01", "to": f"{THIS_YEAR - 1}-12-31"}

_KPI = re.compile(r'data-testid="(kpi-[a-z-]+)"(?: data-value="([^"]*)")?>([^<]*)<')


def kpis(html: str) -> dict[str, str]:
    """Each KPI card's text, by its ``data-testid``."""
    return {testid: text.strip() for testid, _, text in _KPI.findall(html)}


def today_at(hour: int, minute: int = 0) -> datetime:
    """A fixed time of today in the district (never "now plus something")."""
    return datetime.combine(datetime.now(SHANGHAI).date(), time(hour, minute), tzinfo=SHANGHAI)


def last_year_at(month: int, day: int, hour: int) -> datetime:
    return datetime(THIS_YEAR - 1, month, day, hour, tzinfo=SHANGHAI)


def summary(client: FlaskClient, who: Account, period: dict[str, str], **args: Any) -> Any:
    response = client.get(
        "/api/v1/stats/summary", headers=who.headers, query_string={**period, **args}
    )
    assert response.status_code == 200, response.json
    return response.json


def arrange_district(client: FlaskClient, make: Factory) -> dict[str, Any]:
    """Two centers, counted by hand.

    Center A. Last year on March 10: a lecture (r1). Today: a lecture at 10:00 (r1, r2, r3),
    a screening at 14:00 (r1); r1 takes one gift, r2 two. Center B. Today: a consultation
    at 10:00 (r4). Last year on June 1: a lecture (r4).
    """
    a, b = make.center("东区中心"), make.center("西区中心")
    desk_a = make.staff("staff", center_id=a)
    manager_a = make.staff("manager", center_id=a)
    r1, r2, r3 = (make.resident(a) for _ in range(3))
    r4 = make.resident(b)

    old = make.event(a, starts_at=last_year_at(3, 10, 9))
    make.checkin(old, r1.id, last_year_at(3, 10, 9))
    old_b = make.event(b, starts_at=last_year_at(6, 1, 9))
    make.checkin(old_b, r4.id, last_year_at(6, 1, 9))

    lecture = make.event(a, starts_at=today_at(10), title="高血压的饮食")
    for resident in (r1, r2, r3):
        make.checkin(lecture, resident.id, today_at(10, 5))
    screening = make.event(a, kind="screening", starts_at=today_at(14), title="血糖筛查")
    make.checkin(screening, r1.id, today_at(14, 5))
    consultation = make.event(b, kind="consultation", starts_at=today_at(10))
    make.checkin(consultation, r4.id, today_at(10, 5))

    cup = gift(client, manager_a, stock=5, cost=10, name="保温杯")
    make.credit(r1.id, 100)
    make.credit(r2.id, 100)
    assert redeem(client, desk_a, r1.id, cup).status_code == 201
    assert redeem(client, desk_a, r2.id, cup, quantity=2).status_code == 201
    return {
        "a": a,
        "b": b,
        "desk_a": desk_a,
        "manager_a": manager_a,
        "district_manager": make.staff("manager"),
        "cup": cup,
    }


def open_dashboard(console: Console, **args: Any) -> str:
    response = console.get("/console/dashboard", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def expected_kpis(figures: dict[str, Any]) -> dict[str, str]:
    """The KPI cards as they must read, straight from the API's summary."""
    return {
        "kpi-events": str(figures["events_total"]),
        "kpi-checkins": str(figures["checkins_total"]),
        "kpi-participants": str(figures["unique_participants"]),
        "kpi-new": str(figures["new_participants"]),
        "kpi-repeat-rate": "—"
        if figures["repeat_rate"] is None
        else f"{figures['repeat_rate']:.1%}",
        "kpi-growth": "—"
        if figures["growth"]["checkins"] is None
        else f"{figures['growth']['checkins']:+.2%}",
        "kpi-points-issued": str(figures["points_issued"]),
        "kpi-points-redeemed": str(figures["points_redeemed"]),
        "kpi-points-outstanding": str(figures["points_outstanding"]),
        "kpi-gifts": str(figures["gifts_handed_out"]),
    }


def api_csv(client: FlaskClient, who: Account, widget: str, **args: Any) -> list[list[str]]:
    return csv_rows(
        client.get(
            f"/api/v1/stats/{widget}",
            headers=who.headers,
            query_string={**args, "format": "csv"},
        )
    )
