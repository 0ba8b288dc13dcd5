"""Checking and importing sheets through the console's page, as a manager's browser does."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.consoles import Console, html
from tests.imports.conftest import ATTENDANCE, csv_bytes

#: Two lecture attendances and a row whose 活动类型 is none (row 4, as the sheet numbers it).
SIGN_INS = [
    ATTENDANCE,
    ["2025-03-08", "控制血压", "讲座", "黄秀英", "13812341234"],
    ["2025-03-08", "控制血压", "讲座", "张明", "13900001111"],
    ["2025-03-08", "控制血压", "开会", "李芳", "13900002222"],
]


@pytest.fixture(autouse=True)
def imports_inline(app: Flask) -> None:
    """Rows are applied before the test reads the batch back."""
    app.config["IMPORTS_INLINE"] = True


def check(
    console: Console,
    content: bytes,
    *,
    kind: str = "attendance",
    name: str = "三月签到.csv",
    htmx: bool = True,
    csrf: bool = True,
    **form: str,
) -> TestResponse:
    """Send the page's form: a file to check (a dry run)."""
    data: dict[str, Any] = {"kind": kind, "file": (io.BytesIO(content), name), **form}
    return console.post(
        "/console/imports", data, htmx=htmx, csrf=csrf, content_type="multipart/form-data"
    )


def batch_id(response: TestResponse) -> int:
    """The batch a response shows."""
    found = re.search(r'data-batch="(\d+)"', html(response))
    assert found, html(response)[:500]
    return int(found.group(1))


def checked(console: Console, rows: list[list[Any]] = SIGN_INS, **form: str) -> int:
    response = check(console, csv_bytes(rows), **form)
    assert response.status_code == 200, html(response)[:500]
    return batch_id(response)


def imported(console: Console, rows: list[list[Any]] = SIGN_INS, **form: str) -> int:
    """A sheet checked and confirmed, its rows applied (inline): the real batch's id."""
    response = console.post(f"/console/imports/{checked(console, rows, **form)}/confirm")
    assert response.status_code == 200, html(response)[:500]
    return batch_id(response)
