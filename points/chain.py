"""The hash chain over each resident's ledger entries (tamper evidence).

An entry's hash covers the previous entry's hash and the entry's and its transaction's
content, so changing, removing or inserting a row breaks every hash after it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any


def entry_hash(prev_hash: str, entry: dict[str, Any], transaction: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical content (its transaction's too)."""
    created_at: datetime = entry["created_at"]
    canonical = "|".join(
        str(part)
        for part in (
            prev_hash,
            entry["resident_id"],
            entry["seq"],
            entry["transaction_id"],
            entry["delta"],
            entry["balance_after"],
            created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            transaction["kind"],
            transaction["amount"],
            transaction["reason"],
            transaction["source_type"],
            transaction["source_id"],
            transaction["center_id"],
            transaction["actor_kind"],
            transaction["actor_id"],
            transaction["reverses_id"],
        )
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
