"""Gifts and their stock at each center: the catalog a manager keeps, the movements that
change a shelf, and the check that every shelf adds up to its movements.

Stock never goes below what is held for pickups: each change is a conditional update, and
each is recorded as a movement (``flask catalog verify`` adds them up).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql

from catalog.models import CatalogItem, StockLevel, StockMovement
from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from identity.models import Center, Staff

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
    _check_center(actor, center_id)
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


def take_stock(
    actor: Principal,
    item_id: int,
    center_id: int,
    counted: int,
    note: str | None,
    threshold: int | None = None,
) -> StockLevel:
    """A count of the shelf (the units held for pickups are on it too): what it differs from
    the books by is recorded as a ``stock_take`` movement through :func:`move_stock`, saying
    why; a count that agrees moves nothing. The level is locked first, so a redemption in
    the meantime is not counted away."""
    get_item(item_id)
    _check_center(actor, center_id)
    _ensure_level(item_id, center_id)
    level = db.session.scalars(
        select(StockLevel)
        .where(StockLevel.item_id == item_id, StockLevel.center_id == center_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    difference = counted - level.on_hand
    if difference:
        if not note:
            raise ValidationFailed(
                _l("The count differs from the books by %(n)+d: say why.", n=difference),
                errors={"note": [_l("Say why the count differs (e.g. broken, miscounted).")]},
            )
        return move_stock(actor, item_id, center_id, difference, "stock_take", note, threshold)
    if threshold is not None:
        level.low_threshold = threshold
    db.session.flush()
    return level


def _check_center(actor: Principal, center_id: int) -> None:
    if not actor.can_access_center(center_id) or db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))


def low_on_stock(level: StockLevel | None) -> bool:
    """Whether a shelf is running low: what is available (on hand less what is held for
    pickups) is at or below the threshold its center set. No threshold, no flag."""
    if level is None or level.low_threshold is None:
        return False
    return level.on_hand - level.reserved <= level.low_threshold


def levels_at(center_id: int, item_ids: Iterable[int]) -> dict[int, StockLevel]:
    """The stock levels of these items at a center (items never stocked there are left out)."""
    rows = db.session.scalars(
        select(StockLevel).where(
            StockLevel.center_id == center_id, StockLevel.item_id.in_(list(item_ids))
        )
    )
    return {level.item_id: level for level in rows}


def movement_history(
    actor: Principal, item_id: int, center_id: int, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A gift's stock movements at a center, the latest first, each with who made it (none
    for what the system did, e.g. a reservation lapsing) and why: for the center's staff."""
    get_item(item_id)
    _check_center(actor, center_id)
    stmt = (
        select(StockMovement, Staff.name.label("staff_name"))
        .outerjoin(Staff, Staff.id == StockMovement.staff_id)
        .where(StockMovement.item_id == item_id, StockMovement.center_id == center_id)
        .order_by(StockMovement.id.desc())
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(StockMovement.id < last_id)
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.StockMovement.id,))
    result["items"] = [
        {
            "id": row.StockMovement.id,
            "kind": row.StockMovement.kind,
            "on_hand_delta": row.StockMovement.on_hand_delta,
            "reserved_delta": row.StockMovement.reserved_delta,
            "note": row.StockMovement.note,
            "staff_name": row.staff_name,
            "redemption_id": row.StockMovement.redemption_id,
            "created_at": row.StockMovement.created_at,
        }
        for row in result["items"]
    ]
    return result


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
