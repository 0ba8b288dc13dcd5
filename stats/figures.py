"""The figures of one period, for the district or one center, read from the domains' tables.

What counts: check-ins that were not annulled, dated by when the resident checked in; events
that were not cancelled, dated by their start; points by the transactions' time, leaving out
both halves of every reversal (an annulled check-in's points were never issued, a cancelled
redemption's never redeemed); gifts handed out and not cancelled.

A transaction belongs to the center where it happened; expiries and district-wide adjustments
happen nowhere in particular and belong to the resident's own center, as do the points
outstanding (what the center's residents hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from catalog.models import CatalogItem, Redemption
from core.db import db
from events.models import Checkin, Event
from identity.models import Center, Resident
from points.models import ACTIVITIES, LedgerTransaction

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


@dataclass(frozen=True, slots=True)
class Window:
    """A period's UTC bounds ``[since, until)`` and its scope (a center, or None: district)."""

    since: datetime
    until: datetime
    center_id: int | None


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


def figures(window: Window) -> Figures:
    result = Figures(
        events=_by_activity(_events(window)),
        checkins=_by_activity(_checkins_by_kind(window)),
        redemptions=gifts_handed_out(window),
    )
    result.unique_participants, result.repeat_participants = _participants(window)
    result.new_participants = _new_participants(window)
    moved = _points_moved(window)
    result.points_issued = moved.get("earn", 0)
    result.points_redeemed = -moved.get("redeem", 0)
    result.points_expired = -moved.get("expire", 0)
    result.points_adjusted = moved.get("adjust", 0)
    result.points_outstanding = _outstanding(window)
    return result


def _by_activity(rows: Any) -> dict[str, int]:
    counts = dict.fromkeys(ACTIVITIES, 0)
    counts.update({kind: n for kind, n in rows})
    return counts


def _events(window: Window) -> Any:
    stmt = (
        select(Event.kind, func.count())
        .where(
            Event.starts_at >= window.since,
            Event.starts_at < window.until,
            Event.cancelled_at.is_(None),
        )
        .group_by(Event.kind)
    )
    if window.center_id is not None:
        stmt = stmt.where(Event.center_id == window.center_id)
    return db.session.execute(stmt)


def valid_checkins(window: Window, *columns: Any) -> Any:
    """``SELECT columns`` over the period's check-ins that count, joined to their events."""
    stmt = (
        select(*columns)
        .select_from(Checkin)
        .join(Event, Event.id == Checkin.event_id)
        .where(
            Checkin.created_at >= window.since,
            Checkin.created_at < window.until,
            Checkin.annulled_at.is_(None),
        )
    )
    if window.center_id is not None:
        stmt = stmt.where(Event.center_id == window.center_id)
    return stmt


def _checkins_by_kind(window: Window) -> Any:
    return db.session.execute(valid_checkins(window, Event.kind, func.count()).group_by(Event.kind))


def _participants(window: Window) -> tuple[int, int]:
    """How many residents took part, and how many of them more than once."""
    per_resident = (
        valid_checkins(window, Checkin.resident_id, func.count().label("times"))
        .group_by(Checkin.resident_id)
        .subquery()
    )
    row = db.session.execute(
        select(func.count(), func.count().filter(per_resident.c.times > 1))
    ).one()
    return row[0], row[1]


def _new_participants(window: Window) -> int:
    """Residents whose first check-in that counts (in the scope) falls in the period."""
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
        ~exists(before)
    )
    return db.session.scalar(stmt) or 0


def _points_moved(window: Window) -> dict[str, int]:
    """Points by kind of transaction, without reversals or what they reversed."""
    moved = LedgerTransaction
    reversal = aliased(LedgerTransaction)
    stmt = (
        select(moved.kind, func.sum(moved.amount))
        .where(
            moved.created_at >= window.since,
            moved.created_at < window.until,
            moved.reverses_id.is_(None),
            ~exists(select(reversal.id).where(reversal.reverses_id == moved.id)),
        )
        .group_by(moved.kind)
    )
    if window.center_id is not None:
        stmt = stmt.join(Resident, Resident.id == moved.resident_id).where(
            func.coalesce(moved.center_id, Resident.center_id) == window.center_id
        )
    return {kind: int(total) for kind, total in db.session.execute(stmt)}


def _outstanding(window: Window) -> int:
    """Points the scope's residents held at the end of the period."""
    stmt = select(func.coalesce(func.sum(LedgerTransaction.amount), 0)).where(
        LedgerTransaction.created_at < window.until
    )
    if window.center_id is not None:
        stmt = stmt.join(Resident, Resident.id == LedgerTransaction.resident_id).where(
            Resident.center_id == window.center_id
        )
    return int(db.session.scalar(stmt))


def gifts_handed_out(window: Window, limit: int | None = None) -> list[dict[str, Any]]:
    """Gifts handed over in the period and not taken back, most given first."""
    handed_at = func.coalesce(Redemption.fulfilled_at, Redemption.created_at)
    quantity = func.sum(Redemption.quantity)
    stmt = (
        select(
            Redemption.item_id,
            CatalogItem.name,
            quantity.label("quantity"),
            func.sum(Redemption.points_spent).label("points"),
            func.count().label("redemptions"),
        )
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .where(
            and_(
                Redemption.status == "fulfilled",
                handed_at >= window.since,
                handed_at < window.until,
            )
        )
        .group_by(Redemption.item_id, CatalogItem.name)
        .order_by(quantity.desc(), Redemption.item_id)
        .limit(limit)
    )
    if window.center_id is not None:
        stmt = stmt.where(Redemption.center_id == window.center_id)
    return [row._asdict() for row in db.session.execute(stmt)]
