"""A manager's correction of a resident's points, with a reason the resident reads."""

from __future__ import annotations

from datetime import datetime

from core.auth import Principal
from points.earning import earn
from points.ledger import Source, lock_account
from points.service import Movement, spend_account


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
