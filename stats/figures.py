"""The figures of one period, for the district or one center.

Days the rollups answer for are read from them; the rest (today, days since the last
refresh, days a later correction touched) are counted from the domain tables. Both give the
same numbers (``stats.raw`` says what counts); the rollups only make a year cheap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pyroaring import BitMap
from sqlalchemy import ColumnElement, and_, func, or_, select

from catalog.models import CatalogItem
from core.api import FIRST_DAY
from core.db import db
from events.models import Checkin
from identity.models import Center
from points.models import ACTIVITIES
from stats import raw
from stats.first_checkins import corrected_since
from stats.models import (
    DISTRICT,
    DailyCheckins,
    DailyGifts,
    DailyParticipants,
    DailyPoints,
    FirstCheckin,
    MonthlyParticipants,
)
from stats.periods import Period, month_end
from stats.rollups import Attendees, Coverage

#: The figures that get a growth rate.
GROWTH_KEYS = (
    "events_total",
    "checkins_total",
    "unique_participants",
    "new_participants",
    "points_issued",
    "points_redeemed",
    "gifts_handed_out",
)


@dataclass(slots=True)
class Figures:
    events: dict[str, int] = field(default_factory=dict)
    checkins: dict[str, int] = field(default_factory=dict)
    unique_participants: int = 0
    new_participants: int = 0
    repeat_participants: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    points_expired: int = 0
    points_adjusted: int = 0
    points_outstanding: int = 0
    redemptions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def events_total(self) -> int:
        return sum(self.events.values())

    @property
    def checkins_total(self) -> int:
        return sum(self.checkins.values())

    @property
    def gifts_handed_out(self) -> int:
        return sum(row["quantity"] for row in self.redemptions)

    @property
    def repeat_rate(self) -> float | None:
        """Share of participants who came more than once in the period."""
        return ratio(self.repeat_participants, self.unique_participants)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def growth(current: int, base: int) -> float | None:
    """``(current - base) / base``, or None where there is no base to grow from."""
    return round((current - base) / base, 4) if base else None


def centers_in(center_id: int | None) -> list[int]:
    """The centers a scope covers: one, or every center of the district."""
    if center_id is not None:
        return [center_id]
    return list(db.session.scalars(select(Center.id).order_by(Center.id)))


@dataclass(frozen=True, slots=True)
class Parts:
    """A period cut into runs of rolled-up days and windows to count afresh."""

    scope: int
    rolled: list[Period]
    fresh: list[raw.Window]
    tz: ZoneInfo
    #: Since when annulments are not in the rolled-up first days (see ``Coverage``).
    corrected_since: datetime | None
    #: The instant the rollups end (the midnight after the last day they cover), if any.
    rolled_until: datetime | None

    @classmethod
    def of(cls, period: Period, center_id: int | None, tz: ZoneInfo, cover: Coverage) -> Parts:
        rolled, fresh = cover.split(period)
        windows = [raw.Window(*run.bounds(tz), center_id) for run in fresh]
        scope = DISTRICT if center_id is None else center_id
        until = None
        if cover.covered_through is not None:
            until = Period(cover.covered_through, cover.covered_through).bounds(tz)[1]
        return cls(scope, rolled, windows, tz, cover.corrected_since, until)

    @property
    def center_id(self) -> int | None:
        return None if self.scope == DISTRICT else self.scope

    def days(self, column: Any) -> ColumnElement[bool]:
        return within(column, self.rolled)


def within(column: Any, runs: list[Period]) -> ColumnElement[bool]:
    """``column`` (a day) falls in one of the runs."""
    return or_(*(column.between(run.start, run.end) for run in runs))


def figures(
    period: Period, center_id: int | None, tz: ZoneInfo, cover: Coverage, now: datetime
) -> Figures:
    """The period's figures; events held by ``now`` (they are few, so always counted)."""
    parts = Parts.of(period, center_id, tz, cover)
    whole = raw.Window(*period.bounds(tz), center_id)
    result = Figures(
        events=_by_activity(raw.events(whole, now)),
        checkins=checkins_by_activity(parts),
        redemptions=gifts_handed_out(parts),
    )
    result.unique_participants, result.repeat_participants = _participants(parts)
    result.new_participants = _new_participants(parts)
    moved = _points(parts)
    result.points_issued = moved["earn"]
    result.points_redeemed = -moved["redeem"]
    result.points_expired = -moved["expire"]
    result.points_adjusted = moved["adjust"]
    since_ever = Parts.of(Period(FIRST_DAY, period.end), center_id, tz, cover)
    result.points_outstanding = _points(since_ever, held=True)["held"]
    return result


