"""Events and attendance from paper: the sign-in sheets a center kept before this service.

A sheet names a day, an activity's title and its kind; the events it makes start at
:data:`PAPER_START` that day (the sheet gives no hour) and take check-ins from
``attendance.record_past``. An import finds the events it made before by the same three
things, so a sheet imported again joins them rather than making them twice. Undoing an
import annuls what it recorded and calls off the events it made that nobody else attended;
the sheet imported again after that records them anew (new events for those called off).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import exists, insert, select, text, update

from core import signals
from core.db import db
from core.localtime import local_day
from events.models import Checkin, Event

#: When a day's event from paper starts, in district time, and how long it lasts.
PAPER_START = time(9, 0)
PAPER_LENGTH = timedelta(hours=1)

_EXISTING = text("""
    SELECT checkins.event_id, checkins.resident_id
    FROM unnest(CAST(:event_ids AS integer[]), CAST(:resident_ids AS integer[]))
         AS attended(event_id, resident_id)
    JOIN checkins ON checkins.event_id = attended.event_id
                 AND checkins.resident_id = attended.resident_id
    WHERE checkins.method <> 'import' OR checkins.annulled_at IS NULL
""")


class PaperEvent(NamedTuple):
    """What a sign-in sheet says of an event: the day, the title and the kind."""

    day: date
    title: str
    kind: str


def find_paper_events(
    center_id: int, wanted: Iterable[PaperEvent], tz: ZoneInfo
) -> dict[PaperEvent, int]:
    """The center's events (not made for one resident, nor called off) each of ``wanted``
    names, by the day they started: the first made, where several match. An event an undone
    import called off is not found: the sheet imported again makes a new one."""
    wanted = set(wanted)
    if not wanted:
        return {}
    days = [event.day for event in wanted]
    since = datetime.combine(min(days), time(), tzinfo=tz)
    until = datetime.combine(max(days) + timedelta(days=1), time(), tzinfo=tz)
    rows = db.session.execute(
        select(Event.id, local_day(Event.starts_at, tz), Event.title, Event.kind)
        .where(
            Event.center_id == center_id,
            Event.resident_id.is_(None),
            Event.cancelled_at.is_(None),
            Event.starts_at >= since,
            Event.starts_at < until,
            Event.title.in_({event.title for event in wanted}),
        )
        .order_by(Event.id)
    )
    found: dict[PaperEvent, int] = {}
    for event_id, day, title, kind in rows:
        key = PaperEvent(day, title, kind)
        if key in wanted:
            found.setdefault(key, event_id)
    return found


def make_paper_events(
    center_id: int, events: Iterable[PaperEvent], staff_id: int, tz: ZoneInfo, now: datetime
) -> dict[PaperEvent, int]:
    """Make the events, held in the past at the center; their ids by what the sheet said."""
    events = sorted(set(events))
    if not events:
        return {}
    rows = []
    for event in events:
        starts_at = datetime.combine(event.day, PAPER_START, tzinfo=tz)
        ends_at = starts_at + PAPER_LENGTH
        rows.append(
            {
                "center_id": center_id,
                "title": event.title,
                "kind": event.kind,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "checkin_opens_at": starts_at,
                "checkin_closes_at": ends_at,
                "created_by_id": staff_id,
                "created_at": now,
            }
        )
    ids = db.session.scalars(
        insert(Event).returning(Event.id, sort_by_parameter_order=True), rows
    ).all()
    return dict(zip(events, ids, strict=True))


def checked_in(attended: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(event, resident)`` pairs have a check-in already: one that stands, or one
    annulled that no import may bring back (see ``attendance.record_past``)."""
    if not attended:
        return set()
    rows = db.session.execute(
        _EXISTING,
        {
            "event_ids": [event_id for event_id, _ in attended],
            "resident_ids": [resident_id for _, resident_id in attended],
        },
    )
    return {(event_id, resident_id) for event_id, resident_id in rows}


def annul_recorded(checkin_ids: list[int], staff_id: int, reason: str, now: datetime) -> int:
    """Annul check-ins recorded from paper (they earned nothing and took no seat, so there
    is nothing to give back); those annulled already stay as they were. Returns how many."""
    annulled = db.session.execute(
        update(Checkin)
        .where(
            Checkin.id.in_(checkin_ids),
            Checkin.method == "import",
            Checkin.annulled_at.is_(None),
        )
        .values(annulled_at=now, annulled_by_id=staff_id, annul_reason=reason)
        .returning(Checkin.id, Checkin.resident_id)
        .execution_options(synchronize_session=False)
    ).all()
    for checkin_id, resident_id in annulled:
        signals.checkin_annulled.send(resident_id=resident_id, checkin_id=checkin_id)
    return len(annulled)


def call_off_unattended(event_ids: list[int], now: datetime) -> int:
    """Call off those of the events that no check-in that stands attends: statistics then
    no longer count them as held. Returns how many."""
    attended = exists(
        select(Checkin.id).where(Checkin.event_id == Event.id, Checkin.annulled_at.is_(None))
    )
    result = db.session.execute(
        update(Event)
        .where(Event.id.in_(event_ids), Event.cancelled_at.is_(None), ~attended)
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
