"""Every dashboard widget downloads as the API's CSV and as an Excel workbook that keeps numbers
as numbers; no download carries a formula."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from core.csvfiles import FORMULA_TRIGGERS
from tests.catalog.test_redemption import gift, redeem
from tests.consoles import log_in
from tests.dashboards import THIS_YEAR, YEAR, api_csv, today_at
from tests.factories import Factory
from tests.spreadsheets import FORMULAS, csv_rows, same_cells, xlsx_rows

WIDGETS = ("summary", "participation", "followups", "events", "items")


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
