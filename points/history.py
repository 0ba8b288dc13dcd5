"""A resident's ledger as they read it: newest first, each entry saying why and what for.

An entry's source names what earned or bought the points (the event's title, the gift's
name), looked up when the page is read rather than written into the entry: the ledger
stays free of titles that may name a condition, and a page costs one query per kind of
source on it. The packages that move points say how to name their sources
(:func:`describe_sources`), since the ledger cannot import them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypedDict

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from core.api import decode_cursor, page
from core.db import db
from points.models import LedgerEntry, LedgerTransaction


class SourceTitle(TypedDict):
    """What a source is, for a screen: its title and the ids to open it."""

    title: str | None
    event_id: int | None
    item_id: int | None


#: A source nobody names: an adjustment, an expiry.
UNTITLED = SourceTitle(title=None, event_id=None, item_id=None)


#: Names the sources of one type: their ids (as the ledger stores them) -> title and ids.
Describer = Callable[[Collection[str]], Mapping[str, SourceTitle]]

_describers: dict[str, Describer] = {}


def describe_sources(source_type: str, describer: Describer) -> None:
    """Say how the sources of ``source_type`` are named in ledgers (once, at start-up)."""
    _describers[source_type] = describer


def ledger_page(resident_id: int, limit: int, cursor: str | None) -> dict[str, Any]:
    t = LedgerTransaction
    #: What a reversal (a refund, an annulled check-in's points) undid: it is named after that.
    undone = aliased(LedgerTransaction)
    stmt = (
        select(
            LedgerEntry.id,
            LedgerEntry.seq,
            LedgerEntry.delta,
            LedgerEntry.balance_after,
            LedgerEntry.created_at,
            t.kind,
            t.reason,
            t.source_type,
            t.source_id,
            t.center_id,
            func.coalesce(undone.source_type, t.source_type).label("named_type"),
            case((undone.id.is_(None), t.source_id), else_=undone.source_id).label("named_id"),
        )
        .join(t, t.id == LedgerEntry.transaction_id)
        .outerjoin(undone, undone.id == t.reverses_id)
        .where(LedgerEntry.resident_id == resident_id)
        .order_by(LedgerEntry.seq.desc())
        .limit(limit + 1)
    )
    if cursor:
        (last_seq,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(LedgerEntry.seq < last_seq)
    rows = db.session.execute(stmt).all()
    result = page(rows, limit, key=lambda row: (row.seq,))
    titles = _titles(result["items"])
    result["items"] = [
        {
            "id": row.id,
            "delta": row.delta,
            "kind": row.kind,
            "reason": row.reason,
            "balance_after": row.balance_after,
            "created_at": row.created_at,
            "source": {
                "type": row.source_type,
                "id": row.source_id,
                "center_id": row.center_id,
                **titles.get((row.named_type, row.named_id), UNTITLED),
            },
        }
        for row in result["items"]
    ]
    return result


def _titles(rows: list[Any]) -> dict[tuple[str, str], SourceTitle]:
    """The titles of the page's sources: one query per type of source on it."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.named_type in _describers and row.named_id is not None:
            wanted[row.named_type].add(row.named_id)
    return {
        (source_type, source_id): title
        for source_type, ids in wanted.items()
        for source_id, title in _describers[source_type](ids).items()
    }


def earned_by(source_type: str, source_ids: Collection[str]) -> dict[str, int]:
    """The points each source earned (ids as the ledger stores them), in one query; a source
    that earned nothing (a cap left none) is absent. A later reversal does not change it."""
    if not source_ids:
        return {}
    rows = db.session.execute(
        select(LedgerTransaction.source_id, LedgerTransaction.amount).where(
            LedgerTransaction.source_type == source_type,
            LedgerTransaction.source_id.in_(source_ids),
            LedgerTransaction.kind == "earn",
        )
    )
    return {str(source_id): amount for source_id, amount in rows}


def lifetime_earned(resident_id: int) -> int:
    """Points the resident has earned, ever: credits of kind ``earn`` less those reversed.
    Spending, expiry and corrections leave it alone (a level is never lost by redeeming)."""
    return int(db.session.scalar(lifetime_earned_query(resident_id)) or 0)


def lifetime_earned_query(resident_id: int) -> Select[tuple[int]]:
    """:func:`lifetime_earned` as a query, for a caller that reads it along with more."""
    original = aliased(LedgerTransaction)
    earned_or_undone = (LedgerTransaction.kind == "earn") | (original.kind == "earn")
    return (
        select(func.coalesce(func.sum(LedgerEntry.delta), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(original, original.id == LedgerTransaction.reverses_id)
        .where(LedgerEntry.resident_id == resident_id, earned_or_undone)
    )
