"""The manager's dashboard and yearly report: the API's figures for the same period and center,
every widget downloadable as CSV and Excel, and only the centers a manager may see."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from core.csvfiles import FORMULA_TRIGGERS
from tests.catalog.test_redemption import gift, redeem
from tests.consoles import Console, log_in
from tests.events.test_followups import consenting, schedule
from tests.factories import Account, Factory
from tests.spreadsheets import FORMULAS, csv_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")
THIS_YEAR = datetime.now(SHANGHAI).year
YEAR = {"from": f"{THIS_YEAR}-01-01", "to": f"{THIS_YEAR}-12-31"}
LAST_YEAR = {"from": f"{THIS_YEAR - 1}-01-01", "to": f"{THIS_YEAR - 1}-12-31"}
HTMX = {"HX-Request": "true"}
WIDGETS = ("summary", "participation", "followups", "events", "items")
#: What each widget's download is in the API.
API_TABLES = {"followups": "followups", "events": "events", "items": "items"}

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


@pytest.fixture
def district(client: FlaskClient, make: Factory) -> dict[str, Any]:
    return arrange_district(client, make)


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


def xlsx_rows(response: Any, sheet: int = 0) -> list[list[Any]]:
    assert response.status_code == 200, response.data[:300]
    assert response.content_type.startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.data))
    return [[cell.value for cell in row] for row in workbook.worksheets[sheet].iter_rows()]


def same_cells(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of a CSV file or a workbook, each cell as the other would hold it: numbers as
    numbers (a workbook keeps 1.0 as 1), days and times as the CSV writes them."""

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, datetime):
            midnight = value.time() == time()  # a day: the events here never start at 0:00
            return value.date().isoformat() if midnight else value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, int | float):
            return float(value)
        try:
            return float(value)
        except ValueError:
            return value

    return [[cell(value) for value in row] for row in rows]


def api_csv(client: FlaskClient, who: Account, widget: str, **args: Any) -> list[list[str]]:
    return csv_rows(
        client.get(
            f"/api/v1/stats/{widget}",
            headers=who.headers,
            query_string={**args, "format": "csv"},
        )
    )


@pytest.mark.parametrize("widget", WIDGETS)
def test_every_widget_downloads_as_the_apis_csv_and_as_excel(
    app: Flask, client: FlaskClient, district: dict[str, Any], widget: str
) -> None:
    manager = district["district_manager"]
    console = log_in(app, manager)
    args = {**YEAR, "center_id": district["a"]}
    if widget == "participation":
        args |= {"group_by": "kind", "interval": "month"}
    if widget == "events":
        args |= {"limit": 100}

    as_csv = csv_rows(console.get(f"/console/dashboard/{widget}.csv", query_string=args))
    as_xlsx = xlsx_rows(console.get(f"/console/dashboard/{widget}.xlsx", query_string=args))

    assert as_csv == api_csv(client, manager, widget, **args)
    assert same_cells(as_xlsx) == same_cells(as_csv)
    numbers = [value for row in as_xlsx[1:] for value in row if isinstance(value, int | float)]
    assert numbers, "numbers stay numbers in the workbook"


def test_the_summary_workbook_keeps_numbers_and_rates_as_numbers(
    app: Flask, district: dict[str, Any]
) -> None:
    console = log_in(app, district["district_manager"])

    rows = xlsx_rows(console.get("/console/dashboard/summary.xlsx", query_string=YEAR))

    by_label = {row[0]: row for row in rows}
    assert (by_label["签到人次"][1], by_label["签到人次"][-1]) == (5, 1.5)  # growth last
    assert by_label["多次参与率"][1] == 0.25
    assert by_label["发放礼品数"][1] == 3


