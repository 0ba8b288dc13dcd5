"""Two records of one person joined (merging.service): the absorbed record's points move to
the survivor's account, by ledger transactions on both chains.

The absorbed account's whole balance leaves in one debit; it arrives in the survivor's as one
credit per expiry date of the lots the debit drew, each a lot expiring that day, so every
point keeps the day it lapses. Points held for a pickup move with their hold (the
reservation stays good), and the counters the earning caps read move too. Both sides are
``adjust`` transactions at the survivor's center, so a period's figures see points neither
issued nor spent. The absorbed account is then closed: nothing moves its points again, and
undoing one of its old transactions lands on the survivor (``points.service.reverse``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.orm import aliased

from core.auth import Principal
from core.db import db
from points.ledger import LockedAccount, Source, append, close_account, lock_account
from points.models import EarningCounter, PointsHold, PointsLot
from points.service import spend_account

#: The ledger's source for a merge's moves: the absorbed record's id (its debit), then
#: ``<id>.<n>`` for the survivor's credits.
MERGE_SOURCE = "merge"


def lock_pair(first_id: int, second_id: int) -> tuple[LockedAccount, LockedAccount]:
    """Lock both accounts, the lower id first: two joins of one pair, either way round, wait
    for each other rather than deadlock. ``TokenRevoked`` if either is closed (merged)."""
    locked = {each: lock_account(each) for each in sorted((first_id, second_id))}
    return locked[first_id], locked[second_id]


def move_account(
    from_id: int,
    to_id: int,
    reason: str,
    actor: Principal | None,
    center_id: int | None,
    now: datetime,
) -> int:
    """Move every point of ``from_id`` to ``to_id`` and close ``from_id``'s account; returns
    how many points moved (held ones included)."""
    source, target = lock_pair(from_id, to_id)
    held, moved = source.reserved, source.balance
    if moved:
        lots = db.session.execute(
            select(PointsLot.expires_at, func.sum(PointsLot.remaining))
            .where(PointsLot.resident_id == from_id, PointsLot.remaining > 0)
            .group_by(PointsLot.expires_at)
            .order_by(PointsLot.expires_at.nulls_last())
        ).all()
        debit = Source(MERGE_SOURCE, str(from_id), reason, center_id)
        spend_account(source, moved, debit, actor, kind="adjust", releasing=held)
        for n, (expires_at, points) in enumerate(lots, start=1):
            credit = Source(MERGE_SOURCE, f"{from_id}.{n}", reason, center_id)
            # The holds arrive with the last credit, when the points they hold are there.
            arriving = held if n == len(lots) else 0
            credited = append(
                target,
                "adjust",
                int(points),
                credit,
                actor,
                opens_lot=True,
                expires_at=expires_at,
                reserved_change=arriving,
            )
            if credited is None:
                raise RuntimeError(f"points of resident {from_id} were merged before")
        db.session.execute(
            update(PointsHold)
            .where(PointsHold.resident_id == from_id, PointsHold.status == "held")
            .values(resident_id=to_id)
        )
    _move_counters(from_id, to_id)
    close_account(from_id, now)
    return moved


def _move_counters(from_id: int, to_id: int) -> None:
    """What the absorbed record earned today and this month counts against the person's caps."""
    theirs = aliased(EarningCounter)
    db.session.execute(
        update(EarningCounter)
        .where(
            EarningCounter.resident_id == to_id,
            theirs.resident_id == from_id,
            theirs.activity == EarningCounter.activity,
            theirs.period == EarningCounter.period,
        )
        .values(points=EarningCounter.points + theirs.points)
        .execution_options(synchronize_session=False)
    )
    counted = select(EarningCounter.activity, EarningCounter.period).where(
        EarningCounter.resident_id == to_id
    )
    db.session.execute(
        delete(EarningCounter)
        .where(
            EarningCounter.resident_id == from_id,
            tuple_(EarningCounter.activity, EarningCounter.period).in_(counted),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(EarningCounter)
        .where(EarningCounter.resident_id == from_id)
        .values(resident_id=to_id)
        .execution_options(synchronize_session=False)
    )
