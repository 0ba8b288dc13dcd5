"""Keeping the daily rollups, and knowing which days they answer for.

``flask stats refresh`` (from cron, every few minutes) rolls up every day that has ended
since the last run, and rolls up again any older day that a later correction touched (a
check-in annulled, a gift taken back, points reversed, attendance imported from paper). It
reads the domain tables under MVCC and writes only its own, so it never blocks a check-in.

Reading, nothing waits for it: the days a refresh has not covered, or that changed since
it ran, are counted from the domain tables directly (``Coverage.split``), and so are the first
days of residents who had a check-in annulled or imported since (``corrected_since``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from pyroaring import BitMap
from sqlalchemy import delete, event, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from catalog.models import Redemption
from core.api import FIRST_DAY
from core.db import db
from core.localtime import local_date, local_day
from events.models import Checkin, Event
from identity.models import Resident
from points.models import LedgerTransaction
from stats import first_checkins, followup_rollups
from stats.models import (
    DISTRICT,
    DailyCheckins,
    DailyGifts,
    DailyParticipants,
    DailyPoints,
    EventCheckins,
    MonthlyParticipants,
    RollupState,
)
from stats.periods import Period, month_end
from stats.raw import Window, counted_transactions, valid_checkins

#: A request writes its rows with the time it began and commits a moment later; a day is
#: rolled up only this long after it ended, so no row of it can still be on its way.
SETTLING = timedelta(minutes=10)
DAILY_TABLES = (DailyCheckins, EventCheckins, DailyParticipants, DailyPoints, DailyGifts)
#: What the state row says before the first refresh: nothing is covered.
NEVER = FIRST_DAY - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Days the rollups answer for: up to ``covered_through``, except those changed since."""

    covered_through: date | None
    changed: frozenset[date]
    #: Check-ins annulled or imported from this instant on may have moved a first day the
    #: rollups keep.
    corrected_since: datetime | None = None

    def split(self, period: Period) -> tuple[list[Period], list[Period]]:
        """The period's runs of days to read from the rollups, and those to count afresh."""
        if self.covered_through is None or self.covered_through < period.start:
            return [], [period]
        last_rolled = min(period.end, self.covered_through)
        rolled: list[Period] = []
        fresh: list[Period] = []
        start = period.start
        for day in sorted(d for d in self.changed if period.start <= d <= last_rolled):
            if start < day:
                rolled.append(Period(start, day - timedelta(days=1)))
            fresh.append(Period(day, day))
            start = day + timedelta(days=1)
        if start <= last_rolled:
            rolled.append(Period(start, last_rolled))
        if last_rolled < period.end:
            fresh.append(Period(last_rolled + timedelta(days=1), period.end))
        return rolled, fresh


def coverage(tz: ZoneInfo) -> Coverage:
    """What the rollups answer for, found once per transaction: a page of figures (the
    dashboard: this year, last year, the chart, the ranking) asks for it again and again."""
    known = db.session.info.get(_COVERAGE)
    if known is not None and known[0] == tz:
        return known[1]  # type: ignore[no-any-return]
    state = db.session.get(RollupState, 1)
    if state is None or state.covered_through < FIRST_DAY:
        found = Coverage(None, frozenset())
    else:
        changed = frozenset(changed_days(state.refreshed_at, tz))
        found = Coverage(state.covered_through, changed, state.refreshed_at - SETTLING)
    db.session.info[_COVERAGE] = (tz, found)
    return found


_COVERAGE = "stats.coverage"


@event.listens_for(Session, "after_transaction_end")
def _forget_coverage(session: Session, transaction: Any) -> None:
    """A later transaction may see a refresh or a correction this one did not."""
    session.info.pop(_COVERAGE, None)


def changed_days(since: datetime, tz: ZoneInfo) -> set[date]:
    """Days whose figures a correction made after ``since`` changed, check-ins from paper
    written since, or the days of residents merged since, whose two records' participants
    are one now (few days, however many lines: counted in the database)."""
    original = aliased(LedgerTransaction)
    absorbed = aliased(Resident)
    moments = [
        select(Checkin.created_at).where(Checkin.annulled_at >= since),
        select(Redemption.fulfilled_at).where(
            Redemption.cancelled_at >= since, Redemption.fulfilled_at.is_not(None)
        ),
        select(original.created_at)
        .join(LedgerTransaction, LedgerTransaction.reverses_id == original.id)
        .where(LedgerTransaction.created_at >= since),
    ]
    days = [
        select(local_day(Checkin.created_at, tz)).where(Checkin.recorded_at >= since).distinct(),
        select(local_day(Checkin.created_at, tz))
        .join(absorbed, absorbed.merged_into_id == Checkin.resident_id)
        .where(absorbed.closed_at >= since)
        .distinct(),
    ]
    return {local_date(moment, tz) for stmt in moments for moment in db.session.scalars(stmt)} | {
        day for stmt in days for day in db.session.scalars(stmt)
    }


