"""Participation over time: check-ins and participants per day, week or month.

Rolled-up days are read from the rollups and folded into their buckets; the other days are
bucketed by the database in the district's calendar.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pyroaring import BitMap
from sqlalchemy import func, literal, select

from core.db import db
from core.localtime import day_bucket, first_day, local_bucket
from events.models import Checkin, Event
from points.models import ACTIVITIES
from stats import raw
from stats.figures import Parts, centers_in, participant_bitmaps
from stats.models import DISTRICT, DailyCheckins
from stats.periods import Period
from stats.rollups import Coverage


def participation(
    period: Period,
    interval: str,
    group_by: str,
    center_id: int | None,
    tz: ZoneInfo,
    cover: Coverage,
) -> list[dict[str, Any]]:
    """Every bucket of the period, with zeros where nobody came; groups by kind or center."""
    parts = Parts.of(period, center_id, tz, cover)
    keys = ACTIVITIES if group_by == "kind" else centers_in(center_id)
    rows = {
        first_day(b.start, interval): {
            "from": b.start,
            "to": b.end,
            "checkins": 0,
            "unique_participants": 0,
            "groups": dict.fromkeys(map(str, keys), 0),
        }
        for b in period.buckets(interval)
    }
    for day, key, n in _counts(parts, interval, group_by, tz):
        row = rows[first_day(day, interval)]
        row["groups"][str(key)] += n
        row["checkins"] += n
    for day, residents in _participants(parts, interval, tz).items():
        rows[day]["unique_participants"] = len(residents)
    return list(rows.values())


def _counts(parts: Parts, interval: str, group_by: str, tz: ZoneInfo) -> list[Any]:
    """``(bucket, group, check-ins)``, from the rollups and from the days counted afresh."""
    counts: list[Any] = []
    if parts.rolled:
        if group_by == "kind":
            group, scope = DailyCheckins.kind, DailyCheckins.scope == parts.scope
        else:
            group = DailyCheckins.scope
            scope = (
                DailyCheckins.scope != DISTRICT
                if parts.scope == DISTRICT
                else DailyCheckins.scope == parts.scope
            )
        day = day_bucket(DailyCheckins.day, literal(interval))
        stmt = (
            select(day, group, func.sum(DailyCheckins.checkins))
            .where(scope, parts.days(DailyCheckins.day))
            .group_by(day, group)
        )
        counts += db.session.execute(stmt).all()
    bucket = local_bucket(Checkin.created_at, tz.key, interval)
    group = Event.kind if group_by == "kind" else Event.center_id
    for window in parts.fresh:
        stmt = raw.valid_checkins(window, bucket, group, func.count()).group_by(bucket, group)
        counts += db.session.execute(stmt).all()
    return counts


def _participants(parts: Parts, interval: str, tz: ZoneInfo) -> dict[date, BitMap]:
    """Who took part in each bucket."""
    came: dict[date, BitMap] = defaultdict(BitMap)
    for day, residents, _ in participant_bitmaps(parts, months=interval == "month"):
        came[first_day(day, interval)] |= BitMap.deserialize(residents)
    bucket = local_bucket(Checkin.created_at, tz.key, interval)
    for window in parts.fresh:
        stmt = raw.valid_checkins(window, bucket, Checkin.resident_id).distinct()
        for day, resident_id in db.session.execute(stmt):
            came[day].add(resident_id)
    return came