def _by_activity(counts: Any) -> dict[str, int]:
    return dict.fromkeys(ACTIVITIES, 0) | dict(counts)


def checkins_by_activity(parts: Parts) -> dict[str, int]:
    return _by_activity(_checkins(parts))


def _checkins(parts: Parts) -> Counter[str]:
    counts: Counter[str] = Counter()
    if parts.rolled:
        stmt = (
            select(DailyCheckins.kind, func.sum(DailyCheckins.checkins))
            .where(DailyCheckins.scope == parts.scope, parts.days(DailyCheckins.day))
            .group_by(DailyCheckins.kind)
        )
        counts.update(dict(db.session.execute(stmt).all()))
    for window in parts.fresh:
        counts.update(dict(raw.checkins_by_kind(window)))
    return counts


def _participants(parts: Parts) -> tuple[int, int]:
    """How many residents took part, and how many of them more than once."""
    attendees = Attendees()
    for _, residents, repeaters in participant_bitmaps(parts, months=True):
        attendees.add_serialized(residents, repeaters)
    for window in parts.fresh:
        times = dict(raw.participants(window))
        attendees.add(BitMap(times), BitMap(r for r, n in times.items() if n > 1))
    return len(attendees.once), len(attendees.twice)


#: Bitmaps a report holds in memory at once: a district day's is tens of kilobytes, a
#: month's hundreds, and a ten-year report reads thousands.
BITMAPS_AT_ONCE = 4


def participant_bitmaps(parts: Parts, *, months: bool) -> Iterator[tuple[date, bytes, bytes]]:
    """``(first day, residents, repeaters)`` of the rolled-up days' participant bitmaps.

    With ``months``, the months the rolled-up days cover whole come from the monthly bitmaps
    and only the days around them from the daily ones. Rows are streamed, a few at a time.
    """
    whole, days = _whole_months(parts.rolled) if months else ([], parts.rolled)
    if whole:
        stmt = select(
            MonthlyParticipants.month,
            MonthlyParticipants.residents,
            MonthlyParticipants.repeaters,
        ).where(MonthlyParticipants.scope == parts.scope, MonthlyParticipants.month.in_(whole))
        yield from db.session.execute(stmt, execution_options={"yield_per": BITMAPS_AT_ONCE})
    if days:
        stmt = select(
            DailyParticipants.day, DailyParticipants.residents, DailyParticipants.repeaters
        ).where(DailyParticipants.scope == parts.scope, within(DailyParticipants.day, days))
        yield from db.session.execute(stmt, execution_options={"yield_per": BITMAPS_AT_ONCE})


def _whole_months(runs: list[Period]) -> tuple[list[date], list[Period]]:
    """The first days of the months the runs cover whole, and the runs of days left over."""
    months: list[date] = []
    days: list[Period] = []
    for run in runs:
        start = run.start
        for bucket in run.buckets("month"):
            whole = bucket.start.day == 1 and bucket.end == month_end(bucket.start)
            if whole:
                if start < bucket.start:
                    days.append(Period(start, bucket.start - timedelta(days=1)))
                months.append(bucket.start)
                start = bucket.end + timedelta(days=1)
        if start <= run.end:
            days.append(Period(start, run.end))
    return months, days


