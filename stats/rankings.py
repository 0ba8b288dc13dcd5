"""Rankings: the best-attended events of a period, and the gifts most handed out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from core.db import db
from events.models import Checkin, Event
from stats.figures import ratio
from stats.raw import Window


def events_by_attendance(window: Window, limit: int) -> list[dict[str, Any]]:
    """Events that started in the period and were not cancelled, most attended first."""
    attendance = func.count(Checkin.id)
    stmt = (
        select(
            Event.id.label("event_id"),
            Event.title,
            Event.kind,
            Event.center_id,
            Event.starts_at,
            Event.capacity,
            attendance.label("attendance"),
        )
        .outerjoin(Checkin, and_(Checkin.event_id == Event.id, Checkin.annulled_at.is_(None)))
        .where(
            Event.starts_at >= window.since,
            Event.starts_at < window.until,
            Event.cancelled_at.is_(None),
        )
        .group_by(Event.id)
        .order_by(attendance.desc(), Event.starts_at, Event.id)
        .limit(limit)
    )
    if window.center_id is not None:
        stmt = stmt.where(Event.center_id == window.center_id)
    rows = [row._asdict() for row in db.session.execute(stmt)]
    for row in rows:
        row["fill_rate"] = ratio(row["attendance"], row["capacity"] or 0)
    return rows
