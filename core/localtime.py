"""Local days in SQL: the district's calendar day (or week, or month) of a UTC timestamp,
and the week or month a day falls in.

Both give the first day of the bucket as a date, weeks starting on Monday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, literal


class local_bucket(FunctionElement[date]):
    """``local_bucket(timestamp, zone, "day"|"week"|"month")``: the bucket's first local day."""

    type = Date()
    inherit_cache = True
    name = "local_bucket"


def local_day(column: ColumnElement[Any], tz: ZoneInfo) -> local_bucket:
    return local_bucket(column, literal(tz.key), literal("day"))


class day_bucket(FunctionElement[date]):
    """``day_bucket(day, "day"|"week"|"month")``: the first day of the bucket ``day`` is in."""

    type = Date()
    inherit_cache = True
    name = "day_bucket"


@compiles(local_bucket, "postgresql")
def _postgresql(element: local_bucket, compiler: Any, **kw: Any) -> str:
    column, zone, interval = list(element.clauses)
    local = f"timezone({compiler.process(zone, **kw)}, {compiler.process(column, **kw)})"
    return f"CAST(date_trunc({compiler.process(interval, **kw)}, {local}) AS DATE)"


@compiles(day_bucket, "postgresql")
def _postgresql_day(element: day_bucket, compiler: Any, **kw: Any) -> str:
    column, interval = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(date_trunc({interval}, {column}) AS DATE)"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def district_zone() -> ZoneInfo:
    """The district's time zone (``TIMEZONE``): what responses' timestamps are written in."""
    return _zone(current_app.config["TIMEZONE"])


def district_minute(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in the district's time, for sentences people read."""
    return moment.astimezone(district_zone()).strftime("%Y-%m-%d %H:%M")


def first_day(day: date, interval: str) -> date:
    """The first day of the day, week or month that ``day`` falls in."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day
