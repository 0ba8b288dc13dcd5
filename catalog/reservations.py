"""Reservations from the mini-program: points and stock held, picked up with a code.

Two-phase like a pending transfer: reserving holds the points (``points.holds``) and the
stock (``reserved``); the pickup captures both, while a cancellation or the reservation
lapsing releases both, exactly once: every settlement moves the row out of ``reserved``
with a conditional update, so a pickup and the expiry job racing cannot both win.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from catalog.items import get_item, record_movement
from catalog.models import Redemption, StockLevel
from catalog.records import described
from catalog.service import STATUS_WORDS, lock_and_take_stock
from core import qr_links, signals
from core.auth import Principal
from core.codes import CodeKeys, qr_image
from core.db import db
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from identity.audit import record_audit
from points import holds, ledger
from points.ledger import Source

HOLD_SOURCE = "redemption"
CODE_DIGITS = 8
#: How long the link to the pickup code's picture works: the code is shown once, when the
#: gift is reserved, and the mini-program draws it then.
PICTURE_LINK_MINUTES = 10


PURPOSE = "pickup"


class NotTheirReservation(DomainError):
    status, code, title = 409, "not_their_reservation", _l("This reservation is someone else's")


def code_hash(code: str, key: bytes) -> str:
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def pickup_keys(keys: CodeKeys) -> list[bytes]:
    """The key new codes are hashed with first, then older ones (codes outlive a rotation)."""
    kids = [keys.current, *(kid for kid in keys.secrets if kid != keys.current)]
    return [keys.key(kid, PURPOSE) for kid in kids]


def reserve(
    resident_id: int,
    item_id: int,
    quantity: int,
    center_id: int,
    *,
    now: datetime,
    days: int,
    keys: CodeKeys,
    tz: ZoneInfo,
) -> tuple[Redemption, str]:
    """Hold points and stock for a pickup; returns the reservation and its pickup code."""
    _, item = lock_and_take_stock(resident_id, item_id, quantity, center_id, now, tz, hold=True)
    key = pickup_keys(keys)[0]
    code = _unused_code(center_id, key)
    reservation = Redemption(
        resident_id=resident_id,
        item_id=item_id,
        center_id=center_id,
        quantity=quantity,
        points_spent=item.points_cost * quantity,
        status="reserved",
        created_at=now,
        expires_at=now + timedelta(days=days),
        pickup_code_hash=code_hash(code, key),
    )
    db.session.add(reservation)
    db.session.flush()
    holds.hold(resident_id, reservation.points_spent, HOLD_SOURCE, str(reservation.id))
    record_movement(item_id, center_id, "reserved", 0, quantity, None, None, reservation.id)
    return reservation, code


def with_pickup_code(
    reservation: Redemption, code: str, now: datetime, keys: CodeKeys, base_url: str
) -> dict[str, Any]:
    """A new reservation as the resident sees it this once: its pickup code as digits, as an
    SVG, and as a signed link to its picture for an ``<image>`` (good for
    :data:`PICTURE_LINK_MINUTES`)."""
    svg, _ = qr_image(code, "svg")
    picture_until = now + timedelta(minutes=PICTURE_LINK_MINUTES)
    return {
        **described(reservation),
        "pickup_code": code,
        "pickup_qr_svg": svg.decode(),
        "pickup_qr_url": qr_links.image_url(code, picture_until, keys, base_url),
    }


def _unused_code(center_id: int, key: bytes) -> str:
    """Eight random digits (from ``secrets``) no open reservation at the center has."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = db.session.scalar(
            select(Redemption.id).where(
                Redemption.center_id == center_id,
                Redemption.status == "reserved",
                Redemption.pickup_code_hash == code_hash(code, key),
            )
        )
        if taken is None:
            return code


def desk_center(actor: Principal, center_id: int | None) -> int:
    """The center whose desk is asking: the one named, else the actor's own."""
    center_id = center_id if center_id is not None else actor.center_id
    if center_id is None:
        raise ValidationFailed(errors={"center_id": [_l("Say which center's desk this is.")]})
    if not actor.can_access_center(center_id):
        raise NotFound(_l("No such center."))
    return center_id


def by_code(
    actor: Principal, code: str, center_id: int, keys: CodeKeys, now: datetime
) -> Redemption:
    """The open, unlapsed reservation a pickup code names at the actor's center."""
    if not actor.can_access_center(center_id):
        raise NotFound(_l("No such center."))
    hashes = [code_hash(code.strip(), key) for key in pickup_keys(keys)]
    found = db.session.scalar(
        select(Redemption).where(
            Redemption.center_id == center_id,
            Redemption.status == "reserved",
            Redemption.pickup_code_hash.in_(hashes),
            Redemption.expires_at > now,
        )
    )
    if found is None:
        raise NotFound(_l("No open reservation has this code here."))
    return found


