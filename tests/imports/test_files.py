"""Files as centers have them: Excel workbooks, CSV in GBK or UTF-8, headers as people type
them, dates as Excel or people write them; and the files refused, with their codes."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Event
from identity.models import Resident
from tests.factories import Account
from tests.imports.conftest import ATTENDANCE, RESIDENTS, batch, csv_bytes, send, xlsx_bytes


def names(app: Flask) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(select(Resident.name).order_by(Resident.id)))


def test_a_gbk_csv_as_excel_in_china_saves_it(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sheet = [RESIDENTS, ["黄秀英", "13812341234", "1950-02-03", "女"], ["张明", "", "", "男"]]

    response = send(client, manager, "residents", csv_bytes(sheet, "gbk"), name="居民.csv")

    assert response.status_code == 201, response.json
    assert batch(client, manager, response.json["id"])["created"] == 2
    assert names(app) == ["黄秀英", "张明"]


def test_a_utf8_csv_with_a_bom_and_headers_typed_loosely(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sheet = [[" 姓名 ", "手机号码（必填）", "备注列"], ["黄秀英", "138 1234 1234", "x"]]

    response = send(client, manager, "residents", "\ufeff".encode() + csv_bytes(sheet))

    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.scalars(select(Resident.phone)).all() == ["13812341234"]


def test_an_excel_workbook_with_a_title_row_and_excel_dates(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sheet = [
        ["2025年健康讲座签到表"],
        ["序号", *ATTENDANCE],
        [1, datetime(2025, 3, 8), "控制血压", "讲座", "黄秀英", 13812341234],
        [2, date(2025, 3, 8), "控制血压", "讲座", "张明", "13900001111"],
        [3, "2025.3.9", "慢病随访", "随访", "张明", "13900001111"],
    ]

    response = send(client, manager, "attendance", xlsx_bytes(sheet), name="签到.xlsx")

    assert response.status_code == 201, response.json
    done = batch(client, manager, response.json["id"])
    assert (done["rows"], done["created"], done["events_created"]) == (3, 3, 2)
    with app.app_context():
        events = db.session.execute(select(Event.title, Event.kind).order_by(Event.id)).all()
    assert [tuple(e) for e in events] == [("控制血压", "lecture"), ("慢病随访", "followup")]


def test_a_csv_of_a_date_column_left_as_numbers_reads_its_serials(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    sheet = [
        ATTENDANCE,
        ["45724", "控制血压", "讲座", "黄秀英", "13812341234"],
        ["4572", "控制血压", "讲座", "张明", "13900001111"],
        ["457240", "控制血压", "讲座", "张明", "13900001111"],
    ]

    done = batch(client, manager, send(client, manager, "attendance", csv_bytes(sheet)).json["id"])

    assert (done["created"], done["invalid"]) == (1, 2)
    assert [(e["row"], e["code"]) for e in done["errors"]] == [(3, "bad_date"), (4, "bad_date")]
    with app.app_context():
        assert db.session.scalar(select(func.min(Event.starts_at))).date() == date(2025, 3, 8)


def test_problems_are_numbered_as_the_spreadsheet_shows_them(
    client: FlaskClient, manager: Account
) -> None:
    sheet = [["签到表"], [], ATTENDANCE, ["2025-02-30", "讲座", "讲座", "黄秀英", "13812341234"]]

    response = send(
        client, manager, "attendance", xlsx_bytes(sheet), name="签到.xlsx", dry_run=True
    )

    assert [(e["row"], e["column"], e["code"]) for e in response.json["errors"]] == [
        (4, "日期", "bad_date")
    ]


def test_a_file_that_is_neither_is_refused(client: FlaskClient, manager: Account) -> None:
    for content, name in (
        (b"\xd0\xcf\x11\xe0 old excel", "名单.xls"),
        (b"PK\x03\x04junk", "a.xlsx"),
    ):
        response = send(client, manager, "residents", content, name=name, dry_run=True)

        assert response.status_code == 415, name
        assert response.json["code"] == "unsupported_file"


def rewritten(workbook: bytes, change: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda xml: xml[: len(xml) // 2], id="cut off in the middle of its rows"),
        pytest.param(
            lambda xml: re.sub(r'(r="[A-E]?)41"', r'\g<1>300000000"', xml).replace(
                ":E41", ":E300000000"
            ),
            id="its last row far past Excel's last",
        ),
    ],
)
def test_a_damaged_workbook_is_refused_in_words(
    client: FlaskClient, manager: Account, damage: Callable[[str], str]
) -> None:
    rows = [ATTENDANCE, *[["2025-03-08", "讲座", "讲座", "黄秀英", "13812341234"]] * 40]
    workbook = rewritten(xlsx_bytes(rows), damage)

    response = send(client, manager, "attendance", workbook, name="签到.xlsx", dry_run=True)

    assert (response.status_code, response.json["code"]) == (415, "unsupported_file")


def test_a_sheet_without_the_columns_names_them(client: FlaskClient, manager: Account) -> None:
    response = send(client, manager, "balances", csv_bytes([["姓名", "电话"], ["黄秀英", "1"]]))

    assert response.status_code == 422
    assert response.json["code"] == "missing_columns"
    assert response.json["missing"] == ["积分", "说明"]


def test_a_file_past_the_limit_is_refused(
    app: Flask, client: FlaskClient, manager: Account
) -> None:
    app.config["MAX_IMPORT_BYTES"] = 1000

    rows = [RESIDENTS, *[["黄秀英", "13812341234"]] * 2000]
    response = send(client, manager, "residents", csv_bytes(rows))

    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
