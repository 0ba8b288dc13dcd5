"""What each kind of import reads from a row, and what makes a cell unusable.

A row is checked on its own here (a phone that is no phone, an unknown 活动类型, a day to
come); what needs the database (a name two residents share) is ``matching``'s. Each problem
is a code, with the column it is in, said in words when read (:data:`MESSAGES`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from core.api import FIRST_DAY
from core.i18n import Text, _l
from identity.models import PHONE_PATTERN
from points.models import ACTIVITIES, ACTIVITY_NAMES

#: Required and optional columns of each kind, by their headers.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "residents": (("姓名", "手机号"), ("出生日期", "性别")),
    "attendance": (("日期", "活动名称", "活动类型", "姓名", "手机号"), ()),
    "balances": (("姓名", "手机号", "积分", "说明"), ()),
}
#: A row of each kind, in its columns' order, as a template shows it to be filled in.
EXAMPLES: dict[str, tuple[Any, ...]] = {
    "residents": ("张秀英", "13800138000", date(1956, 3, 8), "女"),
    "attendance": (date(2025, 3, 8), "控制血压讲座", "讲座", "张秀英", "13800138000"),
    "balances": ("张秀英", "13800138000", 120, "纸质积分卡结转"),
}
#: The ledger's reason for a balance whose 说明 is empty: the resident reads it.
DEFAULT_BALANCE_REASON = "纸质积分卡结转"
#: Points one line may carry over: more is a typo, not a booklet.
MAX_POINTS = 100_000
#: The earliest birthday a register may give (attendance starts with the system's days).
EARLIEST_BIRTH = date(1900, 1, 1)
#: Day 0 of Excel's date serial numbers (as a CSV of an Excel sheet may write a date).
EXCEL_EPOCH = date(1899, 12, 30)
_KINDS = {name: kind for kind, name in ACTIVITY_NAMES.items()} | {k: k for k in ACTIVITIES}
_SEXES = {"男": "男", "女": "女", "M": "男", "F": "女"}
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:.]+)?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"[1-9]\d{4}")
_LENGTHS = {"姓名": 64, "活动名称": 100, "说明": 200}

#: Each problem in words, given its number (a length, how many residents match).
MESSAGES: dict[str, Callable[[int | None], Text]] = {
    "missing": lambda _: _l("This cell is empty."),
    "too_long": lambda n: _l("Longer than %(count)d characters.", count=n),
    "bad_phone": lambda _: _l("Not a mainland mobile number (11 digits, starting with 1)."),
    "bad_date": lambda _: _l("Not a date: write it like 2025-03-08."),
    "future_date": lambda _: _l("This day has not come yet."),
    "too_old": lambda n: _l("A day before %(count)d cannot be recorded.", count=n),
    "unknown_kind": lambda _: _l("Unknown activity type: use 讲座, 义诊, 随访, 复诊 or 筛查."),
    "bad_points": lambda n: _l("Points are a whole number from 1 to %(count)d.", count=n),
    "bad_sex": lambda _: _l("Write 男 or 女."),
    "ambiguous_resident": lambda n: _l(
        "%(count)d residents match: give the phone number, or correct them by hand first.",
        count=n,
    ),
    "name_mismatch": lambda _: _l(
        "This phone number goes with another name (a resident's, or an earlier row's): "
        "check the name and the number, or correct the resident's record first."
    ),
    "resident_closed": lambda _: _l("The resident closed their account meanwhile."),
}


class Problem(NamedTuple):
    """Why a cell (``column``; None: the whole row) cannot be used."""

    row: int
    column: str | None
    code: str
    count: int | None = None


@dataclass(slots=True)
class Row:
    """A row's values as the batch stages them, and its problems."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_row(
    kind: str, number: int, cells: Sequence[Any], columns: dict[str, int], today: date
) -> Row | None:
    """The row's values for ``kind``, with its problems; None for a blank row."""
    cell = {name: _cell(cells, index) for name, index in columns.items()}
    if all(value is None for value in cell.values()):
        return None
    row = Row(number)
    checker = _Checker(row, cell, today)
    name = checker.text("姓名", required=True)
    phone = checker.phone()
    row.values |= {"name": name, "phone": phone, "who": who(name, phone)}
    if kind == "residents":
        checker.day("出生日期", required=False, earliest=EARLIEST_BIRTH)
        checker.sex()
    elif kind == "attendance":
        row.values |= {
            "day": checker.day("日期", required=True, earliest=FIRST_DAY),
            "title": checker.text("活动名称", required=True),
            "kind": checker.activity(),
        }
    else:
        row.values |= {
            "points": checker.points(),
            "note": checker.text("说明", required=False) or DEFAULT_BALANCE_REASON,
        }
    return row


