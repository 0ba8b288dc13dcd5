"""The district's local time (``TIMEZONE``): what day it is there, when a day starts, and
in SQL the district's calendar day (or week, or month) of a UTC timestamp and the week or
month a day falls in.

The SQL buckets give the first day of the bucket as a date, weeks starting on Monday.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, literal

from core.db import utcnow


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


def zone_of(config: Mapping[str, Any]) -> ZoneInfo:
    """The district's time zone as ``config`` names it (``TIMEZONE``)."""
    return _zone(config["TIMEZONE"])


def district_zone() -> ZoneInfo:
    """The running app's district time zone: what responses' timestamps are written in."""
    return zone_of(current_app.config)


def district_today() -> date:
    """What day it is in the district."""
    return local_date(utcnow(), district_zone())


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The district's calendar day at ``moment``."""
    return moment.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the district's calendar day ``day``."""
    return datetime.combine(day, time(), tzinfo=tz)


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
