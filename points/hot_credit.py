"""An earn written in one statement, for the check-in hot path on PostgreSQL.

The same rows as ``service.credit_account`` writes — the transaction, its chained entry, its
lot — plus the day's and month's earning counters, and the account moved, in one round trip
on an account the caller locked. Caps stay a conditional upsert under that lock; unique keys
and the append-only triggers still guard every row, and ``flask points verify`` checks the
chain it extends. The statement is the driver's SQL, sent as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.db import driver_connection, utcnow
from points.chain import entry_hash
from points.service import LockedAccount

_CREDIT = """
    WITH credit AS (
        INSERT INTO ledger_transactions (id, resident_id, kind, amount, reason, source_type,
                                         source_id, center_id, actor_kind, actor_id,
                                         created_at)
        VALUES (%(transaction_id)s, %(resident_id)s, %(kind)s, %(amount)s, %(reason)s,
                %(source_type)s, %(source_id)s, %(center_id)s, %(actor_kind)s,
                CAST(%(actor_id)s AS integer), %(at)s)
        RETURNING id
    ), entry AS (
        INSERT INTO ledger_entries (transaction_id, resident_id, seq, delta, balance_after,
                                    prev_hash, hash, created_at)
        SELECT id, %(resident_id)s, %(seq)s, %(amount)s, %(balance)s, %(prev_hash)s,
               %(hash)s, %(at)s
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
    #: When the check-in happened: the ledger's time for it.
    at: datetime


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
        "created_at": credit.at,
    }
    digest = entry_hash(account.chain_head, entry, transaction)
    params = {
        **transaction,
        "transaction_id": credit.transaction_id,
        "resident_id": account.resident_id,
        "now": now,
        "at": credit.at,
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
