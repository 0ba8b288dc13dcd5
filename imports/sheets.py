"""Reading a center's spreadsheet, row by row in constant memory: ``.xlsx`` (streamed by
openpyxl's read-only mode) or ``.csv`` in UTF-8 (with or without a BOM) or GBK (what Excel
in China saves; read as GB18030, its superset).

Columns are found by their Chinese headers, in any order, extra ones ignored: the header row
is the first of the sheet's first rows that names every required column (a title row above
it is common), spelled with spaces, full-width characters or a ``*`` as people write them.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from core.errors import DomainError
from core.i18n import _l

#: Rows above the header a sheet may have (a title, a date, a blank line).
HEADER_SEARCH_ROWS = 10
#: Other ways centers head the columns (after folding, see :func:`header_name`).
ALIASES = {
    "手机号码": "手机号",
    "手机": "手机号",
    "电话": "手机号",
    "联系电话": "手机号",
    "电话号码": "手机号",
    "活动日期": "日期",
    "签到日期": "日期",
    "活动主题": "活动名称",
    "讲座名称": "活动名称",
    "讲座题目": "活动名称",
    "生日": "出生日期",
    "备注": "说明",
}
_READ_CHUNK = 1 << 20
#: The rows an Excel worksheet can have.
EXCEL_ROWS = 1_048_576


class UnsupportedFile(DomainError):
    status, code, title = 415, "unsupported_file", _l("This file cannot be read")


class MissingColumns(DomainError):
    status, code, title = 422, "missing_columns", _l("The sheet lacks columns")


@dataclass(frozen=True, slots=True)
class Sheet:
    """Where each wanted column is, and the rows below the header: ``(row number, cells)``,
    numbered as the spreadsheet shows them."""

    columns: dict[str, int]
    rows: Iterator[tuple[int, Sequence[Any]]]


def header_name(cell: Any) -> str:
    """A header as written, folded: full-width to half-width, no spaces, no ``*`` or
    parenthesised note (``手机号（必填）``), an alias to its column's name."""
    name = unicodedata.normalize("NFKC", str(cell or ""))
    name = re.sub(r"\(.*?\)|[\s*]", "", name)
    return ALIASES.get(name, name)


def open_sheet(
    stream: IO[bytes], file_name: str, required: Sequence[str], optional: Sequence[str] = ()
) -> Sheet:
    """The sheet of an uploaded file (its first worksheet, for a workbook), or
    ``unsupported_file`` / ``missing_columns``."""
    rows = _rows(stream, file_name)
    seen: list[tuple[int, Sequence[Any]]] = []
    for number, cells in rows:
        names = [header_name(cell) for cell in cells]
        if all(column in names for column in required):
            columns = {
                column: names.index(column) for column in (*required, *optional) if column in names
            }
            return Sheet(columns, rows)
        seen.append((number, names))  # type: ignore[arg-type]
        if len(seen) == HEADER_SEARCH_ROWS:
            break
    best = max(
        (names for _, names in seen), key=lambda n: sum(c in n for c in required), default=[]
    )
    missing = [column for column in required if column not in best]
    raise MissingColumns(
        _l("The sheet has no column %(columns)s.", columns="、".join(missing)),
        extensions={"missing": missing},
    )


def _rows(stream: IO[bytes], file_name: str) -> Iterator[tuple[int, Sequence[Any]]]:
    suffix = file_name.lower().rpartition(".")[2]
    start = stream.read(4)
    stream.seek(0)
    if suffix == "xlsx" or start == b"PK\x03\x04":
        return _workbook_rows(stream)
    if suffix in ("csv", "txt"):
        return _csv_rows(stream)
    raise UnsupportedFile(_l("Send an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _workbook_rows(stream: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    # Imported here, as in core.exports: a worker need not hold openpyxl until a file comes.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # a damaged file fails in the zip, the XML or openpyxl, many ways each
        raise _damaged() from None

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            # Read-only mode yields the rows the file has, an empty one for each skipped: a
            # row past Excel's last is a file made to keep the reader busy, not a sheet.
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > EXCEL_ROWS:
                    raise _damaged()
                yield number, cells
        except UnsupportedFile:
            raise
        except Exception:  # the XML of a row damaged further down the file
            raise _damaged() from None
        finally:
            workbook.close()

    return rows()


def _damaged() -> UnsupportedFile:
    return UnsupportedFile(_l("This is not an Excel workbook (.xlsx); save it as one, or as CSV."))


def encoding_of(stream: IO[bytes]) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (a BOM or not), else ``gb18030``:
    Excel in China saves CSV in GBK, of which GB18030 is the superset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_READ_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    text = io.TextIOWrapper(stream, encoding=encoding_of(stream), errors="replace", newline="")
    first = text.readline()
    text.seek(0)
    delimiter = "\t" if "\t" in first and "," not in first else ","

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
        except csv.Error:
            raise UnsupportedFile(_l("This CSV file cannot be read.")) from None
        finally:
            text.detach()  # the upload is the request's to close

    return rows()
