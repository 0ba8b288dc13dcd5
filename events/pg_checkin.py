"""Check-in on PostgreSQL in two statements: one claims the seat, one writes the credit.

The first reads the event and the earning rule in force, inserts the attendance (only inside
the window of an event that is not cancelled), takes a seat when the event has a capacity,
locks the resident's account by upsert and reserves the ledger transaction's id, so the
entry's hash can be computed before anything of the ledger is written. The second writes
the transaction, its chained entry, its lot and the day's and month's counters, and moves
the balance. Caps are still a conditional upsert under the account lock; unique keys still
guard every row. The statements are the driver's SQL, sent as they are: the hot path
builds, compiles and wraps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.db import driver_connection, utcnow
from points.chain import entry_hash
from points.models import GENESIS_HASH
from points.service import LockedAccount

_CLAIM = """
    WITH event AS (
        SELECT center_id, kind, points, capacity, checkin_opens_at, checkin_closes_at,
               cancelled_at
        FROM events WHERE id = %(event_id)s
    ), attended AS (
        INSERT INTO checkins (event_id, resident_id, method, staff_id, created_at)
        SELECT %(event_id)s, %(resident_id)s, %(method)s, CAST(%(staff_id)s AS integer),
               %(now)s
        FROM event
        WHERE cancelled_at IS NULL AND %(now)s BETWEEN checkin_opens_at AND checkin_closes_at
        ON CONFLICT DO NOTHING
        RETURNING id, created_at
    ), seat AS (
        UPDATE events SET seats_taken = seats_taken + 1
        WHERE id = %(event_id)s AND capacity IS NOT NULL AND seats_taken < capacity
          AND EXISTS (SELECT FROM attended)
        RETURNING id
    ), account AS (
        INSERT INTO points_accounts (resident_id, balance, reserved, version, chain_head,
                                     updated_at)
        SELECT %(resident_id)s, 0, 0, 0, %(genesis)s, %(now)s FROM attended
        ON CONFLICT (resident_id) DO UPDATE SET resident_id = EXCLUDED.resident_id
        RETURNING balance, reserved, version, chain_head
    )
    SELECT event.center_id, event.kind, event.points, event.capacity,
           event.checkin_opens_at, event.checkin_closes_at, event.cancelled_at,
           attended.id, attended.created_at, EXISTS (SELECT FROM seat),
           account.balance, account.reserved, account.version, account.chain_head,
           CASE WHEN attended.id IS NOT NULL THEN nextval('ledger_transactions_id_seq') END,
           rule.points, rule.daily_cap, rule.monthly_cap
    FROM event
    LEFT JOIN attended ON true
    LEFT JOIN account ON true
    LEFT JOIN LATERAL (
        SELECT points, daily_cap, monthly_cap FROM earning_rules
        WHERE activity = event.kind AND (center_id = event.center_id OR center_id IS NULL)
        ORDER BY center_id NULLS LAST LIMIT 1
    ) rule ON true
"""

_CREDIT = """
    WITH credit AS (
        INSERT INTO ledger_transactions (id, resident_id, kind, amount, reason, source_type,
                                         source_id, center_id, actor_kind, actor_id,
                                         created_at)
        VALUES (%(transaction_id)s, %(resident_id)s, %(kind)s, %(amount)s, %(reason)s,
                %(source_type)s, %(source_id)s, %(center_id)s, %(actor_kind)s,
                CAST(%(actor_id)s AS integer), %(now)s)
        RETURNING id
    ), entry AS (
        INSERT INTO ledger_entries (transaction_id, resident_id, seq, delta, balance_after,
                                    prev_hash, hash, created_at)
        SELECT id, %(resident_id)s, %(seq)s, %(amount)s, %(balance)s, %(prev_hash)s,
               %(hash)s, %(now)s
        FROM credit
    ), lot AS (
        INSERT INTO points_lots (resident_id, transaction_id, amount, remaining, expires_at)
        SELECT %(resident_id)s, id, %(amount)s, %(amount)s,
               CAST(%(expires_at)s AS timestamptz)
        FROM credit
    ), counted AS (
        INSERT INTO earning_counters (resident_id, activity, period, points)
        VALUES (%(resident_id)s, %(activity)s, %(day)s, %(amount)s),
               (%(resident_id)s, %(activity)s, %(month)s, %(amount)s)
        ON CONFLICT (resident_id, activity, period) DO UPDATE
        SET points = earning_counters.points + EXCLUDED.points
        WHERE earning_counters.points + EXCLUDED.points <= COALESCE(
            CASE WHEN EXCLUDED.period = %(day)s THEN CAST(%(daily_cap)s AS integer)
                 ELSE CAST(%(monthly_cap)s AS integer) END,
            earning_counters.points + EXCLUDED.points)
        RETURNING period
    )
    UPDATE points_accounts
    SET balance = %(balance)s, version = %(seq)s, chain_head = %(hash)s, updated_at = %(now)s
    WHERE resident_id = %(resident_id)s
    RETURNING (SELECT count(*) FROM counted)
"""


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
    params = {
        "event_id": event_id,
        "resident_id": resident_id,
        "method": "self" if staff_id is None else "staff",
        "staff_id": staff_id,
        "now": now,
        "genesis": GENESIS_HASH,
    }
    with driver_connection() as connection:
        row = connection.execute(_CLAIM, params).fetchone()
    if row is None:
        return None
    (*event, checkin_id, created_at, seated, balance, reserved, version, chain_head) = row[:14]
    transaction_id, rule_points, daily_cap, monthly_cap = row[14:]
    new = None
    if checkin_id is not None:
        account = LockedAccount(resident_id, balance, reserved, version, chain_head)
        new = Attendance(checkin_id, created_at, seated, account, transaction_id)
    rule = None if rule_points is None else (rule_points, daily_cap, monthly_cap)
    return Claim(*event, new=new, rule=rule)


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
    params = {
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
    }
    with driver_connection() as connection:
        (periods_counted,) = connection.execute(_CREDIT, params).fetchone()
    account.balance, account.version, account.chain_head = (
        entry["balance_after"],
        entry["seq"],
        digest,
    )
    return periods_counted == 2
