"""The district's gift desks as rows for COPY: the catalogue, redemptions and stock.

A resident's history (``bench/district.py``) redeems at the desk as it goes; at the end each
center receives, in one delivery, what its desk handed out plus some spare.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import TYPE_CHECKING

from bench.ledger import Ids, Ledger, Out, iso

if TYPE_CHECKING:
    from bench.district import Center

GIFTS = [
    ("控盐勺", 20),
    ("控油壶", 40),
    ("腰围尺", 60),
    ("计步器", 120),
    ("血压记录本", 30),
    ("体重秤", 300),
    ("电子血压计", 500),
    ("体脂秤", 400),
    ("按摩球", 80),
    ("保温杯", 150),
]


class Desk:
    def __init__(self, rng: random.Random, ids: Ids, out: Out, since: int) -> None:
        self.rng, self.ids, self.out, self.since = rng, ids, out, since
        #: Units handed out by gift and center.
        self.handed_out: dict[tuple[int, int], int] = defaultdict(int)
        created = iso(since)
        for number, (name, cost) in enumerate(GIFTS, 1):
            out("catalog_items", number, name, None, cost, None, "t", None, None, created, created)

    def redeem(self, ledger: Ledger, center: Center, at: int) -> None:
        """A desk redemption: the dearest gift the resident can afford, if any."""
        affordable = [(cost, n) for n, (_, cost) in enumerate(GIFTS, 1) if cost <= ledger.balance]
        if not affordable:
            return
        cost, item_id = max(affordable)
        redemption_id, staff = self.ids.next("redemption"), self.rng.choice(center.desk)
        source = (
            "redemption",
            str(redemption_id),
            f"兑换{GIFTS[item_id - 1][0]}",
            center.id,
            "staff",
            staff,
        )
        txn = ledger.debit(at, "redeem", cost, source)
        self.out(
            "redemptions",
            redemption_id,
            ledger.resident_id,
            item_id,
            center.id,
            1,
            cost,
            "fulfilled",
            staff,
            txn,
            iso(at),
            None,
            None,
            iso(at),  # handed over there and then
            None,
            None,
            None,
        )
        self.out(
            "stock_movements",
            self.ids.next("movement"),
            item_id,
            center.id,
            "redeemed",
            -1,
            0,
            None,
            staff,
            redemption_id,
            iso(at),
        )
        self.handed_out[(item_id, center.id)] += 1

    def stock_rows(self, centers: list[Center], spare: int) -> None:
        """Each gift was received once per center: what was redeemed plus ``spare`` on hand."""
        for item_id in range(1, len(GIFTS) + 1):
            for center in centers:
                redeemed = self.handed_out[(item_id, center.id)]
                out, movement = self.out, self.ids.next("movement")
                out(
                    "stock_movements",
                    movement,
                    item_id,
                    center.id,
                    "received",
                    redeemed + spare,
                    0,
                    "年度采购入库",
                    center.manager,
                    None,
                    iso(self.since),
                )
                out("stock_levels", item_id, center.id, spare, 0, 10)
