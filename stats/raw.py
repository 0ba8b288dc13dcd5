"""Counting straight from the domain tables, for a span of time and a scope.

What counts: check-ins that were not annulled, dated by when the resident checked in (at
any event, cancelled later or not); events that took place (``held_events``), dated by their
start; points by the transactions' time, leaving out
both halves of every reversal (an annulled check-in's points were never issued, a cancelled
redemption's never redeemed); gifts handed out and not taken back.

A transaction belongs to the center where it happened; expiries and district-wide adjustments
happen nowhere in particular and belong to the resident's own center, as do the points held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from catalog.models import Redemption
from core.db import db
from core.localtime import local_day
from events.models import Checkin, Event
from identity.models import Resident
from points.models import LedgerTransaction


@dataclass(frozen=True, slots=True)
class Window:
    """The instants ``[since, until)`` and a scope: a center, or None for the district."""

    since: datetime | None
    until: datetime
    center_id: int | None


def held_events(window: Window, now: datetime, *columns: Any) -> Select[Any]:
    """``SELECT columns`` over the events held in the window: those that started in it and
    took place.

    An event took place once it has begun and was not cancelled, or when a check-in of it
    stands: those check-ins count as attendance, so an event cancelled after residents came
    (or one they checked in to before its start) counts as held too. Next week's events,
    and those cancelled before anyone came, do not.
    """
    attended = exists(
        select(Checkin.id).where(Checkin.event_id == Event.id, Checkin.annulled_at.is_(None))
    )
    stmt = select(*columns).where(
        Event.starts_at < window.until,
        or_(and_(Event.starts_at <= now, Event.cancelled_at.is_(None)), attended),
    )
    if window.since is not None:
        stmt = stmt.where(Event.starts_at >= window.since)
    if window.center_id is not None:
        stmt = stmt.where(Event.center_id == window.center_id)
    return stmt


def events(window: Window, now: datetime) -> list[Any]:
    """Events held in the window, by kind."""
    stmt = held_events(window, now, Event.kind, func.count()).group_by(Event.kind)
    return db.session.execute(stmt).all()


def valid_checkins(window: Window, *columns: Any) -> Select[Any]:
    """``SELECT columns`` over the window's check-ins that count, joined to their events."""
    stmt = (
        select(*columns)
        .select_from(Checkin)
        .join(Event, Event.id == Checkin.event_id)
        .where(Checkin.created_at < window.until, Checkin.annulled_at.is_(None))
    )
    if window.since is not None:
        stmt = stmt.where(Checkin.created_at >= window.since)
    if window.center_id is not None:
        stmt = stmt.where(Event.center_id == window.center_id)
    return stmt


def checkins_by_kind(window: Window) -> list[Any]:
    stmt = valid_checkins(window, Event.kind, func.count()).group_by(Event.kind)
    return db.session.execute(stmt).all()


def participants(window: Window) -> list[Any]:
    """Each resident who took part, and how many times."""
    stmt = valid_checkins(window, Checkin.resident_id, func.count()).group_by(Checkin.resident_id)
    return db.session.execute(stmt).all()


def new_participants(window: Window, *among: ColumnElement[bool]) -> int:
    """Residents whose first check-in that counts (in the scope) falls in the window; of
    those ``among`` picks (conditions on ``Checkin``), if given."""
    earlier, earlier_event = aliased(Checkin), aliased(Event)
    before = select(earlier.id).where(
        earlier.resident_id == Checkin.resident_id,
        earlier.created_at < window.since,
        earlier.annulled_at.is_(None),
    )
    if window.center_id is not None:
        before = before.join(earlier_event, earlier_event.id == earlier.event_id).where(
            earlier_event.center_id == window.center_id
        )
    stmt = valid_checkins(window, func.count(func.distinct(Checkin.resident_id))).where(
        ~exists(before), *among
    )
    return db.session.scalar(stmt) or 0


def first_days(window: Window, tz: ZoneInfo) -> Select[Any]:
    """``(resident_id, first_day)``: each resident's first local day with a check-in that
    counts in the window."""
    first_day = func.min(local_day(Checkin.created_at, tz)).label("first_day")
    return valid_checkins(window, Checkin.resident_id, first_day).group_by(Checkin.resident_id)


def counted_transactions(window: Window) -> Select[Any]:
    """The window's transactions that count: neither reversals nor reversed."""
    reversal = aliased(LedgerTransaction)
    moved = LedgerTransaction
    stmt = select(moved.id).where(
        moved.created_at < window.until,
        moved.reverses_id.is_(None),
        ~exists(select(reversal.id).where(reversal.reverses_id == moved.id)),
    )
    if window.since is not None:
        stmt = stmt.where(moved.created_at >= window.since)
    if window.center_id is not None:
        stmt = stmt.join(Resident, Resident.id == moved.resident_id).where(
            func.coalesce(moved.center_id, Resident.center_id) == window.center_id
        )
    return stmt


def points_moved(window: Window) -> list[Any]:
    """Points by kind of transaction, without reversals or what they reversed."""
    kind, amount = LedgerTransaction.kind, func.sum(LedgerTransaction.amount)
    stmt = counted_transactions(window).with_only_columns(kind, amount).group_by(kind)
    return db.session.execute(stmt).all()


def points_held_change(window: Window) -> int:
    """How the points held by the scope's residents changed over the window."""
    stmt = select(func.coalesce(func.sum(LedgerTransaction.amount), 0)).where(
        LedgerTransaction.created_at < window.until
    )
    if window.since is not None:
        stmt = stmt.where(LedgerTransaction.created_at >= window.since)
    if window.center_id is not None:
        stmt = stmt.join(Resident, Resident.id == LedgerTransaction.resident_id).where(
            Resident.center_id == window.center_id
        )
    return int(db.session.scalar(stmt))


def gifts(window: Window) -> list[Any]:
    """Per item: quantity, points and redemptions handed out in the window, not taken back."""
    stmt = (
        select(
            Redemption.item_id,
            func.sum(Redemption.quantity),
            func.sum(Redemption.points_spent),
            func.count(),
        )
        .where(Redemption.status == "fulfilled", Redemption.fulfilled_at < window.until)
        .group_by(Redemption.item_id)
    )
    if window.since is not None:
        stmt = stmt.where(Redemption.fulfilled_at >= window.since)
    if window.center_id is not None:
        stmt = stmt.where(Redemption.center_id == window.center_id)
    return db.session.execute(stmt).all()