def test_no_download_carries_a_formula(app: Flask, client: FlaskClient, make: Factory) -> None:
    """Center, event and gift names are typed by people; each could start a formula."""
    center = make.center(FORMULAS[0])
    desk = make.staff("staff", center_id=center)
    manager = make.staff("manager", center_id=center)
    resident = make.resident(center)
    make.credit(resident.id, 100)
    # A control character XML cannot carry is dropped, and what follows it still escaped.
    hidden = "\x0b=HYPERLINK(1)"
    for hour, title in enumerate((*FORMULAS, hidden)):
        make.checkin(
            make.event(center, title=title, starts_at=today_at(8 + hour)),
            resident.id,
            today_at(8 + hour),
        )
    assert (
        redeem(client, desk, resident.id, gift(client, manager, 5, name=FORMULAS[1])).status_code
        == 201
    )
    console = log_in(app, make.staff("manager"))
    args = {**YEAR, "center_id": center}

    workbooks = {
        widget: load_workbook(
            io.BytesIO(console.get(f"/console/dashboard/{widget}.xlsx", query_string=args).data)
        )
        for widget in WIDGETS
    }
    workbooks["report"] = load_workbook(
        io.BytesIO(
            console.get(
                "/console/dashboard/report.xlsx",
                query_string={"year": THIS_YEAR, "center_id": center},
            ).data
        )
    )
    workbooks["district"] = load_workbook(
        io.BytesIO(console.get("/console/dashboard/participation.xlsx", query_string=YEAR).data)
    )
    csvs = [
        csv_rows(console.get(f"/console/dashboard/{widget}.csv", query_string=args))
        for widget in WIDGETS
    ]

    texts = []
    for workbook in workbooks.values():
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", cell.value
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
    assert not [text for text in texts if text.startswith(FORMULA_TRIGGERS)]
    # XML reads a carriage return back as a line feed; the quote before it stays.
    assert {"'" + title.replace("\r", "\n") for title in FORMULAS} <= set(texts)
    assert "'" + FORMULAS[0] in texts  # the center's name
    assert "'=HYPERLINK(1)" in texts
    for table in csvs:
        for row in table:
            assert not [cell for cell in row if cell.startswith(FORMULA_TRIGGERS)]


def test_the_yearly_report_reads_like_the_centers_paper_report(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["manager_a"]

    page = log_in(app, manager).get("/console/dashboard/report", query_string={"year": THIS_YEAR})

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    api = summary(client, manager, YEAR)
    figures = dict(re.findall(r'data-testid="(report-[a-z]+)">([^<]*)<', html))
    assert figures == {
        "report-lectures": str(api["events"]["lecture"]),
        "report-checkins": str(api["checkins_total"]),
        "report-growth": f"{api['growth']['checkins']:+.2%}",
        "report-participants": str(api["unique_participants"]),
        "report-gifts": str(api["gifts_handed_out"]),
        "report-followups": "—",  # no follow-up was due
    }
    assert figures["report-growth"] == "+300.00%"  # center A: 4 check-ins against 1
    assert "东区中心" in html and str(THIS_YEAR) in html
    assert "data-print" in html
    lectures = html.split('data-testid="report-lectures-table"')[1].split("</table>")[0]
    assert "高血压的饮食" in lectures and "血糖筛查" not in lectures  # lectures only


def test_the_yearly_report_downloads_as_a_workbook_of_its_parts(
    app: Flask, client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["district_manager"]
    console = log_in(app, manager)

    response = console.get("/console/dashboard/report.xlsx", query_string={"year": THIS_YEAR})

    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["汇总", "参与情况", "随访", "活动排行", "礼品发放"]
    rows = [[cell.value for cell in row] for row in workbook["汇总"].iter_rows()]
    assert same_cells(rows) == same_cells(api_csv(client, manager, "summary", **YEAR))
    lectures = [row[1].value for row in workbook["活动排行"].iter_rows(min_row=2)]
    assert lectures == ["高血压的饮食"]
    gifts = [(row[1].value, row[2].value) for row in workbook["礼品发放"].iter_rows(min_row=2)]
    assert gifts == [("保温杯", 3)]
    assert 'filename="report-' in response.headers["Content-Disposition"]


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


def test_the_dashboard_and_report_speak_english_when_chosen(
    app: Flask, district: dict[str, Any]
) -> None:
    console = log_in(app, district["district_manager"])
    console.post("/console/language", {"language": "en"}, htmx=False)

    dashboard = open_dashboard(console)
    report = console.get("/console/dashboard/report").get_data(as_text=True)

    assert '<html lang="en">' in dashboard
    assert "Attendances year over year" in dashboard and "Whole district" in dashboard
    assert "health points report for" in report and "Best-attended lectures" in report