def refresh(now: datetime, tz: ZoneInfo) -> int:
    """Roll up the days that ended since the last run and those changed since, and the
    follow-ups' changed due days (stats/followup_rollups.py); flushes.

    Two runs at once take turns on the state row. Returns how many days it rolled up.
    """
    db.session.execute(
        postgresql.insert(RollupState)
        .values(id=1, covered_through=NEVER, refreshed_at=now)
        .on_conflict_do_nothing()
    )
    state = db.session.get(RollupState, 1, with_for_update=True, populate_existing=True)
    assert state is not None
    through = local_date(now - SETTLING, tz) - timedelta(days=1)
    covered = max(state.covered_through, through)
    annulled: list[Any] = []
    if state.covered_through < FIRST_DAY:
        first = _first_day_with_data(tz)
        runs = [Period(first, through)] if first and first <= through else []
    else:
        since = state.refreshed_at - SETTLING
        ended = _days_between(state.covered_through + timedelta(days=1), through)
        # A correction to today is counted afresh like the rest of today, and rolled up
        # once the day has ended: a day rolled up part-way would say who came first today
        # to readers who take the first days as covering only the days before.
        changed = (day for day in changed_days(since, tz) if day <= covered)
        runs = _runs({*ended, *changed})
        annulled = db.session.execute(first_checkins.corrected_since(since)).all()
    state.covered_through = covered
    state.refreshed_at = now
    for run in runs:
        roll_up(run, tz)
    if annulled:
        first_checkins.recompute(annulled, state.covered_through, tz)
    followup_rollups.refresh(state, now - SETTLING, tz)
    db.session.flush()
    return sum(run.days for run in runs)


