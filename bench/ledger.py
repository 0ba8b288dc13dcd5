"""One resident's points account as the app would have written it, and the clock it runs on.

Entries are chained with the app's own ``points.chain.entry_hash``, lots are drawn soonest
expiry first and the January expiry job writes one ``expire`` per due lot, as
``points.service`` and ``points.expiry`` do, so ``flask points verify`` accepts the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from points.chain import entry_hash
from points.models import GENESIS_HASH

#: ``Asia/Shanghai`` (the app's default TIMEZONE) has had no DST since 1991: a fixed offset.
LOCAL = 8 * 3600
DAY, YEAR = 86400, 365 * 86400
EXPIRY_REASON = "积分到期清零"

Out = Callable[..., None]


@dataclass
class Ids:
    """The next id of every table, handed out in the order rows are generated."""

    checkin: int = 0
    scan: int = 0
    txn: int = 0
    entry: int = 0
    lot: int = 0
    alloc: int = 0
    redemption: int = 0
    movement: int = 0
    consent: int = 0
    followup: int = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds")


def month_of(seconds: int) -> int:
    local = datetime.fromtimestamp(seconds + LOCAL, UTC)
    return local.year * 12 + local.month - 1


def year_of(seconds: int) -> int:
    return datetime.fromtimestamp(seconds + LOCAL, UTC).year


def new_year(year: int) -> int:
    """Local midnight of January 1 as UTC epoch seconds."""
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) - LOCAL


class Ledger:
    """One resident's account: chained entries, lots drawn first-expiring-first, balance."""

    def __init__(self, ids: Ids, out: Out, resident_id: int) -> None:
        self.ids, self.out, self.resident_id = ids, out, resident_id
        self.balance, self.seq, self.head, self.last = 0, 0, GENESIS_HASH, 0
        #: Live lots, soonest expiry first (credits come in time order):
        #: ``[id, transaction, amount, remaining, expires]``.
        self.lots: list[list[int]] = []
        self.spent: list[list[int]] = []

    def _record(self, at: int, kind: str, amount: int, source: tuple) -> int:
        source_type, source_id, reason, center_id, actor_kind, actor_id = source
        ids, out = self.ids, self.out
        txn_id, created = ids.next("txn"), datetime.fromtimestamp(at, UTC)
        transaction = {
            "kind": kind,
            "amount": amount,
            "reason": reason,
            "source_type": source_type,
            "source_id": source_id,
            "center_id": center_id,
            "actor_kind": actor_kind,
            "actor_id": actor_id,
            "reverses_id": None,
        }
        self.balance += amount
        self.seq += 1
        entry = {
            "resident_id": self.resident_id,
            "seq": self.seq,
            "transaction_id": txn_id,
            "delta": amount,
            "balance_after": self.balance,
            "created_at": created,
        }
        digest = entry_hash(self.head, entry, transaction)
        stamp = created.isoformat()
        out(
            "ledger_transactions",
            txn_id,
            self.resident_id,
            kind,
            amount,
            reason,
            source_type,
            source_id,
            center_id,
            actor_kind,
            actor_id,
            None,
            stamp,
        )
        out(
            "ledger_entries",
            ids.next("entry"),
            txn_id,
            self.resident_id,
            self.seq,
            amount,
            self.balance,
            self.head,
            digest,
            stamp,
        )
        self.head, self.last = digest, at
        return txn_id

    def credit(self, at: int, kind: str, amount: int, source: tuple) -> None:
        txn = self._record(at, kind, amount, source)
        expires = new_year(year_of(at) + 2)
        self.lots.append([self.ids.next("lot"), txn, amount, amount, expires])

    def debit(self, at: int, kind: str, amount: int, source: tuple) -> int:
        txn = self._record(at, kind, -amount, source)
        while amount:
            lot = self.lots[0]
            take = min(lot[3], amount)
            lot[3] -= take
            amount -= take
            self.out("lot_allocations", self.ids.next("alloc"), lot[0], txn, take)
            if lot[3] == 0:
                self.spent.append(self.lots.pop(0))
        return txn

    def expire(self, at: int, due: int) -> None:
        """The daily job on January 1: one ``expire`` transaction per lot that is due."""
        while self.lots and self.lots[0][4] <= due:
            lot_id, left = self.lots[0][0], self.lots[0][3]
            self.debit(
                at, "expire", left, ("lot", f"{lot_id}.1", EXPIRY_REASON, None, "system", None)
            )

    def close(self) -> None:
        out = self.out
        for lot_id, txn, amount, left, expires in self.spent + self.lots:
            out("points_lots", lot_id, self.resident_id, txn, amount, left, iso(expires))
        if self.seq:
            out(
                "points_accounts",
                self.resident_id,
                self.balance,
                0,
                self.seq,
                self.head,
                iso(self.last),
            )
