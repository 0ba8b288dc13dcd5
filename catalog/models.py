"""Gifts, their stock at each center, every stock movement, and redemptions.

Stock holds like the ledger does: the level is the sum of its movements, never below zero
and never below what is reserved for pickups (database checks), and every change is a
movement saying why and who.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

MOVEMENT_KINDS = (
    "received",
    "redeemed",
    "reserved",
    "released",
    "picked_up",
    "returned",
    "damaged",
    "stock_take",
)
REDEMPTION_STATUSES = ("fulfilled", "reserved", "cancelled", "expired")
LIMIT_PERIODS = ("month", "year")


class CatalogItem(db.Model):
    """A health-promotion gift residents trade points for (腰围尺, 体重秤, 控盐勺...)."""

    __tablename__ = "catalog_items"
    __table_args__ = (
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        CheckConstraint("limit_quantity IS NULL OR limit_quantity > 0", name="limit_positive"),
        CheckConstraint(
            "(limit_quantity IS NULL) = (limit_period IS NULL)", name="limit_has_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str | None] = mapped_column(String(500))
    points_cost: Mapped[int]
    #: Under ``MEDIA_DIR``, named by content hash so it can be cached for good; served at
    #: ``catalog.media.picture_url``.
    image_path: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: At most this many per resident per ``limit_period`` (e.g. one scale a year).
    limit_quantity: Mapped[int | None]
    limit_period: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockLevel(db.Model):
    """How many of an item a center has, and how many of those are held for pickups."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within"),
        CheckConstraint("low_threshold IS NULL OR low_threshold >= 0", name="threshold"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_items.id"), primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    reserved: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Lists flag the item when what is available falls to this or below.
    low_threshold: Mapped[int | None]


class StockMovement(db.Model):
    """One change of a stock level, with its reason and actor. Never changed or deleted."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(f"kind IN {MOVEMENT_KINDS!r}", name="kind"),
        CheckConstraint("on_hand_delta <> 0 OR reserved_delta <> 0", name="moves_something"),
        Index("ix_stock_movements_item_center", "item_id", "center_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_items.id"))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(db.Model):
    """A resident trading points for a gift at a center's desk; cancelled, never deleted."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint(f"status IN {REDEMPTION_STATUSES!r}", name="status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_redemptions_resident_item", "resident_id", "item_id"),
        Index("ix_redemptions_center_created_at", "center_id", "created_at"),
        Index(
            "uq_redemptions_open_pickup_code",
            "center_id",
            "pickup_code_hash",
            unique=True,
            postgresql_where=text("status = 'reserved'"),
        ),
        Index(
            "ix_redemptions_fulfilled_at",
            "fulfilled_at",
            postgresql_where=text("status = 'fulfilled'"),
        ),
        Index(
            "ix_redemptions_cancelled_at",
            "cancelled_at",
            postgresql_where=text("cancelled_at IS NOT NULL"),
        ),
        Index(
            "ix_redemptions_open_expiry",
            "expires_at",
            postgresql_where=text("status = 'reserved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_items.id"))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    quantity: Mapped[int]
    points_spent: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    #: The desk staff who handed the gift over (null while reserved).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For a reservation: when it lapses if nobody picks it up.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a reservation: HMAC of the pickup code; the code itself is never stored.
    pickup_code_hash: Mapped[str | None] = mapped_column(String(64))
    #: When the gift was handed over (at once at the desk; at pickup for a reservation).
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
