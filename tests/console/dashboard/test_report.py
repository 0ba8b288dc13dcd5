"""The yearly report: it reads like the center's paper report, downloads as a workbook of its
parts, and speaks English when chosen (as the dashboard does)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.consoles import log_in
from tests.dashboards import THIS_YEAR, YEAR, api_csv, open_dashboard, summary
from tests.spreadsheets import same_cells


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
