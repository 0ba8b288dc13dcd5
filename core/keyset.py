"""Keyset pages over a list made of runs, each in an order of its own.

A resident's events are the upcoming ones soonest first, then the past ones newest first: two
runs of one list. Each page reads the run its cursor is in, from the cursor on, and the next
runs from their start while the page has room; the cursor names the run, so paging stays a
keyset walk (no offsets) across the seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select

from core.api import MAX_ID, decode_cursor, encode_cursor
from core.db import db
from core.errors import BadRequest
from core.i18n import _l


@dataclass(frozen=True, slots=True)
class Run:
    """The rows ``where`` selects, by ``column`` (then the id, to break ties)."""

    name: str
    where: ColumnElement[bool]
    column: Any
    descending: bool = False

    def order(self, id_column: Any) -> tuple[Any, Any]:
        if self.descending:
            return self.column.desc(), id_column.desc()
        return self.column.asc(), id_column.asc()

    def after(self, id_column: Any, value: Any, last_id: int) -> ColumnElement[bool]:
        if self.descending:
            return (self.column < value) | ((self.column == value) & (id_column < last_id))
        return (self.column > value) | ((self.column == value) & (id_column > last_id))


def runs_page(
    stmt: Select[Any],
    runs: Sequence[Run],
    id_column: Any,
    limit: int,
    cursor: str | None,
    key: Callable[[Any], tuple[Any, int]],
    parse: Callable[[str], Any],
) -> dict[str, Any]:
    """A page of ``stmt``'s entities, run after run: ``{"items", "next_cursor"}``.

    ``key`` gives an entity's sort value and id; ``parse`` reads the value back from its
    ISO form in a cursor (``aware_moment``, ``date.fromisoformat``), raising ValueError for
    one this API would not write. At most one query per run.
    """
    start, after = _position(runs, cursor, parse)
    found: list[tuple[Run, Any]] = []
    for run in runs[start:]:
        query = stmt.where(run.where).order_by(*run.order(id_column))
        if after is not None:
            query = query.where(run.after(id_column, *after))
            after = None
        rows = db.session.scalars(query.limit(limit + 1 - len(found)))
        found += [(run, row) for row in rows]
        if len(found) > limit:
            break
    next_cursor = None
    if len(found) > limit:
        run, last = found[limit - 1]
        value, last_id = key(last)
        next_cursor = encode_cursor(run.name, value.isoformat(), last_id)
    return {"items": [row for _, row in found[:limit]], "next_cursor": next_cursor}


def _position(
    runs: Sequence[Run], cursor: str | None, parse: Callable[[str], Any]
) -> tuple[int, tuple[Any, int] | None]:
    """Where a cursor leaves off: the index of its run, and the last value and id in it."""
    if not cursor:
        return 0, None
    name, value, last_id = decode_cursor(cursor, (str, str, int))
    names = [run.name for run in runs]
    try:
        if not 0 < last_id <= MAX_ID:
            raise ValueError(last_id)
        return names.index(name), (parse(value), last_id)
    except (ValueError, OverflowError):
        raise BadRequest(_l("The cursor is not one this API handed out.")) from None


def aware_moment(text: str) -> datetime:
    """A cursor's timestamp, in UTC; one without an offset was not handed out by this API."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(UTC)
