"""A package's SQL lives in that package: SQL text names only its own tables (and identity's,
whose models every domain may use), and the ledger and the scan log each have one writer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.db import db

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "catalog",
    "core",
    "demo",
    "events",
    "gamification",
    "identity",
    "imports",
    "merging",
    "points",
    "privacy",
    "reminders",
    "stats",
)
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|nextval)\b")


def _owners() -> dict[str, str]:
    """Each table's package, from the module its model is defined in."""
    return {
        mapper.local_table.name: mapper.class_.__module__.split(".")[0]
        for mapper in db.Model.registry.mappers
    }


def _sql_texts(package: str) -> list[tuple[str, str]]:
    """(module, text) for every string in the package's code that reads like SQL (docstrings
    and comments are words about it)."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and id(node) not in docstrings and SQL.search(text):
                found.append((str(path.relative_to(ROOT)), text))
    return found


def _names(table: str, text: str) -> bool:
    # A sequence (``ledger_transactions_id_seq``) names its table too.
    return re.search(rf"(?<![\w.]){table}(?![a-z])", text) is not None


@pytest.mark.parametrize("package", PACKAGES)
def test_sql_text_names_only_its_own_packages_tables(app: object, package: str) -> None:
    owners = _owners()
    foreign = sorted(
        (module, table)
        for module, text in _sql_texts(package)
        for table, owner in owners.items()
        if owner not in (package, "identity") and _names(table, text)
    )
    assert foreign == []


@pytest.mark.parametrize(
    ("table", "writer"),
    [
        ("ledger_transactions", "points/ledger.py"),
        ("ledger_entries", "points/ledger.py"),
        ("earning_counters", "points/ledger.py"),
        ("checkins", "events/attendance.py"),
    ],
)
def test_one_module_inserts_into_a_ledger_or_the_attendance(
    app: object, table: str, writer: str
) -> None:
    owner = writer.split("/")[0]
    writers = {
        module for module, text in _sql_texts(owner) if re.search(rf"INSERT INTO {table}\b", text)
    }
    assert writers == {writer}


def test_the_scan_log_is_written_by_the_scan_module_and_the_attendance_statement() -> None:
    writers = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"ScanAttempt\.__table__\.insert|INSERT INTO scan_attempts", path.read_text())
    }
    assert writers == {"events/scans.py", "events/attendance.py"}
