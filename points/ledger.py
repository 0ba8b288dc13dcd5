"""The ledger's one writer: a resident's account locked, then a transaction appended to it.

Every movement of points locks the resident's account first (an upsert that creates it if
needed, takes the row lock and reads it in one round trip), then appends in one statement:
the transaction, its entry chained to the one before, what the movement adds (a credit's
lot, an earn's counters against the caps) and the account moved. Unique keys, the
append-only triggers and the checks on balances still guard every row; ``flask points
verify`` re-checks the chains. The statements are the driver's SQL, sent as they are: the
check-in's hot path runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from core.auth import Principal
from core.db import db, driver_connection, utcnow
from core.errors import Conflict, TokenRevoked
from core.i18n import _l
from identity.models import Resident
from points.chain import entry_hash
from points.models import GENESIS_HASH, PointsAccount

#: The account row, created when missing and locked: the first part of every lock statement.
LOCKED_ACCOUNT = """
    account AS (
        INSERT INTO points_accounts (resident_id, balance, reserved, version, chain_head,
                                     updated_at)
        VALUES (%(resident_id)s, 0, 0, 0, %(genesis)s, %(now)s)
        ON CONFLICT (resident_id) DO UPDATE SET resident_id = EXCLUDED.resident_id
        RETURNING balance, reserved, version, chain_head, closed_at
    )
"""

_LOCK = f"""
    WITH {LOCKED_ACCOUNT}
    SELECT balance, reserved, version, chain_head, closed_at FROM account
"""

_APPEND = """
    WITH moved AS (
        INSERT INTO ledger_transactions (id, resident_id, kind, amount, reason, source_type,
                                         source_id, center_id, actor_kind, actor_id,
                                         reverses_id, created_at)
        VALUES (%(transaction_id)s, %(resident_id)s, %(kind)s, %(amount)s, %(reason)s,
                %(source_type)s, %(source_id)s, CAST(%(center_id)s AS integer),
                %(actor_kind)s, CAST(%(actor_id)s AS integer),
                CAST(%(reverses_id)s AS integer), %(at)s)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), entry AS (
        INSERT INTO ledger_entries (transaction_id, resident_id, seq, delta, balance_after,
                                    prev_hash, hash, created_at)
        SELECT id, %(resident_id)s, %(seq)s, %(amount)s, %(balance)s, %(prev_hash)s,
               %(hash)s, %(at)s
        FROM moved
    ), lot AS (
        INSERT INTO points_lots (resident_id, transaction_id, amount, remaining, expires_at)
        SELECT %(resident_id)s, id, %(amount)s, %(amount)s, CAST(%(expires_at)s AS timestamptz)
        FROM moved WHERE CAST(%(opens_lot)s AS boolean)
    ), counted AS (
        INSERT INTO earning_counters (resident_id, activity, period, points)
        SELECT %(resident_id)s, CAST(%(activity)s AS varchar), period, %(amount)s
        FROM moved, (VALUES (CAST(%(day)s AS varchar)), (CAST(%(month)s AS varchar))) AS p(period)
        WHERE CAST(%(activity)s AS varchar) IS NOT NULL
        ON CONFLICT (resident_id, activity, period) DO UPDATE
        SET points = earning_counters.points + EXCLUDED.points
        WHERE earning_counters.points + EXCLUDED.points <= COALESCE(
            CASE WHEN EXCLUDED.period = CAST(%(day)s AS varchar)
                 THEN CAST(%(daily_cap)s AS integer) ELSE CAST(%(monthly_cap)s AS integer) END,
            earning_counters.points + EXCLUDED.points)
        RETURNING period
    )
    UPDATE points_accounts
    SET balance = %(balance)s, reserved = %(reserved)s, version = %(seq)s,
        chain_head = %(hash)s, updated_at = %(now)s
    WHERE resident_id = %(resident_id)s AND EXISTS (SELECT FROM moved)
    RETURNING (SELECT count(*) FROM counted)
"""


@dataclass(frozen=True, slots=True)
class Source:
    """Why points move: the thing that caused it, in words the resident understands."""

    type: str
    id: str | None
    reason: str
    center_id: int | None = None


@dataclass(slots=True)
class LockedAccount:
    """An account row locked by this transaction, as it stands now."""

    resident_id: int
    balance: int
    reserved: int
    version: int
    chain_head: str
    #: A ledger transaction id taken with the lock, for the next append (saves a round trip).
    next_transaction_id: int | None = None


@dataclass(frozen=True, slots=True)
class Counters:
    """An earn's counters for its activity this day and month, and the caps they must keep."""

    activity: str
    day: str
    month: str
    daily_cap: int | None
    monthly_cap: int | None


def lock_params(resident_id: int) -> dict[str, Any]:
    """The parameters of :data:`LOCKED_ACCOUNT`."""
    return {"resident_id": resident_id, "genesis": GENESIS_HASH, "now": utcnow()}