def _new_participants(parts: Parts) -> int:
    """Residents whose first check-in that counts falls in the period.

    On rolled-up days, the rolled-up first days say it, except for residents who had a
    check-in annulled or imported since the last refresh: theirs are counted afresh.
    """
    new = sum(_new_in(parts, window) for window in parts.fresh)
    if not parts.rolled:
        return new
    stmt = select(func.count()).where(
        FirstCheckin.scope == parts.scope, parts.days(FirstCheckin.first_day)
    )
    if parts.corrected_since is not None:
        corrected = select(corrected_since(parts.corrected_since).subquery().c.resident_id)
        stmt = stmt.where(FirstCheckin.resident_id.not_in(corrected))
        until = Period(FIRST_DAY, parts.rolled[-1].end).bounds(parts.tz)[1]
        firsts = (
            raw.first_days(raw.Window(None, until, parts.center_id), parts.tz)
            .where(Checkin.resident_id.in_(corrected))
            .subquery()
        )
        again = select(func.count()).where(within(firsts.c.first_day, parts.rolled))
        new += db.session.scalar(again) or 0
    new += db.session.scalar(stmt) or 0
    return new


def _new_in(parts: Parts, window: raw.Window) -> int:
    """Residents whose first check-in that counts falls in a window counted afresh.

    In the days after the rollups' last (today, mostly), a resident who came is new unless
    the rolled-up first days know them: one lookup in a small table rather than a search
    of their whole history, which on a busy day is most of a dashboard's time. Residents
    whose history changed since the refresh are asked of the check-ins themselves.
    """
    after_rollups = window.since is not None and window.since == parts.rolled_until
    if not after_rollups or parts.corrected_since is None:
        return raw.new_participants(window)
    corrected = select(corrected_since(parts.corrected_since).subquery().c.resident_id)
    known = select(FirstCheckin.resident_id).where(
        FirstCheckin.scope == parts.scope, FirstCheckin.resident_id == Checkin.resident_id
    )
    unknown = raw.valid_checkins(window, func.count(func.distinct(Checkin.resident_id))).where(
        ~known.exists(), Checkin.resident_id.not_in(corrected)
    )
    changed = raw.new_participants(window, Checkin.resident_id.in_(corrected))
    return (db.session.scalar(unknown) or 0) + changed


def _points(parts: Parts, *, held: bool = False) -> Counter[str]:
    """Points moved by kind, or (``held``) the change in points the scope's residents hold."""
    totals: Counter[str] = Counter()
    if parts.rolled:
        kinds = DailyPoints.kind == "held" if held else DailyPoints.kind != "held"
        stmt = (
            select(DailyPoints.kind, func.sum(DailyPoints.amount))
            .where(DailyPoints.scope == parts.scope, kinds, parts.days(DailyPoints.day))
            .group_by(DailyPoints.kind)
        )
        totals.update({kind: int(amount) for kind, amount in db.session.execute(stmt)})
    for window in parts.fresh:
        if held:
            totals["held"] += raw.points_held_change(window)
        else:
            totals.update({kind: int(amount) for kind, amount in raw.points_moved(window)})
    return totals


def gifts_handed_out(parts: Parts, limit: int | None = None) -> list[dict[str, Any]]:
    """Gifts handed over in the period and not taken back, most given first."""
    totals: dict[int, list[int]] = {}

    def add(item_id: int, *sums: int) -> None:
        row = totals.setdefault(item_id, [0, 0, 0])
        for i, value in enumerate(sums):
            row[i] += int(value)

    if parts.rolled:
        stmt = (
            select(
                DailyGifts.item_id,
                func.sum(DailyGifts.quantity),
                func.sum(DailyGifts.points),
                func.sum(DailyGifts.redemptions),
            )
            .where(and_(DailyGifts.scope == parts.scope, parts.days(DailyGifts.day)))
            .group_by(DailyGifts.item_id)
        )
        for row in db.session.execute(stmt):
            add(*row)
    for window in parts.fresh:
        for row in raw.gifts(window):
            add(*row)
    names = dict(
        db.session.execute(
            select(CatalogItem.id, CatalogItem.name).where(CatalogItem.id.in_(list(totals)))
        ).all()
    )
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [
        {"item_id": i, "name": names[i], "quantity": q, "points": p, "redemptions": n}
        for i, (q, p, n) in ranked
    ]
