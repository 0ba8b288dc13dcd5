"""Sheets as centers keep them, and sending them to the import endpoint."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook

from tests.factories import Account

ATTENDANCE = ["日期", "活动名称", "活动类型", "姓名", "手机号"]
RESIDENTS = ["姓名", "手机号", "出生日期", "性别"]
BALANCES = ["姓名", "手机号", "积分", "说明"]


@pytest.fixture(autouse=True)
def imports_inline(app: Flask) -> None:
    """Rows are applied before the test reads the batch back (one test runs the thread)."""
    app.config["IMPORTS_INLINE"] = True


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def send(
    client: FlaskClient,
    account: Account,
    kind: str,
    content: bytes,
    *,
    name: str = "名单.csv",
    dry_run: bool = False,
    **form: object,
) -> Any:
    data: dict[str, Any] = {
        "kind": kind,
        "dry_run": "true" if dry_run else "false",
        "file": (io.BytesIO(content), name),
        **{
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in form.items()
        },
    }
    return client.post(
        "/api/v1/imports", headers=account.headers, data=data, content_type="multipart/form-data"
    )


def batch(client: FlaskClient, account: Account, batch_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/imports/{batch_id}", headers=account.headers)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]