def locked(resident_id: int, row: Any) -> LockedAccount:
    """The account from a lock statement's first five columns (and a transaction id, if
    a sixth); a closed account is ``token_revoked``: only its own resident's stale token
    still names it, and closing holds the lock a check-in may have waited for."""
    balance, reserved, version, chain_head, closed_at, *next_id = row
    if closed_at is not None:
        raise TokenRevoked(_l("This account was closed."))
    return LockedAccount(resident_id, balance, reserved, version, chain_head, *next_id)


def lock_account(resident_id: int) -> LockedAccount:
    """Create the account if needed and lock it for the rest of the transaction."""
    with driver_connection() as connection:
        row = connection.execute(_LOCK, lock_params(resident_id)).fetchone()
    return locked(resident_id, row)


def lock_holder(resident_id: int) -> LockedAccount:
    """Lock the account that holds ``resident_id``'s points now: their own, or, when their
    record was merged into another (``points.merging``), the survivor's, however many merges
    on. For undoing, settling or expiring what was theirs, where the points may have moved.

    The merge is followed after the lock: one that held it while this waited leaves this
    account closed and points on; ``token_revoked`` is an account its resident closed.
    """
    holder = resident_id
    while True:
        try:
            return lock_account(holder)
        except TokenRevoked:
            merged_into = db.session.scalar(
                select(Resident.merged_into_id).where(Resident.id == holder)
            )
            if merged_into is None:
                raise
            holder = merged_into


def append(
    account: LockedAccount,
    kind: str,
    amount: int,
    source: Source,
    actor: Principal | None,
    *,
    at: datetime | None = None,
    reserved_change: int = 0,
    reverses_id: int | None = None,
    opens_lot: bool = False,
    expires_at: datetime | None = None,
    counters: Counters | None = None,
) -> int | None:
    """Append a transaction and its chained entry to the locked account and move it; return
    the transaction's id, or None, writing nothing, when the source already moved points of
    this kind.

    ``at``: when what moved the points happened (a check-in's time), if not now; the
    transaction and its entry carry it, so a period's figures count it where it belongs.
    ``opens_lot``: a credit's points become a lot expiring at ``expires_at`` (None: never).
    ``counters``: an earn counts against its caps; the database refuses to overshoot one.
    """
    if any(moment is not None and moment.tzinfo is None for moment in (at, expires_at)):
        # The driver would store it in the session's zone and the hash read it in the host's.
        raise ValueError("the ledger takes aware datetimes only")
    now = utcnow()
    with driver_connection() as connection:
        transaction_id = account.next_transaction_id
        if transaction_id is None:
            (transaction_id,) = connection.execute(
                "SELECT nextval('ledger_transactions_id_seq')"
            ).fetchone()
        account.next_transaction_id = None
        transaction = {
            "kind": kind,
            "amount": amount,
            "reason": source.reason,
            "source_type": source.type,
            "source_id": source.id,
            "center_id": source.center_id,
            "actor_kind": actor.kind if actor else "system",
            "actor_id": actor.id if actor else None,
            "reverses_id": reverses_id,
        }
        entry = {
            "transaction_id": transaction_id,
            "resident_id": account.resident_id,
            "seq": account.version + 1,
            "delta": amount,
            "balance_after": account.balance + amount,
            "created_at": at or now,
        }
        digest = entry_hash(account.chain_head, entry, transaction)
        row = connection.execute(
            _APPEND,
            {
                **transaction,
                "transaction_id": transaction_id,
                "resident_id": account.resident_id,
                "at": entry["created_at"],
                "now": now,
                "seq": entry["seq"],
                "balance": entry["balance_after"],
                "reserved": account.reserved + reserved_change,
                "prev_hash": account.chain_head,
                "hash": digest,
                "opens_lot": opens_lot,
                "expires_at": expires_at,
                "activity": counters.activity if counters else None,
                "day": counters.day if counters else None,
                "month": counters.month if counters else None,
                "daily_cap": counters.daily_cap if counters else None,
                "monthly_cap": counters.monthly_cap if counters else None,
            },
        ).fetchone()
    if row is None:
        return None
    if counters is not None and row[0] != 2:
        # Impossible under the account lock; the database refused rather than overshoot.
        raise Conflict(_l("The earning cap changed underneath; try again."))
    account.balance, account.version, account.chain_head = (
        entry["balance_after"],
        entry["seq"],
        digest,
    )
    account.reserved += reserved_change
    return transaction_id


def close_account(resident_id: int, now: datetime) -> None:
    """Shut the account for good (its resident closed theirs); the caller holds its lock."""
    db.session.execute(
        update(PointsAccount)
        .where(PointsAccount.resident_id == resident_id)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )


def balance_of(resident_id: int) -> tuple[int, int]:
    """``(balance, reserved)`` without locking; zeros for a resident who never had points."""
    row = db.session.execute(
        select(PointsAccount.balance, PointsAccount.reserved).where(
            PointsAccount.resident_id == resident_id
        )
    ).one_or_none()
    return (row.balance, row.reserved) if row else (0, 0)
