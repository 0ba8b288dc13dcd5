"""What the imports page hands out: a check's problems as a workbook, and a template per
kind that the importer reads back as it is."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask

from console.imports import KIND_WORDS
from core.i18n import _
from imports.rows import COLUMNS
from tests.console.imports.conftest import batch_id, check, checked
from tests.consoles import log_in, text_of
from tests.factories import Account
from tests.spreadsheets import xlsx_rows


def test_the_problems_download_lists_each_by_row_and_column(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)
    check_id = checked(console)

    response = console.get(f"/console/imports/{check_id}/problems.xlsx")

    rows = xlsx_rows(response)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="import-{check_id}-problems.xlsx"'
    )
    with app.test_request_context():
        assert rows[0] == [_("Row"), _("Column"), _("Problem")]
    assert rows[1:] == [[4, "活动类型", "未知的活动类型：请使用 讲座、义诊、随访、复诊 或 筛查。"]]


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_each_kinds_template_has_its_headers_and_an_example_the_importer_reads(
    app: Flask, manager: Account, kind: str
) -> None:
    console = log_in(app, manager)

    response = console.get(f"/console/imports/templates/{kind}.xlsx")
    sent = check(console, response.data, kind=kind, name=f"{kind}.xlsx")

    header, *examples = xlsx_rows(response)
    required, optional = COLUMNS[kind]
    assert header == [*required, *optional]
    assert len(examples) == 1 and all(cell is not None for cell in examples[0])
    if kind == "attendance":
        assert isinstance(examples[0][0], datetime)  # a day Excel shows as one
    with app.test_request_context():
        assert f"{kind}.xlsx" in text_of(sent, "batch") and str(KIND_WORDS[kind]) in text_of(
            sent, "batch"
        )
    assert (text_of(sent, "figure-rows"), text_of(sent, "figure-invalid")) == ("1", "0")
    assert batch_id(sent)


def test_no_template_of_a_kind_there_is_not(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)

    assert console.get("/console/imports/templates/staff.xlsx").status_code == 404
