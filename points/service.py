"""Moving points. Every package that credits, debits, holds or reverses points calls these.

Each function runs inside the caller's transaction: it locks the resident's account row
(an upsert that takes the row lock and reads it in one round trip), writes, flushes, and
never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql

from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.i18n import _l
from identity.tokens import Principal, TokenRevoked
from points.chain import entry_hash
from points.models import (
    GENESIS_HASH,
    LedgerEntry,
    LedgerTransaction,
    LotAllocation,
    PointsAccount,
    PointsLot,
)


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


@dataclass(frozen=True, slots=True)
class Source:
    """Why points move: the thing that caused it, in words the resident understands."""

    type: str
    id: str | None
    reason: str
    center_id: int | None = None


@dataclass(slots=True)
class LockedAccount:
    """An account row locked by this transaction, as it stands now."""

    resident_id: int
    balance: int
    reserved: int
    version: int
    chain_head: str


def lock_account(resident_id: int) -> LockedAccount:
    """Create the account if needed and lock it for the rest of the transaction; a closed
    account is ``token_revoked`` (only its own resident's stale token still names it)."""
    stmt = postgresql.insert(PointsAccount).values(
        resident_id=resident_id,
        balance=0,
        reserved=0,
        version=0,
        chain_head=GENESIS_HASH,
        updated_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[PointsAccount.resident_id],
        set_={"resident_id": stmt.excluded.resident_id},
    ).returning(
        PointsAccount.balance,
        PointsAccount.reserved,
        PointsAccount.version,
        PointsAccount.chain_head,
        PointsAccount.closed_at,
    )
    balance, reserved, version, chain_head, closed_at = db.session.execute(stmt).one()
    if closed_at is not None:
        raise TokenRevoked(_l("This account was closed."))
    return LockedAccount(resident_id, balance, reserved, version, chain_head)


def close_account(resident_id: int, now: datetime) -> None:
    """Shut the account for good (its resident closed theirs); the caller holds its lock."""
    db.session.execute(
        update(PointsAccount)
        .where(PointsAccount.resident_id == resident_id)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )


def balance_of(resident_id: int) -> tuple[int, int]:
    """``(balance, reserved)`` without locking; zeros for a resident who never had points."""
    row = db.session.execute(
        select(PointsAccount.balance, PointsAccount.reserved).where(
            PointsAccount.resident_id == resident_id
        )
    ).one_or_none()
    return (row.balance, row.reserved) if row else (0, 0)


def _record(
    account: LockedAccount,
    kind: str,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    reserved_change: int = 0,
    reverses_id: int | None = None,
    at: datetime | None = None,
) -> int | None:
    """Write the transaction and its chained entry and move the balance.

    ``at``: when what moved the points happened (a check-in's time), if not now; the
    transaction and its entry carry it, so a period's figures count it where it belongs.
    Returns None, writing nothing, when the source already moved points of this kind.
    """
    now = utcnow()
    at = at or now
    transaction = {
        "resident_id": account.resident_id,
        "kind": kind,
        "amount": amount,
        "reason": source.reason,
        "source_type": source.type,
        "source_id": source.id,
        "center_id": source.center_id,
        "actor_kind": actor.kind if actor else "system",
        "actor_id": actor.id if actor else None,
        "reverses_id": reverses_id,
        "created_at": at,
    }
    transaction_id = db.session.execute(
        postgresql.insert(LedgerTransaction)
        .values(**transaction)
        .on_conflict_do_nothing()
        .returning(LedgerTransaction.id)
    ).scalar()
    if transaction_id is None:
        return None
    entry = {
        "transaction_id": transaction_id,
        "resident_id": account.resident_id,
        "seq": account.version + 1,
        "delta": amount,
        "balance_after": account.balance + amount,
        "prev_hash": account.chain_head,
        "created_at": at,
    }
    entry["hash"] = entry_hash(account.chain_head, entry, transaction)
    db.session.execute(LedgerEntry.__table__.insert().values(**entry))
    account.balance, account.version, account.chain_head = (
        entry["balance_after"],
        entry["seq"],
        entry["hash"],
    )
    account.reserved += reserved_change
    db.session.execute(
        update(PointsAccount)
        .where(PointsAccount.resident_id == account.resident_id)
        .values(
            balance=account.balance,
            reserved=account.reserved,
            version=account.version,
            chain_head=account.chain_head,
            updated_at=now,
        )
    )
    return transaction_id


def credit(
    resident_id: int,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    kind: str = "earn",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Movement:
    """Add points as a new lot. A source credited before returns that credit, unchanged."""
    return credit_account(
        lock_account(resident_id), amount, source, actor, kind=kind, expires_at=expires_at, at=at
    )


def credit_account(
    account: LockedAccount,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    kind: str = "earn",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Movement:
    """:func:`credit` for an account the caller has locked already (``at``: see ``_record``)."""
    if amount <= 0:
        raise ValueError("a credit moves a positive number of points")
    transaction_id = _record(account, kind, amount, source, actor, at=at)
    if transaction_id is None:
        return _duplicate(source, kind, account)
    db.session.execute(
        PointsLot.__table__.insert().values(
            resident_id=account.resident_id,
            transaction_id=transaction_id,
            amount=amount,
            remaining=amount,
            expires_at=expires_at,
        )
    )
    return Movement(transaction_id, amount, account.balance)


def find_movement(source: Source, kind: str, account: LockedAccount) -> Movement | None:
    """The transaction a source already made, if any."""
    existing = db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.amount).where(
            LedgerTransaction.source_type == source.type,
            LedgerTransaction.source_id == source.id,
            LedgerTransaction.kind == kind,
        )
    ).one_or_none()
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
    ``at`` as in `_record`."""
    if amount <= 0:
        raise ValueError("a debit moves a positive number of points")
    spendable = account.balance - account.reserved + releasing
    if amount > spendable:
        raise InsufficientPoints(
            _l("Not enough points: %(missing)d more are needed.", missing=amount - spendable)
        )
    transaction_id = _record(
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
    """Undo a transaction with a new, opposite one (at most once)."""
    original = db.session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound(_l("No such ledger transaction."))
    if original.reverses_id is not None:
        raise Conflict(_l("A reversal cannot itself be reversed; make an adjustment instead."))
    account = lock_account(original.resident_id)
    reversed_by = select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == original.id)
    if db.session.scalar(reversed_by) is not None:
        raise AlreadyReversed()
    source = Source("reversal", str(original.id), reason, original.center_id)
    if original.amount > 0:
        return spend_account(
            account,
            original.amount,
            source,
            actor,
            kind=kind or "adjust",
            reverses_id=original.id,
            prefer_lot=_lot_of(original.id),
        )
    kind = kind or ("refund" if original.kind == "redeem" else "adjust")
    reversal_id = _record(account, kind, -original.amount, source, actor, reverses_id=original.id)
    if reversal_id is None:
        raise AlreadyReversed()
    _restore_lots(original.id, reversal_id)
    return Movement(reversal_id, -original.amount, account.balance)


def _lot_of(transaction_id: int) -> int | None:
    return db.session.scalar(select(PointsLot.id).where(PointsLot.transaction_id == transaction_id))


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
