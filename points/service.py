"""Spending and undoing points: debits drawn from lots, and reversals.

Each function runs inside the caller's transaction on an account it locks (``ledger``),
writes through ``ledger.append``, and never commits. Credits are ``earning.earn``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased

from core.auth import Principal
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from core.i18n import _l
from points.ledger import LockedAccount, Source, append, lock_account, lock_holder
from points.models import LedgerTransaction, LotAllocation, PointsLot


class InsufficientPoints(DomainError):
    status, code, title = 409, "insufficient_points", _l("Not enough points")


class AlreadyReversed(DomainError):
    status, code, title = 409, "already_reversed", _l("This was undone already")


@dataclass(frozen=True, slots=True)
class Movement:
    """What a credit or debit did. ``duplicate``: the source had moved points already."""

    transaction_id: int | None
    amount: int
    balance: int
    duplicate: bool = False


def _made_by(source_type: str, source_id: str | None, kind: str) -> Any:
    """``(id, amount, resident_id)`` of the transaction of this kind a source made, if any
    (its unique key)."""
    return db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.amount, LedgerTransaction.resident_id).where(
            LedgerTransaction.source_type == source_type,
            LedgerTransaction.source_id == source_id,
            LedgerTransaction.kind == kind,
        )
    ).one_or_none()


def find_movement(source: Source, kind: str, account: LockedAccount) -> Movement | None:
    """The transaction a source already made, if any."""
    existing = _made_by(source.type, source.id, kind)
    if existing is None:
        return None
    return Movement(existing.id, existing.amount, account.balance, duplicate=True)


def debit(
    resident_id: int,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    kind: str = "redeem",
) -> Movement:
    """Spend points the resident has and has not reserved, or refuse and write nothing."""
    return spend_account(lock_account(resident_id), amount, source, actor, kind=kind)


def spend_account(
    account: LockedAccount,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    kind: str,
    releasing: int = 0,
    reverses_id: int | None = None,
    prefer_lot: int | None = None,
    at: datetime | None = None,
) -> Movement:
    """:func:`debit` for a locked account; ``releasing`` held points are spent with it;
    ``at`` as in ``ledger.append``."""
    if amount <= 0:
        raise ValueError("a debit moves a positive number of points")
    spendable = account.balance - account.reserved + releasing
    if amount > spendable:
        raise InsufficientPoints(
            _l("Not enough points: %(missing)d more are needed.", missing=amount - spendable)
        )
    transaction_id = append(
        account,
        kind,
        -amount,
        source,
        actor,
        reserved_change=-releasing,
        reverses_id=reverses_id,
        at=at,
    )
    if transaction_id is None:
        return _duplicate(source, kind, account)
    _draw_lots(account.resident_id, transaction_id, amount, prefer_lot)
    return Movement(transaction_id, -amount, account.balance)


def _duplicate(source: Source, kind: str, account: LockedAccount) -> Movement:
    movement = find_movement(source, kind, account)
    if movement is None:
        # Only a reversal can collide on another key, and reverse() checked under the lock.
        raise AlreadyReversed()
    return movement


def _draw_lots(resident_id: int, transaction_id: int, amount: int, prefer_lot: int | None) -> None:
    """Take ``amount`` from live lots, soonest expiry first (never-expiring last)."""
    order = [PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id]
    if prefer_lot is not None:
        order.insert(0, PointsLot.id != prefer_lot)
    lots = db.session.execute(
        select(PointsLot.id, PointsLot.remaining)
        .where(PointsLot.resident_id == resident_id, PointsLot.remaining > 0)
        .order_by(*order)
    ).all()
    allocations = []
    for lot_id, remaining in lots:
        if amount == 0:
            break
        take = min(remaining, amount)
        amount -= take
        allocations.append({"lot_id": lot_id, "transaction_id": transaction_id, "amount": take})
        db.session.execute(
            update(PointsLot).where(PointsLot.id == lot_id).values(remaining=remaining - take)
        )
    if amount:
        raise RuntimeError("lots do not cover the balance; run `flask points verify`")
    db.session.execute(LotAllocation.__table__.insert(), allocations)


def reverse(
    transaction_id: int, reason: str, actor: Principal | None, *, kind: str | None = None
) -> Movement:
    """Undo a transaction with a new, opposite one (at most once).

    The reversal lands where the resident's points are now: on their own account, or, when
    their record was merged into another (``points.merging``), on the survivor's; points it
    gives back there come back as lots with the expiry of those they were drawn from.
    """
    original = db.session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound(_l("No such ledger transaction."))
    if original.reverses_id is not None:
        raise Conflict(_l("A reversal cannot itself be reversed; make an adjustment instead."))
    account = lock_holder(original.resident_id)
    holder = account.resident_id
    reversed_by = select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == original.id)
    if db.session.scalar(reversed_by) is not None:
        raise AlreadyReversed()
    source = Source("reversal", str(original.id), reason, original.center_id)
    moved = holder != original.resident_id
    if original.amount > 0:
        # What of the credit lapsed went once already: the lapse is undone first, so that
        # the reversal takes back what the credit gave and none of the resident's own points,
        # and every report sees both pairs cancel.
        lapses = _lapses(_lot_of(original.id))
        for lapse_id, _ in lapses:
            reverse(lapse_id, reason, actor)
        if lapses:
            account = lock_holder(original.resident_id)  # its balance holds them again
        return spend_account(
            account,
            original.amount,
            source,
            actor,
            kind=kind or "adjust",
            reverses_id=original.id,
            prefer_lot=None if moved else _lot_of(original.id),
        )
    kind = kind or ("refund" if original.kind == "redeem" else "adjust")
    reversal_id = append(account, kind, -original.amount, source, actor, reverses_id=original.id)
    if reversal_id is None:
        raise AlreadyReversed()
    if moved:
        _reopen_lots(original.id, reversal_id, holder)
    else:
        _restore_lots(original.id, reversal_id)
    return Movement(reversal_id, -original.amount, account.balance)


def reverse_earned(
    source_type: str, source_id: str, reason: str, actor: Principal | None
) -> Movement | None:
    """Undo what a source earned, if it earned anything (a capped earn may have credited
    nothing); a second call finds it undone (``already_reversed``)."""
    earned = _made_by(source_type, source_id, "earn")
    return None if earned is None else reverse(earned.id, reason, actor)


def reverse_earned_if_unspent(
    source_type: str, source_id: str, reason: str, actor: Principal | None
) -> int:
    """:func:`reverse_earned` when the points are still there to take back (spendable where
    they are now); else nothing is written and they stay spent. Returns the points that
    stayed: 0 when undone, or when the source earned nothing."""
    earned = _made_by(source_type, source_id, "earn")
    if earned is None:
        return 0
    account = lock_holder(earned.resident_id)
    lapsed = -sum(amount for _, amount in _lapses(_lot_of(earned.id)))
    if account.balance - account.reserved + lapsed < earned.amount:
        return int(earned.amount)
    reverse(earned.id, reason, actor)
    return 0


def _lot_of(transaction_id: int) -> int | None:
    return db.session.scalar(select(PointsLot.id).where(PointsLot.transaction_id == transaction_id))


def _lapses(lot_id: int | None) -> list[Any]:
    """``(id, amount)`` of the expiries that took points from ``lot_id`` and stand."""
    if lot_id is None:
        return []
    expiry, reversal = LedgerTransaction, aliased(LedgerTransaction)
    return list(
        db.session.execute(
            select(expiry.id, expiry.amount)
            .join(LotAllocation, LotAllocation.transaction_id == expiry.id)
            .where(
                LotAllocation.lot_id == lot_id,
                expiry.kind == "expire",
                ~exists(select(reversal.id).where(reversal.reverses_id == expiry.id)),
            )
            .order_by(expiry.id)
        ).all()
    )


def _reopen_lots(debit_id: int, reversal_id: int, holder: int) -> None:
    """A debit of a merged record undone on the survivor's account: the lots it drew moved
    away (drained by the merge), so what comes back opens new lots there, one per expiry."""
    drawn = db.session.execute(
        select(PointsLot.expires_at, func.sum(LotAllocation.amount))
        .join(PointsLot, PointsLot.id == LotAllocation.lot_id)
        .where(LotAllocation.transaction_id == debit_id)
        .group_by(PointsLot.expires_at)
    ).all()
    db.session.execute(
        PointsLot.__table__.insert(),
        [
            {
                "resident_id": holder,
                "transaction_id": reversal_id,
                "amount": amount,
                "remaining": amount,
                "expires_at": expires_at,
            }
            for expires_at, amount in drawn
        ],
    )


def _restore_lots(debit_id: int, reversal_id: int) -> None:
    """Put a debit's points back into the lots they came from, with their own expiry."""
    drawn = db.session.execute(
        select(LotAllocation.lot_id, LotAllocation.amount).where(
            LotAllocation.transaction_id == debit_id
        )
    ).all()
    for lot_id, amount in drawn:
        db.session.execute(
            update(PointsLot)
            .where(PointsLot.id == lot_id)
            .values(remaining=PointsLot.remaining + amount)
        )
    db.session.execute(
        LotAllocation.__table__.insert(),
        [
            {"lot_id": lot, "transaction_id": reversal_id, "amount": -amount}
            for lot, amount in drawn
        ],
    )
