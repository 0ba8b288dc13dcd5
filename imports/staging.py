"""A batch's rows and problems written in bulk (``COPY``), counted and, once applied, blanked.

Rows are read and checked one at a time and written a chunk at a time, so a file of any
length passes through in constant memory; a row with a problem is staged too, as
``invalid``, so every row of the file has its outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from core.db import db, driver_connection
from imports.rows import Problem, read_row
from imports.sheets import Sheet

#: Rows written (and, applying, handled) at once.
CHUNK_ROWS = 5000

_COPY_ROWS = """
    COPY import_rows (batch_id, row, who, name, phone, day, title, kind, points, note, outcome)
    FROM STDIN
"""
_COPY_PROBLEMS = 'COPY import_problems (batch_id, row, "column", code, count) FROM STDIN'
_OUTCOMES = text("""
    SELECT outcome, count(*) FROM import_rows WHERE batch_id = :batch_id GROUP BY outcome
""")
_BLANK = text("""
    UPDATE import_rows SET who = NULL, name = NULL, phone = NULL
    WHERE batch_id = :batch_id AND (who IS NOT NULL OR name IS NOT NULL)
""")
_HELD = text("SELECT EXISTS (SELECT FROM import_rows WHERE batch_id = :batch_id)")
_FORGET_HELD = text("""
    DELETE FROM import_rows WHERE batch_id IN (
        SELECT id FROM import_batches WHERE dry_run AND created_at < :before
    )
""")
_TAKE_OVER_PROBLEMS = text("""
    INSERT INTO import_problems (batch_id, row, "column", code, count)
    SELECT :to_batch, row, "column", code, count FROM import_problems WHERE batch_id = :from_batch
""")
_TAKE_OVER_ROWS = text("""
    UPDATE import_rows SET batch_id = :to_batch, resident_id = NULL
    WHERE batch_id = :from_batch
""")
_ANALYZE = text("ANALYZE import_rows")


def stage(batch_id: int, kind: str, sheet: Sheet, today: date) -> tuple[int, int]:
    """Read, check and write every row of the sheet; returns how many rows it had and how
    many of them had problems."""
    rows = invalid = 0
    staged: list[tuple[Any, ...]] = []
    problems: list[Problem] = []
    for number, cells in sheet.rows:
        row = read_row(kind, number, cells, sheet.columns, today)
        if row is None:
            continue
        rows += 1
        if row.problems:
            invalid += 1
            problems.extend(row.problems)
            staged.append((batch_id, number, *[None] * 8, "invalid"))
        else:
            values = row.values
            staged.append(
                (
                    batch_id,
                    number,
                    *(values.get(name) for name in ("who", "name", "phone", "day", "title")),
                    *(values.get(name) for name in ("kind", "points", "note")),
                    None,
                )
            )
        if len(staged) >= CHUNK_ROWS:
            _write(batch_id, staged, problems)
    _write(batch_id, staged, problems)
    plan_for_rows()
    return rows, invalid


def plan_for_rows() -> None:
    """Refresh the planner's statistics of the staged rows: what follows joins them by the
    ten thousand, and planned for the empty table autovacuum last saw, one statement took
    minutes where it takes a second. Two imports staging at once take turns here, until the
    first one's request ends."""
    db.session.execute(_ANALYZE)


def record_problems(batch_id: int, problems: Iterable[Problem]) -> None:
    _write(batch_id, [], list(problems))


def _write(batch_id: int, staged: list[tuple[Any, ...]], problems: list[Problem]) -> None:
    with driver_connection() as connection, connection.cursor() as cursor:
        if staged:
            with cursor.copy(_COPY_ROWS) as copy:
                for values in staged:
                    copy.write_row(values)
        if problems:
            with cursor.copy(_COPY_PROBLEMS) as copy:
                for problem in problems:
                    copy.write_row((batch_id, *problem))
    staged.clear()
    problems.clear()


def outcomes(batch_id: int) -> Counter[str | None]:
    """How many of the batch's rows came to each outcome (None: not yet applied)."""
    return Counter(dict(db.session.execute(_OUTCOMES, {"batch_id": batch_id}).all()))


def blank(batch_id: int) -> None:
    """Forget the names and numbers an applied batch's rows still carry (applying a row
    forgets its own): the residents' records hold what was kept, and the file's other lines
    were never anyone's record."""
    db.session.execute(_BLANK, {"batch_id": batch_id})


def held(batch_id: int) -> bool:
    """Whether a dry run still holds its rows (not yet imported, nor forgotten)."""
    return bool(db.session.scalar(_HELD, {"batch_id": batch_id}))


def forget_held(before: datetime) -> int:
    """Drop the rows dry runs checked before ``before`` and nobody imported: their counts
    and problems are kept, the names and numbers not. Returns how many rows."""
    result: Any = db.session.execute(_FORGET_HELD, {"before": before})
    return int(result.rowcount)


def take_over(checked_id: int, batch_id: int) -> None:
    """Give a dry run's rows, and its problems, to the real run confirming it; whom each row
    names is matched again when it is applied."""
    params = {"from_batch": checked_id, "to_batch": batch_id}
    db.session.execute(_TAKE_OVER_PROBLEMS, params)
    db.session.execute(_TAKE_OVER_ROWS, params)
