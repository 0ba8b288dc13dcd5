"""Redemption's rules: the gift list as a resident or the desk sees it, limits, quotes, desk
redemptions and their cancellation (gifts and stock themselves: ``catalog.items``).

A redemption locks the resident's points account first (so one resident's redemptions
queue), takes stock with a conditional update (so the last unit goes once), debits the
points through the ledger, and records it all in the request's one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from catalog.items import OutOfStock, available_stock, get_item, low_on_stock, record_movement
from catalog.models import CatalogItem, Redemption, StockLevel
from catalog.records import masked_resident
from core import signals
from core.api import MAX_ID, decode_cursor, page
from core.auth import Principal
from core.db import db
from core.errors import BadRequest, Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from core.localtime import day_start, local_date
from identity.models import Resident
from points import ledger
from points import service as points
from points.ledger import LockedAccount, Source
from points.service import InsufficientPoints

#: A redemption's status, in words.
STATUS_WORDS = {
    "reserved": _l("waiting for pickup"),
    "fulfilled": _l("handed over"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
}


class LimitReached(DomainError):
    status, code, title = 409, "limit_reached", _l("The resident has had their share of this gift")


class ItemInactive(DomainError):
    status, code, title = 409, "item_inactive", _l("This gift is not offered now")


@dataclass(frozen=True, slots=True)
class Quote:
    """What a redemption would do: a preview writes nothing and says what would refuse it."""

    item_id: int
    item_name: str
    quantity: int
    points_cost: int
    balance: int
    #: What the resident may spend now: the balance less points held for pickups.
    spendable: int
    stock: int
    refusal: DomainError | None

    @property
    def balance_after(self) -> int:
        """The balance once redeemed; a refused redemption leaves it as it is."""
        return self.balance if self.refusal else self.balance - self.points_cost

    @property
    def shortfall(self) -> int:
        """The points still needed for this gift (0 when there are enough)."""
        return max(self.points_cost - self.spendable, 0)


@dataclass(frozen=True, slots=True)
class Offered:
    """A gift as a center offers it: its stock there, and for a resident whether they can
    have one (None for staff)."""

    item: CatalogItem
    stock: int
    low_stock: bool
    affordable: bool | None
    within_limit: bool | None


def catalog_center(actor: Principal, center_id: int | None) -> int:
    """The center whose gifts to show: the one asked for, else the asker's own."""
    if center_id is None:
        center_id = (
            actor.center_id
            if actor.kind == "staff"
            else db.session.scalar(select(Resident.center_id).where(Resident.id == actor.id))
        )
    if center_id is None:
        raise ValidationFailed(errors={"center_id": [_l("Say which center's gifts to show.")]})
    return center_id


def items_page(
    actor: Principal,
    center_id: int,
    limit: int,
    cursor: str | None,
    now: datetime,
    tz: ZoneInfo,
    *,
    serving: int | None = None,
) -> dict[str, Any]:
    """Gifts at a center with their stock, cheapest first; a resident sees only those
    offered now, with whether they can afford each and whether their limit allows one.
    ``serving``: the resident the desk is serving, who is shown the list as they see it."""
    stmt = (
        select(CatalogItem, StockLevel)
        .outerjoin(
            StockLevel,
            (StockLevel.item_id == CatalogItem.id) & (StockLevel.center_id == center_id),
        )
        .order_by(CatalogItem.points_cost, CatalogItem.id)
    )
    resident = actor.id if actor.kind == "resident" else serving
    if resident is not None:
        stmt = stmt.where(CatalogItem.active.is_(True))
    if cursor is not None:
        cost, last_id = decode_cursor(cursor, (int, int))
        if not (0 <= cost <= MAX_ID and 0 <= last_id <= MAX_ID):  # a forged cursor
            raise BadRequest(_l("The cursor is not one this API handed out."))
        stmt = stmt.where(
            (CatalogItem.points_cost > cost)
            | ((CatalogItem.points_cost == cost) & (CatalogItem.id > last_id))
        )
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.CatalogItem.points_cost, row.CatalogItem.id))
    if resident is not None:
        balance, reserved = ledger.balance_of(resident)
        items = [row.CatalogItem for row in result["items"]]
        had = redeemed_within_limits(resident, items, now, tz)
    offered = []
    for item, level in result["items"]:
        offered.append(
            Offered(
                item,
                stock=level.on_hand - level.reserved if level else 0,
                low_stock=low_on_stock(level),
                affordable=None if resident is None else item.points_cost <= balance - reserved,
                within_limit=None if resident is None else not over_limit(item, had[item.id], 1),
            )
        )
    return {"items": offered, "next_cursor": result["next_cursor"]}


