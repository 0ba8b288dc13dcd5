"""A resident's ledger as they read it: newest first, each entry saying why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.api import decode_cursor, page
from core.db import db
from points.models import LedgerEntry, LedgerTransaction


def ledger_page(resident_id: int, limit: int, cursor: str | None) -> dict[str, Any]:
    t = LedgerTransaction
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
        )
        .join(t, t.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.resident_id == resident_id)
        .order_by(LedgerEntry.seq.desc())
        .limit(limit + 1)
    )
    if cursor:
        (last_seq,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(LedgerEntry.seq < last_seq)
    rows = db.session.execute(stmt).all()
    result = page(rows, limit, key=lambda row: (row.seq,))
    result["items"] = [
        {
            "id": row.id,
            "delta": row.delta,
            "kind": row.kind,
            "reason": row.reason,
            "balance_after": row.balance_after,
            "created_at": row.created_at,
            "source": {"type": row.source_type, "id": row.source_id, "center_id": row.center_id},
        }
        for row in result["items"]
    ]
    return result
