"""The best-attended events of a period."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, union_all

from core.api import FIRST_DAY, LAST_DAY
from core.db import db
from events.models import Checkin, Event
from identity.models import named_centers
from stats import raw
from stats.figures import Parts, ratio
from stats.models import EventCheckins
from stats.periods import Period
from stats.rollups import Coverage


def events_by_attendance(
    period: Period,
    center_id: int | None,
    tz: ZoneInfo,
    cover: Coverage,
    limit: int,
    now: datetime,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Events held in the period (``raw.held_events``), of ``kind`` if given, most attended
    first.

    An event's attendance is every check-in of it that counts, whenever it was made: the
    rolled-up days' counts plus the others', counted afresh.
    """
    whole = raw.Window(*period.bounds(tz), center_id)
    held = raw.held_events(whole, now, Event.id)
    if kind is not None:
        held = held.where(Event.kind == kind)
    ever = Parts.of(Period(FIRST_DAY, LAST_DAY), None, tz, cover)
    # Days counted afresh are few, their events fewer: counted by event first, their counts
    # are kept for the held events by the join below (looking each check-in's event up among
    # the held ones cost a busy day's tens of thousands of lookups).
    pieces = [
        raw.valid_checkins(
            window, Checkin.event_id.label("event_id"), func.count().label("n")
        ).group_by(Checkin.event_id)
        for window in ever.fresh
    ]
    if ever.rolled:
        pieces.append(
            select(
                EventCheckins.event_id.label("event_id"), EventCheckins.checkins.label("n")
            ).where(EventCheckins.event_id.in_(held), ever.days(EventCheckins.day))
        )
    counted = union_all(*pieces).subquery() if len(pieces) > 1 else pieces[0].subquery()
    attendance = (
        select(counted.c.event_id, func.sum(counted.c.n).label("n"))
        .group_by(counted.c.event_id)
        .subquery()
    )
    total = func.coalesce(attendance.c.n, 0)
    # The held events themselves, not every event filtered by their ids: a district's year
    # is a tenth of the table, found by its index on the day.
    stmt = (
        held.with_only_columns(
            Event.id.label("event_id"),
            Event.title,
            Event.kind,
            Event.center_id,
            Event.starts_at,
            Event.capacity,
            total.label("attendance"),
        )
        .outerjoin(attendance, attendance.c.event_id == Event.id)
        .order_by(total.desc(), Event.starts_at, Event.id)
        .limit(limit)
    )
    rows = [row._asdict() for row in db.session.execute(stmt)]
    centers = named_centers(row["center_id"] for row in rows)
    for row in rows:
        row["center"] = centers[row["center_id"]]
        row["attendance"] = int(row["attendance"])
        row["fill_rate"] = ratio(row["attendance"], row["capacity"] or 0)
    return rows
