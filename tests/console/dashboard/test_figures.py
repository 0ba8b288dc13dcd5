"""The manager's dashboard shows the API's figures for the same period and center: KPI cards,
the participation chart, follow-up compliance; only the centers a manager may see."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.console.desk.test_scanning import statements_of
from tests.consoles import log_in
from tests.dashboards import (
    LAST_YEAR,
    SHANGHAI,
    THIS_YEAR,
    YEAR,
    expected_kpis,
    kpis,
    open_dashboard,
    summary,
)
from tests.events.test_followups import consenting, schedule
from tests.factories import Account, Factory
from tests.stats.conftest import roll_up

HTMX = {"HX-Request": "true"}


def test_the_district_managers_dashboard_shows_the_apis_figures_for_this_year(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["district_manager"]

    html = open_dashboard(log_in(app, manager))

    api = summary(client, manager, YEAR)
    assert kpis(html) == expected_kpis(api)
    # By hand: 5 check-ins this year against 2 last year; 4 residents, r1 came twice.
    assert (api["events_total"], api["checkins_total"], api["unique_participants"]) == (3, 5, 4)
    assert kpis(html)["kpi-growth"] == "+150.00%"
    assert kpis(html)["kpi-gifts"] == "3"
    assert kpis(html)["kpi-repeat-rate"] == "25.0%"
    assert f'data-from="{YEAR["from"]}" data-to="{YEAR["to"]}"' in html  # this year by default
    assert "全区" in html and 'data-testid="center-filter"' in html


@pytest.mark.parametrize("period", [YEAR, LAST_YEAR], ids=["this year", "last year"])
def test_a_center_on_any_period_shows_the_apis_figures(
    app: Flask, client: FlaskClient, district: dict[str, Any], period: dict[str, str]
) -> None:
    manager = district["district_manager"]

    html = open_dashboard(log_in(app, manager), **period, center_id=district["b"])

    assert kpis(html) == expected_kpis(summary(client, manager, period, center_id=district["b"]))
    assert 'data-testid="scope">西区中心<' in html


def test_a_center_manager_sees_their_own_center_and_no_other(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["manager_a"]
    console = log_in(app, manager)

    html = open_dashboard(console)
    other = console.get("/console/dashboard", query_string={"center_id": district["b"]})
    other_download = console.get(
        "/console/dashboard/summary.xlsx", query_string={"center_id": district["b"]}
    )
    other_report = console.get(
        "/console/dashboard/report", query_string={"center_id": district["b"]}
    )

    assert kpis(html) == expected_kpis(summary(client, manager, YEAR))
    assert kpis(html)["kpi-checkins"] == "4"  # center A's, not the district's 5
    assert 'data-testid="scope">东区中心<' in html
    assert 'data-testid="center-filter"' not in html
    for refused in (other, other_download, other_report):
        assert refused.status_code == 403
        assert 'data-code="forbidden"' in refused.get_data(as_text=True)
    assert "西区中心" not in other.get_data(as_text=True)


def test_who_may_open_the_dashboard(
    app: Flask, district: dict[str, Any], make: Factory, admin: Account
) -> None:
    paths = (
        "/console/dashboard",
        "/console/dashboard/followups",
        "/console/dashboard/events.csv",
        "/console/dashboard/items.xlsx",
        "/console/dashboard/report",
        "/console/dashboard/report.xlsx",
    )
    anonymous = app.test_client()
    clerk = log_in(app, district["desk_a"])
    admin_console = log_in(app, admin)

    for path in paths:
        to_login = anonymous.get(path)
        assert to_login.status_code == 302
        assert to_login.headers["Location"].startswith("/console/?next=")
        assert clerk.get(path).status_code == 403
        # GETs read and change nothing: no CSRF token is needed (none is sent here).
        assert admin_console.get(path).status_code == 200
    nav = clerk.get("/console/desk").get_data(as_text=True)
    assert "/console/dashboard" not in nav
    assert 'href="/console/dashboard"' in admin_console.get("/console/desk").get_data(as_text=True)


def test_a_bad_period_is_refused_in_words(app: Flask, district: dict[str, Any]) -> None:
    console = log_in(app, district["district_manager"])

    backwards = console.get(
        "/console/dashboard", query_string={"from": "2025-12-01", "to": "2025-01-01"}
    )
    nonsense = console.get("/console/dashboard/report", query_string={"year": "1066"})
    nowhere = console.get("/console/dashboard", query_string={"center_id": 999999})

    assert backwards.status_code == 422
    assert 'data-code="validation_error"' in backwards.get_data(as_text=True)
    assert nonsense.status_code == 422
    assert nowhere.status_code == 404


def test_the_quick_picks_are_whole_calendar_periods(app: Flask, district: dict[str, Any]) -> None:
    today = datetime.now(SHANGHAI).date()
    first = today.replace(day=1)
    last_month_end = date.fromordinal(first.toordinal() - 1)

    html = open_dashboard(log_in(app, district["district_manager"]), center_id=district["a"])

    links = re.findall(r'<a class="button[^"]*" href="/console/dashboard\?([^"]+)"', html)
    periods = {tuple(sorted(link.replace("&amp;", "&").split("&"))) for link in links}
    assert (
        tuple(sorted([f"center_id={district['a']}", f"from={YEAR['from']}", f"to={YEAR['to']}"]))
        in periods
    )
    assert (
        tuple(
            sorted(
                [
                    f"center_id={district['a']}",
                    f"from={last_month_end.replace(day=1)}",
                    f"to={last_month_end}",
                ]
            )
        )
        in periods
    )


def test_the_participation_chart_carries_the_apis_series(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["district_manager"]

    html = open_dashboard(log_in(app, manager))

    series = client.get(
        "/api/v1/stats/participation",
        headers=manager.headers,
        query_string={**YEAR, "group_by": "center"},
    ).json
    block = re.search(
        r'<script type="application/json" id="participation-data">(.*?)</script>', html
    )
    assert block is not None
    chart = json.loads(block.group(1))
    assert chart["labels"] == [f"{THIS_YEAR}-{month:02d}" for month in range(1, 13)]
    assert [bar["name"] for bar in chart["bars"]] == ["东区中心", "西区中心"]
    for bar, center in zip(chart["bars"], (district["a"], district["b"]), strict=True):
        assert bar["data"] == [b["groups"][str(center)] for b in series["buckets"]]
    assert chart["line"]["data"] == [b["unique_participants"] for b in series["buckets"]]
    assert 'data-testid="chart-participation"' in html


def test_follow_up_compliance_is_the_apis(
    app: Flask, client: FlaskClient, make: Factory, district: dict[str, Any]
) -> None:
    desk = district["desk_a"]
    resident = consenting(client, make, district["a"])
    tagged = client.put(
        f"/api/v1/residents/{resident.id}/conditions",
        headers=desk.headers,
        json={"conditions": ["hypertension"]},
    )
    assert tagged.status_code == 200, tagged.json
    assert schedule(client, desk, resident.id, date(THIS_YEAR - 1, 5, 1)).status_code == 201
    manager = district["manager_a"]

    console = log_in(app, manager)

    page = open_dashboard(console, **LAST_YEAR)
    widget = console.get("/console/dashboard/followups", query_string=LAST_YEAR, headers=HTMX)

    assert 'hx-get="/console/dashboard/followups?' in page
    assert widget.status_code == 200
    html = widget.get_data(as_text=True)
    report = client.get(
        "/api/v1/stats/followups", headers=manager.headers, query_string=LAST_YEAR
    ).json
    assert report["total"]["overdue"] == 1
    assert 'data-testid="followups-overdue" data-value="1">1<' in html
    assert f"{THIS_YEAR - 1}-05" in html


def test_the_page_asks_once_what_the_rollups_cover(app: Flask, district: dict[str, Any]) -> None:
    """This year, last year, the chart and the ranking all stand on one answer."""
    console = log_in(app, district["district_manager"])
    roll_up(app)

    sent = statements_of(app, lambda: open_dashboard(console))

    assert sum("FROM stats_rollup_state" in statement for statement in sent) == 1
