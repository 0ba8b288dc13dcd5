"""The ledger: one account row per resident, append-only transactions and entries, lots.

Invariants the database holds (constraints, triggers) and ``flask points
verify`` re-checks: an account's balance is the sum of its entries and never negative; at
most ``balance`` points are reserved; entries are never updated or deleted; a source earns
once; a transaction is reversed at most once; every lot keeps ``0 <= remaining <= amount``
and the live lots add up to the balance.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

KINDS = ("earn", "redeem", "refund", "adjust", "expire")
ACTIVITIES = ("lecture", "consultation", "followup", "revisit", "screening")
#: The activities as staff and managers call them (the imports' 活动类型 too).
ACTIVITY_NAMES = {
    "lecture": "讲座",
    "consultation": "义诊",
    "followup": "随访",
    "revisit": "复诊",
    "screening": "筛查",
}
#: The hash before a resident's first entry.
GENESIS_HASH = "0" * 64


class PointsAccount(db.Model):
    """A resident's balance, read in O(1); locked for every change."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= balance", name="reserved_within_balance"),
    )

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Points held by pending reservations: spendable is ``balance - reserved``.
    reserved: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: How many entries the account has; the next entry's ``seq`` is ``version + 1``.
    version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Hash of the newest entry: the head of the resident's hash chain.
    chain_head: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The resident closed their account: nothing moves its points any more. Set under the
    #: account's lock, so whatever waited for that lock finds it (a token still valid for
    #: minutes, a check-in racing the closing).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerTransaction(db.Model):
    """One change of points: why, from what, by whom. Never updated or deleted."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        #: A source (a check-in, a redemption, a lot) moves points of each kind once.
        UniqueConstraint("source_type", "source_id", "kind", name="uq_ledger_transactions_source"),
        #: Nothing is undone twice; the index holds only reversals, not a NULL for every row.
        Index(
            "uq_ledger_transactions_reverses_id",
            "reverses_id",
            unique=True,
            postgresql_where=text("reverses_id IS NOT NULL"),
        ),
        Index("ix_ledger_transactions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed: a resident's history is read through the entries (resident, seq).
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    #: Signed: positive credits, negative debits.
    amount: Mapped[int]
    #: Why, in words the resident understands (never a diagnosis).
    reason: Mapped[str] = mapped_column(String(200))
    #: What caused it: ``checkin``, ``redemption``, ``adjustment``, ``lot``, ``test``...
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(64))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    #: ``staff``, ``resident`` or ``system``.
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    #: The transaction this one undoes.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """A transaction's effect on one account, chained by hash to the account's previous entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("resident_id", "seq", name="uq_ledger_entries_resident_seq"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    #: 1, 2, 3... per resident, with no gaps.
    seq: Mapped[int]
    delta: Mapped[int]
    balance_after: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsLot(db.Model):
    """Points credited together, expiring together; spending draws the soonest-expiring first."""

    __tablename__ = "points_lots"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_within_amount"),
        Index(
            "ix_points_lots_live",
            "resident_id",
            "expires_at",
            postgresql_where=text("remaining > 0"),
        ),
        Index(
            "ix_points_lots_due",
            "expires_at",
            postgresql_where=text("remaining > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    #: The credit that created the lot.
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    amount: Mapped[int]
    remaining: Mapped[int]
    #: Null for points that never expire.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LotAllocation(db.Model):
    """How much of a lot a debit drew (positive) or a reversal put back (negative)."""

    __tablename__ = "lot_allocations"
    __table_args__ = (
        UniqueConstraint("lot_id", "transaction_id", name="uq_lot_allocations_lot_transaction"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lots.id"), index=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    amount: Mapped[int]


class PointsHold(db.Model):
    """Points reserved for a pending pickup: held, then captured (spent) or released."""

    __tablename__ = "points_holds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('held', 'captured', 'released')", name="status"),
        UniqueConstraint("source_type", "source_id", name="uq_points_holds_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    amount: Mapped[int]
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="held")
    #: The debit that spent the held points, once captured.
    capture_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EarningRule(db.Model):
    """Points for an activity at a center; the row without a center is the district default."""

    __tablename__ = "earning_rules"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("daily_cap IS NULL OR daily_cap > 0", name="daily_cap_positive"),
        CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="monthly_cap_positive"),
        Index(
            "uq_earning_rules_center_activity",
            "center_id",
            "activity",
            unique=True,
            postgresql_where=text("center_id IS NOT NULL"),
        ),
        Index(
            "uq_earning_rules_district_activity",
            "activity",
            unique=True,
            postgresql_where=text("center_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))
    activity: Mapped[str] = mapped_column(String(16))
    points: Mapped[int]
    #: Most points a resident earns in a day / a month (district time zone); null: no cap.
    daily_cap: Mapped[int | None]
    monthly_cap: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EarningCounter(db.Model):
    """Points a resident earned for an activity in one day or month (conditional upsert)."""

    __tablename__ = "earning_counters"
    __table_args__ = (CheckConstraint("points >= 0", name="points_not_negative"),)

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    activity: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: ``D2026-11-22`` for a day, ``M2026-11`` for a month, in the district time zone.
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    points: Mapped[int]