def who(name: str | None, phone: str | None) -> str | None:
    """Whom a row names: by phone, else by name (rows without a phone match by name)."""
    if phone:
        return f"p:{phone}"
    return f"n:{name}" if name else None


def _cell(cells: Sequence[Any], index: int) -> Any:
    value = cells[index] if index < len(cells) else None
    if isinstance(value, str):
        value = value.strip().strip("\u3000") or None
    return value


class _Checker:
    """Reads a row's cells into values, noting a problem for each that cannot be used."""

    def __init__(self, row: Row, cell: dict[str, Any], today: date) -> None:
        self.row, self.cell, self.today = row, cell, today

    def problem(self, column: str, code: str, count: int | None = None) -> None:
        self.row.problems.append(Problem(self.row.row, column, code, count))

    def text(self, column: str, *, required: bool) -> str | None:
        value = self.cell.get(column)
        if value is None:
            if required:
                self.problem(column, "missing")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if len(text) > _LENGTHS[column]:
            self.problem(column, "too_long", _LENGTHS[column])
            return None
        return text

    def phone(self) -> str | None:
        value = self.cell.get("手机号")
        if value is None:
            return None
        if isinstance(value, int | float) and float(value).is_integer():
            digits = str(int(value))
        else:
            digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", str(value)))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        elif digits.startswith("+86"):
            digits = digits[3:]
        if not PHONE_PATTERN.match(digits):
            self.problem("手机号", "bad_phone")
            return None
        return digits

    def day(self, column: str, *, required: bool, earliest: date) -> date | None:
        value = self.cell.get(column)
        if value is None:
            if required:
                self.problem(column, "missing")
            return None
        day = _day(value)
        if day is None:
            self.problem(column, "bad_date")
        elif day > self.today:
            self.problem(column, "future_date")
        elif day < earliest:
            self.problem(column, "too_old", earliest.year)
        else:
            return day
        return None

    def activity(self) -> str | None:
        value = self.cell.get("活动类型")
        if value is None:
            self.problem("活动类型", "missing")
            return None
        kind = _KINDS.get(re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).lower())
        if kind is None:
            self.problem("活动类型", "unknown_kind")
        return kind

    def points(self) -> int | None:
        value = self.cell.get("积分")
        if value is None:
            self.problem("积分", "missing")
            return None
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = 0.5
        if not number.is_integer() or not 1 <= number <= MAX_POINTS:
            self.problem("积分", "bad_points", MAX_POINTS)
            return None
        return int(number)

    def sex(self) -> None:
        value = self.cell.get("性别")
        if value is not None and str(value).strip().upper() not in _SEXES:
            self.problem("性别", "bad_sex")


def _day(value: Any) -> date | None:
    """A day as a sheet writes one: an Excel date, its serial number (a number in a
    workbook; five digits in a CSV, as Excel saves a date column left as a number: 1927 to
    2173), or text like 2025-03-08, 2025/3/8, 2025.3.8, 2025年3月8日 or 20250308."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 1 <= value < 100_000:
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _SERIAL.fullmatch(text):
        return EXCEL_EPOCH + timedelta(days=int(text))
    match = _DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
