"""Check-in on PostgreSQL in two statements: one claims the seat, one writes the credit.

The first reads the event and the earning rule in force, inserts the attendance (only inside
the window of an event that is not cancelled), takes a seat when the event has a capacity,
locks the resident's account by upsert and reserves the ledger transaction's id, so the
entry's hash can be computed before anything of the ledger is written. The second writes
the transaction, its chained entry, its lot and the day's and month's counters, and moves
the balance. Caps are still a conditional upsert under the account lock; unique keys still
guard every row. Statements are plain SQL built once: the hot path builds no constructs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from core.db import db, utcnow
from points.chain import entry_hash
from points.models import GENESIS_HASH
from points.service import LockedAccount

_CLAIM = text(
    """
    WITH event AS (
        SELECT center_id, kind, points, capacity, checkin_opens_at, checkin_closes_at,
               cancelled_at
        FROM events WHERE id = :event_id
    ), attended AS (
        INSERT INTO checkins (event_id, resident_id, method, staff_id, created_at)
        SELECT :event_id, :resident_id, :method, CAST(:staff_id AS integer), :now FROM event
        WHERE cancelled_at IS NULL AND :now BETWEEN checkin_opens_at AND checkin_closes_at
        ON CONFLICT DO NOTHING
        RETURNING id, created_at
    ), seat AS (
        UPDATE events SET seats_taken = seats_taken + 1
        WHERE id = :event_id AND capacity IS NOT NULL AND seats_taken < capacity
          AND EXISTS (SELECT FROM attended)
        RETURNING id
    ), account AS (
        INSERT INTO points_accounts (resident_id, balance, reserved, version, chain_head,
                                     updated_at)
        SELECT :resident_id, 0, 0, 0, :genesis, :now FROM attended
        ON CONFLICT (resident_id) DO UPDATE SET resident_id = EXCLUDED.resident_id
        RETURNING balance, reserved, version, chain_head
    )
    SELECT event.center_id, event.kind, event.points, event.capacity,
           event.checkin_opens_at, event.checkin_closes_at, event.cancelled_at,
           attended.id AS checkin_id, attended.created_at,
           EXISTS (SELECT FROM seat) AS seated,
           account.balance, account.reserved, account.version, account.chain_head,
           CASE WHEN attended.id IS NOT NULL
                THEN nextval('ledger_transactions_id_seq') END AS transaction_id,
           rule.points AS rule_points, rule.daily_cap, rule.monthly_cap
    FROM event
    LEFT JOIN attended ON true
    LEFT JOIN account ON true
    LEFT JOIN LATERAL (
        SELECT points, daily_cap, monthly_cap FROM earning_rules
        WHERE activity = event.kind AND (center_id = event.center_id OR center_id IS NULL)
        ORDER BY center_id NULLS LAST LIMIT 1
    ) rule ON true
    """
)

_CREDIT = text(
    """
    WITH credit AS (
        INSERT INTO ledger_transactions (id, resident_id, kind, amount, reason, source_type,
                                         source_id, center_id, actor_kind, actor_id,
                                         created_at)
        VALUES (:transaction_id, :resident_id, 'earn', :amount, :reason, :source_type,
                :source_id, :center_id, :actor_kind, CAST(:actor_id AS integer), :now)
        RETURNING id
    ), entry AS (
        INSERT INTO ledger_entries (transaction_id, resident_id, seq, delta, balance_after,
                                    prev_hash, hash, created_at)
        SELECT id, :resident_id, :seq, :amount, :balance, :prev_hash, :hash, :now FROM credit
    ), lot AS (
        INSERT INTO points_lots (resident_id, transaction_id, amount, remaining, expires_at)
        SELECT :resident_id, id, :amount, :amount, CAST(:expires_at AS timestamptz) FROM credit
    ), counted AS (
        INSERT INTO earning_counters (resident_id, activity, period, points)
        VALUES (:resident_id, :activity, :day, :amount), (:resident_id, :activity, :month, :amount)
        ON CONFLICT (resident_id, activity, period) DO UPDATE
        SET points = earning_counters.points + EXCLUDED.points
        WHERE earning_counters.points + EXCLUDED.points <= COALESCE(
            CASE WHEN EXCLUDED.period = :day THEN CAST(:daily_cap AS integer)
                 ELSE CAST(:monthly_cap AS integer) END,
            earning_counters.points + EXCLUDED.points)
        RETURNING period
    )
    UPDATE points_accounts
    SET balance = :balance, version = :seq, chain_head = :hash, updated_at = :now
    WHERE resident_id = :resident_id
    RETURNING (SELECT count(*) FROM counted) AS periods_counted
    """
)


@dataclass(frozen=True, slots=True)
class Attendance:
    """A check-in the first statement inserted, with what the credit needs."""

    checkin_id: int
    created_at: datetime
    #: False when the event has a capacity and it is full (the request must roll back).
    seated: bool
    account: LockedAccount
    transaction_id: int


@dataclass(frozen=True, slots=True)
class Claim:
    """The event as the first statement read it, and the new check-in if it made one."""

    center_id: int
    kind: str
    points: int | None
    capacity: int | None
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    cancelled_at: datetime | None
    #: None when the resident had checked in already, or the event refuses check-ins now.
    new: Attendance | None
    #: The earning rule in force (center's, else district's); None: built-in defaults.
    rule: tuple[int, int | None, int | None] | None


def claim(event_id: int, resident_id: int, staff_id: int | None, now: datetime) -> Claim | None:
    """Run the first statement; None when no such event exists."""
    row = (
        db.session.connection()
        .execute(
            _CLAIM,
            {
                "event_id": event_id,
                "resident_id": resident_id,
                "method": "self" if staff_id is None else "staff",
                "staff_id": staff_id,
                "now": now,
                "genesis": GENESIS_HASH,
            },
        )
        .one_or_none()
    )
    if row is None:
        return None
    new = None
    if row.checkin_id is not None:
        account = LockedAccount(resident_id, row.balance, row.reserved, row.version, row.chain_head)
        new = Attendance(row.checkin_id, row.created_at, row.seated, account, row.transaction_id)
    return Claim(
        row.center_id,
        row.kind,
        row.points,
        row.capacity,
        row.checkin_opens_at,
        row.checkin_closes_at,
        row.cancelled_at,
        new,
        None if row.rule_points is None else (row.rule_points, row.daily_cap, row.monthly_cap),
    )


@dataclass(frozen=True, slots=True)
class Credit:
    """An earn to write for a claimed check-in."""

    transaction_id: int
    amount: int
    reason: str
    checkin_id: int
    center_id: int
    actor_kind: str
    actor_id: int | None
    activity: str
    #: The counters' periods (``D2026-11-22``, ``M2026-11``) and their caps.
    day: str
    month: str
    daily_cap: int | None
    monthly_cap: int | None
    expires_at: datetime | None


def write_credit(account: LockedAccount, credit: Credit) -> bool:
    """Write the credit and move the locked account; False if a cap would be overshot."""
    now = utcnow()
    transaction = {
        "kind": "earn",
        "amount": credit.amount,
        "reason": credit.reason,
        "source_type": "checkin",
        "source_id": str(credit.checkin_id),
        "center_id": credit.center_id,
        "actor_kind": credit.actor_kind,
        "actor_id": credit.actor_id,
        "reverses_id": None,
    }
    entry = {
        "transaction_id": credit.transaction_id,
        "resident_id": account.resident_id,
        "seq": account.version + 1,
        "delta": credit.amount,
        "balance_after": account.balance + credit.amount,
        "created_at": now,
    }
    digest = entry_hash(account.chain_head, entry, transaction)
    periods_counted = (
        db.session.connection()
        .execute(
            _CREDIT,
            {
                **transaction,
                "transaction_id": credit.transaction_id,
                "resident_id": account.resident_id,
                "now": now,
                "seq": entry["seq"],
                "balance": entry["balance_after"],
                "prev_hash": account.chain_head,
                "hash": digest,
                "expires_at": credit.expires_at,
                "activity": credit.activity,
                "day": credit.day,
                "month": credit.month,
                "daily_cap": credit.daily_cap,
                "monthly_cap": credit.monthly_cap,
            },
        )
        .scalar_one()
    )
    account.balance, account.version, account.chain_head = (
        entry["balance_after"],
        entry["seq"],
        digest,
    )
    return periods_counted == 2