def _settle(reservation: Redemption, status: str, now: datetime) -> bool:
    """Move the reservation out of ``reserved``; False if something else settled it first."""
    ledger.lock_holder(reservation.resident_id)  # a merge may have moved it on meanwhile
    moved = db.session.execute(
        update(Redemption)
        .where(Redemption.id == reservation.id, Redemption.status == "reserved")
        .values(status=status)
        .returning(Redemption.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    db.session.refresh(reservation)
    return moved is not None


def fulfil(actor: Principal, reservation: Redemption, now: datetime) -> tuple[Redemption, int]:
    """Hand the reserved gift over: the held points are spent, the held unit leaves."""
    if not _settle(reservation, "fulfilled", now):
        raise Conflict(
            _l("This reservation is %(status)s.", status=STATUS_WORDS[reservation.status])
        )
    item = get_item(reservation.item_id)
    source = Source("redemption", str(reservation.id), f"兑换{item.name}", reservation.center_id)
    movement = holds.capture(HOLD_SOURCE, str(reservation.id), source, actor)
    _release_stock(reservation, on_hand_too=True)
    record_movement(
        reservation.item_id,
        reservation.center_id,
        "picked_up",
        -reservation.quantity,
        -reservation.quantity,
        actor,
        None,
        reservation.id,
    )
    reservation.transaction_id = movement.transaction_id
    reservation.staff_id, reservation.fulfilled_at = actor.id, now
    db.session.flush()
    signals.redeemed.send(resident_id=reservation.resident_id, redemption_id=reservation.id)
    return reservation, movement.balance


def hand_over(
    actor: Principal, reservation: Redemption, resident_id: int, now: datetime
) -> tuple[Redemption, int]:
    """Hand a reserved gift over without its pickup code (the resident lost it): the desk
    identified the resident, who must be the one who reserved it. Audited."""
    if reservation.resident_id != resident_id:
        raise NotTheirReservation(_l("Check that this is the resident who reserved it."))
    expire_if_lapsed(reservation, now)
    handed = fulfil(actor, reservation, now)
    record_audit(actor, "reservation.fulfil_without_code", resident_id, str(reservation.id))
    return handed


def _release_stock(reservation: Redemption, *, on_hand_too: bool) -> None:
    quantity = reservation.quantity
    db.session.execute(
        update(StockLevel)
        .where(
            StockLevel.item_id == reservation.item_id,
            StockLevel.center_id == reservation.center_id,
        )
        .values(
            reserved=StockLevel.reserved - quantity,
            on_hand=StockLevel.on_hand - (quantity if on_hand_too else 0),
        )
    )


def _release(reservation: Redemption, actor: Principal | None, note: str) -> None:
    holds.release(HOLD_SOURCE, str(reservation.id))
    _release_stock(reservation, on_hand_too=False)
    record_movement(
        reservation.item_id,
        reservation.center_id,
        "released",
        0,
        -reservation.quantity,
        actor,
        note,
        reservation.id,
    )


def expire(reservation: Redemption, now: datetime) -> bool:
    """Let a lapsed reservation go: points and stock back, once. False if already settled."""
    if not _settle(reservation, "expired", now):
        return False
    _release(reservation, None, "预约过期未领取")
    db.session.flush()
    return True


def cancel(actor: Principal, reservation: Redemption, reason: str, now: datetime) -> Redemption:
    """The resident (or staff) calls off a pickup: points and stock back."""
    if not _settle(reservation, "cancelled", now):
        raise Conflict(
            _l("This reservation is %(status)s.", status=STATUS_WORDS[reservation.status])
        )
    _release(reservation, actor, reason)
    reservation.cancelled_at, reservation.cancel_reason = now, reason
    reservation.cancelled_by_id = actor.id if actor.kind == "staff" else None
    db.session.flush()
    return reservation


def expire_due(now: datetime) -> int:
    """Expire every reservation past its date; returns how many this run released."""
    due = db.session.scalars(
        select(Redemption)
        .where(Redemption.status == "reserved", Redemption.expires_at <= now)
        .order_by(Redemption.id)
    ).all()
    return sum(expire(reservation, now) for reservation in due)


def expire_if_lapsed(reservation: Redemption, now: datetime) -> Redemption:
    """Reading a lapsed reservation settles it (the job may not have run yet)."""
    if (
        reservation.status == "reserved"
        and reservation.expires_at is not None
        and reservation.expires_at <= now
    ):
        expire(reservation, now)
    return reservation
