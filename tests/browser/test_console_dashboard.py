"""The manager's dashboard and the yearly report in a real browser: the API's figures, charts
that draw, a center picked from the filter, the report printed and downloaded."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from tests.browser.conftest import BrowserConsole
from tests.dashboards import (
    THIS_YEAR,
    YEAR,
    arrange_district,
    expected_kpis,
    summary,
)
from tests.factories import Factory

#: Pixels a chart's canvas has drawn (not transparent).
DRAWN_PIXELS = """(chart) => {
  const canvas = chart.querySelector("canvas");
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha]) drawn++;
  return drawn;
}"""


@pytest.fixture
def district(client: FlaskClient, make: Factory) -> dict[str, Any]:
    return arrange_district(client, make)


def shown_kpis(page: Page) -> dict[str, str]:
    cards = page.locator("[data-testid^=kpi-]")
    return {
        cards.nth(i).get_attribute("data-testid") or "": cards.nth(i).inner_text().strip()
        for i in range(cards.count())
    }


def drawn(chart: Locator) -> int:
    expect(chart.locator("canvas")).to_have_count(1)
    return int(chart.evaluate(DRAWN_PIXELS))


def _unless_favicon(message: ConsoleMessage) -> str:
    """An error the browser logged, but for the icon it asks every site for (none here)."""
    if message.type != "error" or message.location.get("url", "").endswith("/favicon.ico"):
        return ""
    return message.text


def fits_the_width(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_the_dashboard_shows_the_apis_figures_and_draws_the_participation_chart(
    client: FlaskClient, district: dict[str, Any], console: BrowserConsole
) -> None:
    manager = district["district_manager"]
    errors: list[str] = []  # what the page could not load or run (a script its CSP refused)
    page = console.page
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(_unless_favicon(message)))
    console.log_in(manager)

    page.get_by_role("link", name="数据看板").click()

    expect(page).to_have_url(console.url("/console/dashboard"))
    expect(page.get_by_test_id("scope")).to_have_text("全区")
    assert shown_kpis(page) == expected_kpis(summary(client, manager, YEAR))
    expect(page.get_by_test_id("kpi-growth")).to_have_text("+150.00%")
    assert drawn(page.get_by_test_id("chart-participation")) > 1000
    expect(page.get_by_test_id("followups-rate")).to_have_text("—")  # nothing was due
    console.screenshot("district")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_timeout(300)  # the chart redraws at the new width
    assert fits_the_width(page)
    assert drawn(page.get_by_test_id("chart-participation")) > 1000
    console.screenshot("district-tablet")
    assert [error for error in errors if error] == []


def test_a_district_manager_picks_a_center_and_a_quick_period(
    client: FlaskClient, district: dict[str, Any], console: BrowserConsole
) -> None:
    manager = district["district_manager"]
    console.log_in(manager)
    page = console.open("/console/dashboard")

    page.get_by_test_id("center-filter").select_option(label="东区中心")
    page.get_by_role("button", name="查看").click()

    expect(page.get_by_test_id("scope")).to_have_text("东区中心")
    assert shown_kpis(page) == expected_kpis(
        summary(client, manager, YEAR, center_id=district["a"])
    )
    assert drawn(page.get_by_test_id("chart-participation")) > 1000
    expect(page.get_by_test_id("followups")).to_be_visible()
    console.screenshot("center")

    page.get_by_role("link", name="去年").click()

    last_year = {"from": f"{THIS_YEAR - 1}-01-01", "to": f"{THIS_YEAR - 1}-12-31"}
    expect(page.locator("input[name=from]")).to_have_value(last_year["from"])
    expect(page.get_by_test_id("scope")).to_have_text("东区中心")
    assert shown_kpis(page) == expected_kpis(
        summary(client, manager, last_year, center_id=district["a"])
    )


def test_a_widget_downloads_as_excel_from_the_page(
    district: dict[str, Any], console: BrowserConsole
) -> None:
    console.log_in(district["manager_a"])
    page = console.open("/console/dashboard")

    with page.expect_download() as download:
        page.get_by_test_id("download-items-xlsx").click()

    path = download.value.path()
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()][1][1:3] == ["保温杯", 3]


def test_the_yearly_report_prints_on_a4_and_downloads(
    client: FlaskClient, district: dict[str, Any], console: BrowserConsole
) -> None:
    manager = district["manager_a"]
    console.log_in(manager)
    page = console.open("/console/dashboard")

    page.get_by_test_id("open-report").click()

    expect(page).to_have_url(console.url(f"/console/dashboard/report?year={THIS_YEAR}"))
    api = summary(client, manager, YEAR)
    expect(page.get_by_test_id("report-checkins")).to_have_text(str(api["checkins_total"]))
    expect(page.get_by_test_id("report-growth")).to_have_text("+300.00%")
    expect(page.locator("h1")).to_contain_text(f"东区中心 {THIS_YEAR} 年度健康积分工作报告")
    assert drawn(page.get_by_test_id("chart-report-months")) > 500
    console.screenshot("report")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_timeout(300)
    assert fits_the_width(page)
    console.screenshot("report-tablet")

    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_test_id("print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    page.emulate_media(media="print")
    expect(page.locator(".report-tools")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    console.screenshot("report-print")
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_test_id("download-report-xlsx").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames == ["汇总", "参与情况", "随访", "活动排行", "礼品发放"]
