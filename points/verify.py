"""``flask points verify``: re-derive every balance, chain and lot, and name what disagrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_, select

from core.db import db
from identity.models import Resident
from points.chain import entry_hash
from points.merging import MERGE_SOURCE
from points.models import (
    GENESIS_HASH,
    LedgerEntry,
    LedgerTransaction,
    LotAllocation,
    PointsAccount,
    PointsHold,
    PointsLot,
)

_BATCH = 10_000


def verify() -> list[str]:
    """Every break found, one line each naming the table and row; empty when all holds."""
    accounts = {
        row.resident_id: row
        for row in db.session.execute(
            select(
                PointsAccount.resident_id,
                PointsAccount.balance,
                PointsAccount.reserved,
                PointsAccount.version,
                PointsAccount.chain_head,
            )
        )
    }
    problems = list(_check_chains(dict(accounts)))
    problems += _check_orphans()
    problems += _check_holds(accounts)
    problems += _check_lots(accounts)
    problems += _check_merges()
    return problems


def _check_chains(accounts: dict[int, Any]) -> Iterator[str]:
    t = LedgerTransaction
    rows = db.session.execute(
        select(
            LedgerEntry,
            t.resident_id.label("t_resident_id"),
            t.kind,
            t.amount,
            t.reason,
            t.source_type,
            t.source_id,
            t.center_id,
            t.actor_kind,
            t.actor_id,
            t.reverses_id,
        )
        .join(t, t.id == LedgerEntry.transaction_id)
        .order_by(LedgerEntry.resident_id, LedgerEntry.seq)
        .execution_options(yield_per=_BATCH)
    )
    resident_id: int | None = None
    seq, head, balance = 0, GENESIS_HASH, 0
    for row in rows:
        entry: LedgerEntry = row.LedgerEntry
        if entry.resident_id != resident_id:
            if resident_id is not None:
                yield from _check_account(
                    accounts.pop(resident_id, None), resident_id, seq, head, balance
                )
            resident_id, seq, head, balance = entry.resident_id, 0, GENESIS_HASH, 0
        where = f"ledger_entries id={entry.id} (resident {entry.resident_id}, seq {entry.seq})"
        if entry.seq != seq + 1:
            yield f"{where}: expected seq {seq + 1}: an entry is missing or was inserted"
        if entry.prev_hash != head:
            yield f"{where}: prev_hash does not match the previous entry's hash"
        fields = {
            c: getattr(entry, c)
            for c in (
                "resident_id",
                "seq",
                "transaction_id",
                "delta",
                "balance_after",
                "created_at",
            )
        }
        if entry_hash(entry.prev_hash, fields, row._mapping) != entry.hash:
            yield f"{where}: hash does not match its content (changed after it was written)"
        if entry.delta != row.amount or row.t_resident_id != entry.resident_id:
            yield f"{where}: does not match ledger_transactions id={entry.transaction_id}"
        balance += entry.delta
        if entry.balance_after != balance:
            yield f"{where}: balance_after {entry.balance_after}, entries sum to {balance}"
        seq, head = entry.seq, entry.hash
    if resident_id is not None:
        yield from _check_account(accounts.pop(resident_id, None), resident_id, seq, head, balance)
    for resident_id, account in accounts.items():
        yield from _check_account(account, resident_id, 0, GENESIS_HASH, 0)


def _check_account(
    account: Any, resident_id: int, seq: int, head: str, balance: int
) -> Iterator[str]:
    where = f"points_accounts resident_id={resident_id}"
    if account is None:
        yield f"{where}: missing, but the resident has ledger entries"
        return
    if account.balance != balance:
        yield f"{where}: balance {account.balance}, entries sum to {balance}"
    if account.version != seq or account.chain_head != head:
        yield f"{where}: version/chain head do not match the last entry (seq {seq})"


def _check_orphans() -> Iterator[str]:
    orphans = db.session.scalars(
        select(LedgerTransaction.id)
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.id.is_(None))
        .order_by(LedgerTransaction.id)
    )
    for transaction_id in orphans:
        yield f"ledger_transactions id={transaction_id}: has no entry (deleted or hand-made)"


def _check_holds(accounts: dict[int, Any]) -> Iterator[str]:
    held = dict(
        db.session.execute(
            select(PointsHold.resident_id, func.sum(PointsHold.amount))
            .where(PointsHold.status == "held")
            .group_by(PointsHold.resident_id)
        ).all()
    )
    for resident_id, account in accounts.items():
        if account.reserved != held.get(resident_id, 0):
            yield (
                f"points_accounts resident_id={resident_id}: reserved {account.reserved}, "
                f"open holds add up to {held.get(resident_id, 0)}"
            )


def _check_lots(accounts: dict[int, Any]) -> Iterator[str]:
    drawn = (
        select(LotAllocation.lot_id, func.sum(LotAllocation.amount).label("drawn"))
        .group_by(LotAllocation.lot_id)
        .subquery()
    )
    lots = db.session.execute(
        select(
            PointsLot.id,
            PointsLot.resident_id,
            PointsLot.amount,
            PointsLot.remaining,
            drawn.c.drawn,
        )
        .outerjoin(drawn, drawn.c.lot_id == PointsLot.id)
        .order_by(PointsLot.id)
        .execution_options(yield_per=_BATCH)
    )
    live: dict[int, int] = {}
    for lot in lots:
        if lot.remaining != lot.amount - (lot.drawn or 0):
            yield (
                f"points_lots id={lot.id}: remaining {lot.remaining}, "
                f"amount {lot.amount} less allocations {lot.drawn or 0}"
            )
        live[lot.resident_id] = live.get(lot.resident_id, 0) + lot.remaining
    for resident_id, account in accounts.items():
        if live.get(resident_id, 0) != account.balance:
            yield (
                f"points_accounts resident_id={resident_id}: balance {account.balance}, "
                f"live lots hold {live.get(resident_id, 0)}"
            )


def _check_merges() -> Iterator[str]:
    """Two records joined (points.merging): the debit that took the absorbed record's points
    is met by its credits on the record it joined, point for point, and the absorbed
    record's account holds nothing."""
    t = LedgerTransaction
    merged_into = dict(
        db.session.execute(
            select(Resident.id, Resident.merged_into_id).where(Resident.merged_into_id.is_not(None))
        ).all()
    )
    taken: dict[str, int] = {}
    arrived: dict[str, int] = {}
    moves = db.session.execute(
        select(t.id, t.resident_id, t.amount, t.source_id)
        .where(t.source_type == MERGE_SOURCE)
        .order_by(t.id)
    )
    for move in moves:
        where = f"ledger_transactions id={move.id}"
        absorbed, credit, _ = move.source_id.partition(".")
        if credit:
            arrived[absorbed] = arrived.get(absorbed, 0) + move.amount
            if move.resident_id != merged_into.get(int(absorbed)):
                yield f"{where}: merge credit on a record resident {absorbed} was not merged into"
        else:
            taken[absorbed] = taken.get(absorbed, 0) - move.amount
            if move.resident_id != int(absorbed):
                yield f"{where}: merge debit for resident {absorbed} on another resident"
    for absorbed in sorted(taken.keys() | arrived.keys(), key=int):
        if taken.get(absorbed, 0) != arrived.get(absorbed, 0):
            yield (
                f"merge of resident {absorbed}: {taken.get(absorbed, 0)} points taken, "
                f"{arrived.get(absorbed, 0)} arrived"
            )
    left = db.session.execute(
        select(PointsAccount.resident_id, PointsAccount.balance, PointsAccount.reserved)
        .join(Resident, Resident.id == PointsAccount.resident_id)
        .where(
            Resident.merged_into_id.is_not(None),
            or_(PointsAccount.balance != 0, PointsAccount.reserved != 0),
        )
        .order_by(PointsAccount.resident_id)
    )
    for row in left:
        yield (
            f"points_accounts resident_id={row.resident_id}: merged into another record, "
            f"yet balance {row.balance}, reserved {row.reserved}"
        )
