"""Tables people download, as CSV or as an Excel workbook (``.xlsx``), under one rule: a text
cell a spreadsheet would run as a formula is written after a ``'`` (``core.csvfiles``), while
numbers stay numbers and days stay days, so a manager can sum and sort them.

A view builds :class:`Table`\\ s from a service's result and answers with :func:`csv_download`
or :func:`xlsx_download` (one sheet per table).

openpyxl is imported where a workbook is written: it holds some 33 MB that a worker need not
carry until someone downloads one (bench/RESULTS.md, peak RSS per worker).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Response

from core.csvfiles import csv_response, csv_text, safe_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DAY_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
#: The widest a column is laid out, in characters.
MAX_WIDTH = 50


@dataclass(frozen=True, slots=True)
class Table:
    """A table to download: its sheet's name (at most 31 characters, none of ``[]:*?/\\``),
    its column headings and its rows."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def csv_download(table: Table, filename: str, tz: ZoneInfo) -> Response:
    return csv_response(csv_text(table.header, table.rows, tz=tz), filename)


def xlsx_download(tables: Sequence[Table], filename: str, tz: ZoneInfo) -> Response:
    return Response(
        xlsx_bytes(tables, tz),
        content_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_bytes(tables: Sequence[Table], tz: ZoneInfo) -> bytes:
    """The workbook, one sheet per table, headings in bold and kept in view."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.title)
        sheet.append([xlsx_cell(name, tz) for name in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([xlsx_cell(value, tz) for value in row])
        sheet.freeze_panes = "A2"
        _formats_and_widths(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_cell(value: Any, tz: ZoneInfo) -> Any:
    """One value as a workbook holds it: a number or a day as itself, a time on the district's
    clock, text without the control characters XML cannot carry and never as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _formats_and_widths(sheet: Worksheet) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DAY_FORMAT
            width = len(TIME_FORMAT) if isinstance(cell.value, date) else _width(cell.value)
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)


def _width(value: Any) -> int:
    """Characters a value takes on screen: a Chinese character takes two."""
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))
