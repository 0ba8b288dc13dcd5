"""CSV exports that open right in Excel: UTF-8 with a byte-order mark, times in the district's
time zone, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response

BOM = "\ufeff"

#: A text cell that begins with one of these is a formula to Excel, LibreOffice and Google
#: Sheets (OWASP "CSV Injection"); it is written after a ``'``, which they read as "text".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, tz: ZoneInfo) -> str:
    """The CSV file; every cell goes through :func:`cell`, timestamps shown in ``tz``."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([cell(name, tz) for name in header])
    writer.writerows([cell(value, tz) for value in row] for row in rows)
    return out.getvalue()


def cell(value: Any, tz: ZoneInfo) -> Any:
    """One value as a spreadsheet should read it."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        # A number is written as Python's digits ("-10", "0.25"): a spreadsheet reads "-10"
        # as minus ten, never as a formula, and a points delta must stay a number to sum.
        # Only text can carry a formula, so only text is escaped.
        return value
    if isinstance(value, datetime):
        return local_time(value, tz)
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def safe_text(text: str) -> str:
    """``text``, after a ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-12-02 14:05:09``: the district's wall clock, in a form Excel reads as a time."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
