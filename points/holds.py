"""Holds: points reserved for a pending pickup, then captured (spent) or released.

A hold keeps the points in the balance but out of reach (``reserved``); it writes no ledger
entry until it is captured, which is an ordinary redeem.
"""

from __future__ import annotations

from sqlalchemy import select, update

from core.auth import Principal
from core.db import db, utcnow
from core.errors import Conflict, NotFound
from core.i18n import _l
from points.ledger import LockedAccount, Source, lock_account, lock_holder
from points.models import PointsAccount, PointsHold
from points.service import InsufficientPoints, Movement, spend_account


def hold(resident_id: int, amount: int, source_type: str, source_id: str) -> PointsHold:
    """Reserve points (they stay in the balance but cannot be spent elsewhere)."""
    if amount <= 0:
        raise ValueError("a hold reserves a positive number of points")
    account = lock_account(resident_id)
    existing = db.session.scalar(
        select(PointsHold).where(
            PointsHold.source_type == source_type, PointsHold.source_id == source_id
        )
    )
    if existing is not None:
        return existing
    if amount > account.balance - account.reserved:
        raise InsufficientPoints(
            _l(
                "Not enough points: %(missing)d more are needed.",
                missing=amount - (account.balance - account.reserved),
            )
        )
    held = PointsHold(
        resident_id=resident_id, amount=amount, source_type=source_type, source_id=source_id
    )
    db.session.add(held)
    db.session.execute(
        update(PointsAccount)
        .where(PointsAccount.resident_id == resident_id)
        .values(reserved=account.reserved + amount, updated_at=utcnow())
    )
    db.session.flush()
    return held


def _locked_hold(source_type: str, source_id: str) -> tuple[PointsHold, LockedAccount]:
    found = db.session.scalar(
        select(PointsHold).where(
            PointsHold.source_type == source_type, PointsHold.source_id == source_id
        )
    )
    if found is None:
        raise NotFound(_l("No such hold."))
    # Its holder's: a hold moves with its points when its record is merged into another.
    account = lock_holder(found.resident_id)
    db.session.refresh(found)  # its status (and holder) as of the lock, not of the first read
    return found, account


def release(source_type: str, source_id: str) -> bool:
    """Give held points back to spend. False if the hold was settled already."""
    held, account = _locked_hold(source_type, source_id)
    if held.status != "held":
        return False
    held.status, held.settled_at = "released", utcnow()
    db.session.execute(
        update(PointsAccount)
        .where(PointsAccount.resident_id == held.resident_id)
        .values(reserved=account.reserved - held.amount, updated_at=utcnow())
    )
    db.session.flush()
    return True


def capture(source_type: str, source_id: str, source: Source, actor: Principal | None) -> Movement:
    """Spend held points (the pickup happened). Refused if the hold was settled already."""
    held, account = _locked_hold(source_type, source_id)
    if held.status != "held":
        raise Conflict(
            _l("These points were spent already.")
            if held.status == "captured"
            else _l("These points were released already.")
        )
    movement = spend_account(
        account, held.amount, source, actor, kind="redeem", releasing=held.amount
    )
    held.status, held.settled_at = "captured", utcnow()
    held.capture_transaction_id = movement.transaction_id
    db.session.flush()
    return movement