def _days_between(first: date, last: date) -> Iterator[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def _runs(days: set[date]) -> list[Period]:
    """Consecutive days as periods, in order."""
    runs: list[Period] = []
    for day in sorted(days):
        if runs and runs[-1].end + timedelta(days=1) == day:
            runs[-1] = Period(runs[-1].start, day)
        else:
            runs.append(Period(day, day))
    return runs


def _first_day_with_data(tz: ZoneInfo) -> date | None:
    firsts = [
        db.session.scalar(select(func.min(Checkin.created_at))),
        db.session.scalar(select(func.min(LedgerTransaction.created_at))),
        db.session.scalar(select(func.min(Redemption.fulfilled_at))),
    ]
    known = [moment for moment in firsts if moment is not None]
    return local_date(min(known), tz) if known else None


def roll_up(run: Period, tz: ZoneInfo) -> None:
    """Replace the rollups of a run of days with what the domain tables say now.

    Each table is grouped by day in one pass, so ten years roll up in minutes.
    """
    window = Window(*run.bounds(tz), None)
    for table in DAILY_TABLES:
        db.session.execute(delete(table).where(table.day.between(run.start, run.end)))
    _roll_up_checkins(window, tz)
    _roll_up_events(window, tz)
    _roll_up_participants(window, tz)
    _roll_up_months(run)
    first_checkins.roll_up(window, tz)
    _roll_up_points(window, tz)
    _roll_up_gifts(window, tz)


def _with_district(rows: Iterable[Any]) -> dict[tuple[int, date, Any], int]:
    """Sums per center and day, and the district's as scope 0 (where rows of no center go)."""
    totals: dict[tuple[int, date, Any], int] = defaultdict(int)
    for day, center_id, key, amount in rows:
        if center_id != DISTRICT:
            totals[(center_id, day, key)] += amount
        totals[(DISTRICT, day, key)] += amount
    return totals


def _insert(table: type, rows: list[dict[str, object]]) -> None:
    if rows:
        db.session.execute(table.__table__.insert(), rows)


def _roll_up_checkins(window: Window, tz: ZoneInfo) -> None:
    day = local_day(Checkin.created_at, tz)
    stmt = valid_checkins(window, day, Event.center_id, Event.kind, func.count()).group_by(
        day, Event.center_id, Event.kind
    )
    totals = _with_district(db.session.execute(stmt))
    _insert(
        DailyCheckins,
        [{"scope": s, "day": d, "kind": k, "checkins": n} for (s, d, k), n in totals.items()],
    )


def _roll_up_events(window: Window, tz: ZoneInfo) -> None:
    day = local_day(Checkin.created_at, tz)
    per_event = valid_checkins(window, Checkin.event_id, day, func.count()).group_by(
        Checkin.event_id, day
    )
    db.session.execute(
        EventCheckins.__table__.insert().from_select(["event_id", "day", "checkins"], per_event)
    )


def _roll_up_participants(window: Window, tz: ZoneInfo) -> None:
    day = local_day(Checkin.created_at, tz)
    stmt = (
        valid_checkins(window, day, Event.center_id, Checkin.resident_id, func.count())
        .group_by(day, Event.center_id, Checkin.resident_id)
        .order_by(day)
    )
    rows = db.session.execute(stmt, execution_options={"yield_per": 20_000})
    for one_day, people in groupby(rows, key=lambda row: row[0]):
        _roll_up_one_days_participants(one_day, [row[1:] for row in people])


def _roll_up_one_days_participants(day: date, people: list[Any]) -> None:
    came: dict[int, BitMap] = defaultdict(BitMap)
    repeated: dict[int, BitMap] = defaultdict(BitMap)
    district_times: dict[int, int] = defaultdict(int)
    for center_id, resident_id, times in people:
        came[center_id].add(resident_id)
        if times > 1:
            repeated[center_id].add(resident_id)
        district_times[resident_id] += times
    came[DISTRICT] = BitMap(district_times)
    repeated[DISTRICT] = BitMap(r for r, times in district_times.items() if times > 1)
    _insert(
        DailyParticipants,
        [
            {
                "scope": scope,
                "day": day,
                "residents": residents.serialize(),
                "repeaters": repeated[scope].serialize(),
            }
            for scope, residents in came.items()
        ],
    )


class Attendees:
    """Who came, and who came more than once, as pieces of a period are added."""

    def __init__(self) -> None:
        self.once, self.twice = BitMap(), BitMap()

    def add(self, came: BitMap, repeated: BitMap) -> None:
        self.twice.update(self.once & came, repeated)
        self.once.update(came)

    def add_serialized(self, came: bytes, repeated: bytes) -> None:
        self.add(BitMap.deserialize(came), BitMap.deserialize(repeated))


def _roll_up_months(run: Period) -> None:
    """Recompute the months the run touched from their days (complete ones are read)."""
    first, last = run.start.replace(day=1), run.end.replace(day=1)
    db.session.execute(
        delete(MonthlyParticipants).where(MonthlyParticipants.month.between(first, last))
    )
    stmt = (
        select(
            DailyParticipants.scope,
            DailyParticipants.day,
            DailyParticipants.residents,
            DailyParticipants.repeaters,
        )
        .where(DailyParticipants.day.between(first, month_end(last)))
        .order_by(DailyParticipants.scope, DailyParticipants.day)
    )
    months: dict[tuple[int, date], Attendees] = defaultdict(Attendees)
    for scope, day, residents, repeaters in db.session.execute(stmt):
        months[(scope, day.replace(day=1))].add_serialized(residents, repeaters)
    _insert(
        MonthlyParticipants,
        [
            {
                "scope": scope,
                "month": month,
                "residents": seen.once.serialize(),
                "repeaters": seen.twice.serialize(),
            }
            for (scope, month), seen in months.items()
        ],
    )


def _roll_up_points(window: Window, tz: ZoneInfo) -> None:
    day = local_day(LedgerTransaction.created_at, tz)
    by_center = func.coalesce(LedgerTransaction.center_id, Resident.center_id, DISTRICT)
    flows = db.session.execute(
        counted_transactions(window)
        .join(Resident, Resident.id == LedgerTransaction.resident_id)
        .with_only_columns(
            day, by_center, LedgerTransaction.kind, func.sum(LedgerTransaction.amount)
        )
        .group_by(day, by_center, LedgerTransaction.kind)
    )
    home = func.coalesce(Resident.center_id, DISTRICT)
    held = db.session.execute(
        select(day, home, literal("held"), func.sum(LedgerTransaction.amount))
        .join(Resident, Resident.id == LedgerTransaction.resident_id)
        .where(
            LedgerTransaction.created_at >= window.since,
            LedgerTransaction.created_at < window.until,
        )
        .group_by(day, home)
    )
    totals = _with_district([*flows, *held])
    _insert(
        DailyPoints,
        [{"scope": s, "day": d, "kind": k, "amount": n} for (s, d, k), n in totals.items()],
    )


def _roll_up_gifts(window: Window, tz: ZoneInfo) -> None:
    day = local_day(Redemption.fulfilled_at, tz)
    stmt = (
        select(
            day,
            Redemption.center_id,
            Redemption.item_id,
            func.sum(Redemption.quantity),
            func.sum(Redemption.points_spent),
            func.count(),
        )
        .where(
            Redemption.status == "fulfilled",
            Redemption.fulfilled_at >= window.since,
            Redemption.fulfilled_at < window.until,
        )
        .group_by(day, Redemption.center_id, Redemption.item_id)
    )
    totals: dict[tuple[int, date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for one_day, center_id, item_id, *sums in db.session.execute(stmt):
        for scope in (center_id, DISTRICT):
            for i, value in enumerate(sums):
                totals[(scope, one_day, item_id)][i] += value
    _insert(
        DailyGifts,
        [
            {"scope": s, "day": d, "item_id": i, "quantity": q, "points": p, "redemptions": n}
            for (s, d, i), (q, p, n) in totals.items()
        ],
    )
