"""Gifts and their stock at each center: the catalog a manager keeps, the movements that
change a shelf, and the check that every shelf adds up to its movements.

Stock never goes below what is held for pickups: each change is a conditional update, and
each is recorded as a movement (``flask catalog verify`` adds them up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql

from catalog.models import CatalogItem, StockLevel, StockMovement
from core.auth import Principal
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from identity.models import Center

#: Stock changes staff make by hand, by what happened.
MANUAL_MOVEMENTS = ("received", "damaged", "stock_take")


class OutOfStock(DomainError):
    status, code, title = 409, "out_of_stock", _l("Not enough in stock")


def create_item(fields: dict[str, Any]) -> CatalogItem:
    if db.session.scalar(select(CatalogItem.id).where(CatalogItem.name == fields["name"])):
        raise Conflict(_l('A gift named "%(name)s" exists already.', name=fields["name"]))
    item = CatalogItem(**fields)
    _check_limit(item)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item_id: int, changes: dict[str, Any]) -> CatalogItem:
    item = get_item(item_id)
    for field, value in changes.items():
        setattr(item, field, value)
    _check_limit(item)
    item.updated_at = utcnow()
    db.session.flush()
    return item


def _check_limit(item: CatalogItem) -> None:
    if (item.limit_quantity is None) != (item.limit_period is None):
        raise ValidationFailed(
            errors={"limit_period": [_l("Give a limit and its period together.")]}
        )


def get_item(item_id: int) -> CatalogItem:
    item = db.session.get(CatalogItem, item_id)
    if item is None:
        raise NotFound(_l("No such gift."))
    return item


def move_stock(
    actor: Principal,
    item_id: int,
    center_id: int,
    delta: int,
    kind: str,
    note: str | None = None,
    threshold: int | None = None,
) -> StockLevel:
    """Receive, write off or count stock by hand; never below what is held for pickups."""
    get_item(item_id)
    if not actor.can_access_center(center_id) or db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))
    if kind not in MANUAL_MOVEMENTS:
        raise ValidationFailed(
            errors={"reason": [_l("One of %(choices)s.", choices=", ".join(MANUAL_MOVEMENTS))]}
        )
    _ensure_level(item_id, center_id)
    moved = db.session.execute(
        update(StockLevel)
        .where(
            StockLevel.item_id == item_id,
            StockLevel.center_id == center_id,
            StockLevel.on_hand + delta >= StockLevel.reserved,
        )
        .values(on_hand=StockLevel.on_hand + delta)
        .returning(StockLevel.on_hand)
    ).one_or_none()
    if moved is None:
        raise OutOfStock(_l("Stock cannot go below zero or below what is held for pickups."))
    record_movement(item_id, center_id, kind, delta, 0, actor, note)
    level = db.session.get(StockLevel, (item_id, center_id))
    assert level is not None
    db.session.refresh(level)
    if threshold is not None:
        level.low_threshold = threshold
    db.session.flush()
    return level


def _ensure_level(item_id: int, center_id: int) -> None:
    db.session.execute(
        postgresql.insert(StockLevel)
        .values(item_id=item_id, center_id=center_id, on_hand=0, reserved=0)
        .on_conflict_do_nothing()
    )


def record_movement(
    item_id: int,
    center_id: int,
    kind: str,
    on_hand_delta: int,
    reserved_delta: int,
    actor: Principal | None,
    note: str | None = None,
    redemption_id: int | None = None,
) -> None:
    db.session.execute(
        StockMovement.__table__.insert().values(
            item_id=item_id,
            center_id=center_id,
            kind=kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            note=note,
            staff_id=actor.id if actor and actor.kind == "staff" else None,
            redemption_id=redemption_id,
            created_at=utcnow(),
        )
    )


def available_stock(item_id: int, center_id: int) -> int:
    level = db.session.execute(
        select(StockLevel.on_hand, StockLevel.reserved).where(
            StockLevel.item_id == item_id, StockLevel.center_id == center_id
        )
    ).one_or_none()
    return level.on_hand - level.reserved if level else 0


def stock_problems() -> list[str]:
    """Stock levels that disagree with their movements (for ``flask points verify``)."""
    sums = (
        select(
            StockMovement.item_id,
            StockMovement.center_id,
            func.sum(StockMovement.on_hand_delta).label("on_hand"),
            func.sum(StockMovement.reserved_delta).label("reserved"),
        )
        .group_by(StockMovement.item_id, StockMovement.center_id)
        .subquery()
    )
    rows = db.session.execute(
        select(StockLevel, sums.c.on_hand, sums.c.reserved).outerjoin(
            sums,
            (sums.c.item_id == StockLevel.item_id) & (sums.c.center_id == StockLevel.center_id),
        )
    ).all()
    return [
        f"stock_levels item {row.StockLevel.item_id} center {row.StockLevel.center_id}: "
        f"{row.StockLevel.on_hand}/{row.StockLevel.reserved}, movements add up to "
        f"{row.on_hand or 0}/{row.reserved or 0}"
        for row in rows
        if (row.StockLevel.on_hand, row.StockLevel.reserved)
        != (row.on_hand or 0, row.reserved or 0)
    ]