def _period_start(period: str, now: datetime, tz: ZoneInfo) -> datetime:
    local = local_date(now, tz)
    first = date(local.year, local.month if period == "month" else 1, 1)
    return day_start(first, tz)


def redeemed_within_limits(
    resident_id: int, items: list[CatalogItem], now: datetime, tz: ZoneInfo
) -> dict[int, int]:
    """How many of each limited gift the resident had (or holds) in the gift's limit period."""
    had = dict.fromkeys((item.id for item in items), 0)
    limited = [item for item in items if item.limit_period is not None]
    if not limited:
        return had
    starts = {item.id: _period_start(item.limit_period, now, tz) for item in limited}  # type: ignore[arg-type]
    rows = db.session.execute(
        select(Redemption.item_id, Redemption.created_at, Redemption.quantity).where(
            Redemption.resident_id == resident_id,
            Redemption.item_id.in_(starts),
            Redemption.status.in_(("fulfilled", "reserved")),
            Redemption.created_at >= min(starts.values()),
        )
    ).all()
    for row in rows:
        if row.created_at >= starts[row.item_id]:
            had[row.item_id] += row.quantity
    return had


def over_limit(item: CatalogItem, had: int, quantity: int) -> bool:
    """Whether ``quantity`` more would take the resident past the gift's limit."""
    return item.limit_quantity is not None and had + quantity > item.limit_quantity


def refusal_for(
    item: CatalogItem,
    resident_id: int,
    quantity: int,
    available_stock: int,
    spendable: int,
    now: datetime,
    tz: ZoneInfo,
) -> DomainError | None:
    if not item.active:
        return ItemInactive()
    if item.limit_quantity is not None and item.limit_period is not None:
        had = redeemed_within_limits(resident_id, [item], now, tz)[item.id]
        if over_limit(item, had, quantity):
            limit = {"limit": item.limit_quantity, "had": had}
            return LimitReached(
                _l("At most %(limit)d a month; %(had)d had already.", **limit)
                if item.limit_period == "month"
                else _l("At most %(limit)d a year; %(had)d had already.", **limit)
            )
    if quantity > available_stock:
        return OutOfStock(_l("%(count)d left at this center.", count=available_stock))
    if item.points_cost * quantity > spendable:
        return InsufficientPoints(
            _l(
                "Not enough points: %(missing)d more are needed.",
                missing=item.points_cost * quantity - spendable,
            )
        )
    return None


def quote(
    resident_id: int, item_id: int, quantity: int, center_id: int, now: datetime, tz: ZoneInfo
) -> Quote:
    """What redeeming would do, and what would refuse it; nothing is written."""
    item = get_item(item_id)
    balance, reserved = ledger.balance_of(resident_id)
    stock = available_stock(item_id, center_id)
    refusal = refusal_for(item, resident_id, quantity, stock, balance - reserved, now, tz)
    cost = item.points_cost * quantity
    return Quote(item.id, item.name, quantity, cost, balance, balance - reserved, stock, refusal)


