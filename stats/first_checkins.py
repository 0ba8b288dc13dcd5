"""Each resident's first check-in day, per center and district-wide: who is new in a period.

Rolling up days only ever moves a first day earlier; an annulment can move it later, so the
refresh recomputes the first days of residents who had a check-in annulled since it last ran.
Attendance imported from paper can move a first day earlier into a day rolled up long ago, and
two records merged make one resident of two first days, so until the next refresh reports count
afresh the residents of all three (``corrected_since``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CompoundSelect, delete, func, literal, or_, select, tuple_, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from core.api import FIRST_DAY
from core.db import db
from core.localtime import local_day
from events.models import Checkin, Event
from identity.models import Resident
from stats.models import DISTRICT, FirstCheckin
from stats.periods import Period
from stats.raw import Window, valid_checkins


def corrected_since(since: datetime) -> CompoundSelect:
    """``(resident_id, center_id)``: residents with a check-in annulled, or one from paper
    written, at ``since`` or later, and its event's center; and of two records merged since,
    both (the survivor holds the absorbed record's check-ins now, the absorbed holds none)."""
    absorbed = aliased(Resident)
    attended = select(Checkin.resident_id, Event.center_id).join(
        Event, Event.id == Checkin.event_id
    )
    merged = (
        select(Checkin.resident_id, absorbed.id, Event.center_id)
        .join(Event, Event.id == Checkin.event_id)
        .join(absorbed, absorbed.merged_into_id == Checkin.resident_id)
        .where(absorbed.closed_at >= since)
        .subquery()
    )
    return union(
        attended.where(or_(Checkin.annulled_at >= since, Checkin.recorded_at >= since)),
        select(merged.c.resident_id, merged.c.center_id),
        select(merged.c.id, merged.c.center_id),
    )


def roll_up(window: Window, tz: ZoneInfo) -> None:
    """Each resident's first day in the run, per center and district-wide, kept if earlier."""
    _upsert(window, tz, None, keep_earlier=True)


def _upsert(window: Window, tz: ZoneInfo, residents: Any, *, keep_earlier: bool) -> None:
    """Write the first days of the window's check-ins (of ``residents``, if given), per center
    and district-wide; ``keep_earlier`` keeps a row's day where it is earlier already."""
    first = func.min(local_day(Checkin.created_at, tz))
    columns = ["scope", "resident_id", "first_day"]
    per_center = valid_checkins(window, Event.center_id, Checkin.resident_id, first).group_by(
        Event.center_id, Checkin.resident_id
    )
    district = valid_checkins(window, literal(DISTRICT), Checkin.resident_id, first).group_by(
        Checkin.resident_id
    )
    for firsts in (per_center, district):
        if residents is not None:
            firsts = firsts.where(residents)
        insert = postgresql.insert(FirstCheckin).from_select(columns, firsts)
        day = insert.excluded.first_day
        if keep_earlier:
            day = func.least(insert.excluded.first_day, FirstCheckin.first_day)
        db.session.execute(
            insert.on_conflict_do_update(index_elements=columns[:2], set_={"first_day": day})
        )


def recompute(annulled: list[Any], through: date, tz: ZoneInfo) -> None:
    """Recompute the first days of residents who had a check-in annulled (or imported), over
    every day rolled up: an annulment can move a first day later, which rolling up days never
    does.

    ``annulled``: ``(resident, center)`` of each such check-in. The rows of those centers
    and of the district are dropped, then every first day of those residents is written again.
    """
    residents = sorted({resident for resident, _ in annulled})
    dropped = {(scope, r) for r, center in annulled for scope in (center, DISTRICT)}
    until = Period(FIRST_DAY, through).bounds(tz)[1]
    for chunk in _chunks(sorted(dropped)):
        db.session.execute(
            delete(FirstCheckin).where(
                tuple_(FirstCheckin.scope, FirstCheckin.resident_id).in_(chunk)
            )
        )
    for chunk in _chunks(residents):
        _upsert(Window(None, until, None), tz, Checkin.resident_id.in_(chunk), keep_earlier=False)


def _chunks(values: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    return (values[i : i + size] for i in range(0, len(values), size))
