"""How a resident's ledger names the check-ins that earned points: the event's title."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from core.db import db
from events.models import Checkin, Event
from points.history import SourceTitle


def event_titles(checkin_ids: Collection[str]) -> dict[str, SourceTitle]:
    """The event of each check-in (ids as the ledger stores them), in one query."""
    rows = db.session.execute(
        select(Checkin.id, Event.id, Event.title)
        .join(Event, Event.id == Checkin.event_id)
        .where(Checkin.id.in_([int(i) for i in checkin_ids if i.isdecimal()]))
    )
    return {
        str(checkin_id): SourceTitle(title=title, event_id=event_id, item_id=None)
        for checkin_id, event_id, title in rows
    }