def preview(
    resident: Resident, item_id: int, quantity: int, center_id: int, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """The :func:`quote` as the desk confirms it with the resident: who (name and phone
    masked), which gift, and whether it would go through (else the refusal's code)."""
    quoted = quote(resident.id, item_id, quantity, center_id, now, tz)
    return {
        "resident": masked_resident(resident),
        "item": {"id": quoted.item_id, "name": quoted.item_name},
        "item_id": quoted.item_id,
        "quantity": quoted.quantity,
        "points_cost": quoted.points_cost,
        "balance": quoted.balance,
        "spendable": quoted.spendable,
        "balance_after": quoted.balance_after,
        "shortfall": quoted.shortfall,
        "stock": quoted.stock,
        "ok": quoted.refusal is None,
        "refusal": quoted.refusal.code if quoted.refusal else None,
    }


def lock_and_take_stock(
    resident_id: int,
    item_id: int,
    quantity: int,
    center_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    hold: bool,
) -> tuple[LockedAccount, CatalogItem]:
    """Lock the resident's points, check every rule, and take the units off the shelf.

    ``hold``: reserve them for a pickup rather than hand them over now. The conditional
    update is what guarantees the last unit goes once; the check before it says why not.
    """
    account = ledger.lock_account(resident_id)
    item = get_item(item_id)
    spendable = account.balance - account.reserved
    stock = available_stock(item_id, center_id)
    refusal = refusal_for(item, resident_id, quantity, stock, spendable, now, tz)
    if refusal is not None:
        raise refusal
    change = (
        {"reserved": StockLevel.reserved + quantity}
        if hold
        else {"on_hand": StockLevel.on_hand - quantity}
    )
    taken = db.session.execute(
        update(StockLevel)
        .where(
            StockLevel.item_id == item_id,
            StockLevel.center_id == center_id,
            StockLevel.on_hand - StockLevel.reserved >= quantity,
        )
        .values(**change)
        .returning(StockLevel.item_id)
    ).one_or_none()
    if taken is None:
        raise OutOfStock(_l("Someone took the last one a moment ago."))
    return account, item


def redeem(
    actor: Principal,
    resident_id: int,
    item_id: int,
    quantity: int,
    center_id: int,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[Redemption, int]:
    """Hand a gift over at the desk: points and stock go down together, or nothing happens."""
    if not actor.can_access_center(center_id):
        raise NotFound(_l("No such center."))
    account, item = lock_and_take_stock(
        resident_id, item_id, quantity, center_id, now, tz, hold=False
    )
    redemption = Redemption(
        resident_id=resident_id,
        item_id=item_id,
        center_id=center_id,
        quantity=quantity,
        points_spent=item.points_cost * quantity,
        status="fulfilled",
        staff_id=actor.id,
        created_at=now,
        fulfilled_at=now,
    )
    db.session.add(redemption)
    db.session.flush()
    source = Source("redemption", str(redemption.id), f"兑换{item.name}", center_id)
    movement = points.spend_account(account, redemption.points_spent, source, actor, kind="redeem")
    redemption.transaction_id = movement.transaction_id
    record_movement(item_id, center_id, "redeemed", -quantity, 0, actor, None, redemption.id)
    db.session.flush()
    signals.redeemed.send(resident_id=resident_id, redemption_id=redemption.id)
    return redemption, movement.balance


def redemption_for(actor: Principal, redemption_id: int) -> Redemption:
    """A redemption the actor may see: the resident's own, or staff of its center."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(_l("No such redemption."))
    allowed = (
        redemption.resident_id == actor.id
        if actor.kind == "resident"
        else actor.can_access_center(redemption.center_id)
    )
    if not allowed:
        raise NotFound(_l("No such redemption."))
    return redemption


def cancel(actor: Principal, redemption_id: int, reason: str, now: datetime) -> Redemption:
    """Undo a redemption (the gift came back): points refunded, stock returned, row kept."""
    redemption = redemption_for(actor, redemption_id)
    ledger.lock_holder(redemption.resident_id)  # a merge may have moved it on meanwhile
    db.session.refresh(redemption)
    if redemption.status != "fulfilled":
        raise Conflict(_l("This redemption is %(status)s.", status=STATUS_WORDS[redemption.status]))
    if redemption.transaction_id is not None:
        points.reverse(redemption.transaction_id, "兑换取消，积分退回", actor, kind="refund")
    db.session.execute(
        update(StockLevel)
        .where(
            StockLevel.item_id == redemption.item_id,
            StockLevel.center_id == redemption.center_id,
        )
        .values(on_hand=StockLevel.on_hand + redemption.quantity)
    )
    record_movement(
        redemption.item_id,
        redemption.center_id,
        "returned",
        redemption.quantity,
        0,
        actor,
        reason,
        redemption.id,
    )
    redemption.status = "cancelled"
    redemption.cancelled_at, redemption.cancelled_by_id = now, actor.id
    redemption.cancel_reason = reason
    db.session.flush()
    return redemption
