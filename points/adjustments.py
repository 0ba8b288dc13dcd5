"""A manager's correction of a resident's points, with a reason the resident reads; and the
balances a center carried on paper, brought over once each."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from core.auth import Principal
from core.db import db
from points.earning import earn
from points.ledger import Source, lock_account
from points.models import LedgerTransaction
from points.service import Movement, spend_account

#: The source of a balance brought over from paper; its id is the import's key for the line.
CARRIED_OVER = "import"


def adjust(
    resident_id: int,
    points: int,
    reason: str,
    actor: Principal,
    *,
    center_id: int | None,
    expires_at: datetime | None,
    at: datetime | None = None,
) -> Movement:
    """A manager's correction: positive credits a new lot, negative spends like a redeem.

    ``at``: when it was made, if not now (balances carried over from paper at launch).
    """
    source = Source("adjustment", None, reason, center_id)
    if points > 0:
        earned = earn(
            resident_id, source, actor, points=points, kind="adjust", expires_at=expires_at, at=at
        )
        return earned.movement
    account = lock_account(resident_id)
    return spend_account(account, -points, source, actor, kind="adjust", at=at)


def carry_over(
    resident_id: int,
    points: int,
    reason: str,
    actor: Principal,
    *,
    key: str,
    center_id: int,
    expires_at: datetime | None,
) -> Movement:
    """Credit a balance a resident held on paper (a booklet's stamps) as an ``adjust``, once
    per ``key``: the same line imported again returns the first credit (``duplicate``)."""
    source = Source(CARRIED_OVER, key, reason, center_id)
    earned = earn(resident_id, source, actor, points=points, kind="adjust", expires_at=expires_at)
    return earned.movement


def carried_over(keys: Collection[str]) -> set[str]:
    """Which of the keys a balance was carried over under already."""
    if not keys:
        return set()
    return set(
        db.session.scalars(
            select(LedgerTransaction.source_id).where(
                LedgerTransaction.source_type == CARRIED_OVER,
                LedgerTransaction.source_id.in_(keys),
                LedgerTransaction.kind == "adjust",
            )
        )
    )


def reversed_carry_overs(keys: Collection[str]) -> set[str]:
    """Which of the keys a balance was carried over under and reversed since (its import
    undone): the line no longer stands, and may be carried over again under another key."""
    if not keys:
        return set()
    reversal = aliased(LedgerTransaction)
    return set(
        db.session.scalars(
            select(LedgerTransaction.source_id).where(
                LedgerTransaction.source_type == CARRIED_OVER,
                LedgerTransaction.source_id.in_(keys),
                LedgerTransaction.kind == "adjust",
                exists().where(reversal.reverses_id == LedgerTransaction.id),
            )
        )
    )
