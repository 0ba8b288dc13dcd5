"""Demo gifts: the catalog, stock at each center, some handed over, one waiting for pickup."""

from __future__ import annotations

import random
from datetime import datetime

from catalog import items as gifts
from catalog import reservations
from catalog import service as catalog
from catalog.models import CatalogItem
from core.auth import Principal
from core.codes import CodeKeys
from identity.models import Resident
from points import ledger
from points.expiry import PointsSettings

GIFTS = (
    ("控盐勺", 20, "2 克定量盐勺，帮您每天吃盐不超过 5 克", None),
    ("腰围尺", 30, "量一量腰围：男性不超过 90 厘米，女性不超过 85 厘米", None),
    ("限油壶", 40, "带刻度的油壶，每天用油 25 到 30 克", None),
    ("分格药盒", 50, "一周七天早中晚分格，按时服药不漏服", None),
    ("体重秤", 300, "电子体重秤，在家也能管好体重", (1, "year")),
)


def seed_catalog() -> list[CatalogItem]:
    return [
        gifts.create_item(
            {
                "name": name,
                "points_cost": cost,
                "description": description,
                "limit_quantity": limit[0] if limit else None,
                "limit_period": limit[1] if limit else None,
            }
        )
        for name, cost, description, limit in GIFTS
    ]


def seed_desk(
    rng: random.Random,
    items: list[CatalogItem],
    desk: Principal,
    residents: list[Resident],
    settings: PointsSettings,
    keys: CodeKeys,
    now: datetime,
) -> None:
    """Stock the center, hand over a few gifts, and leave one reservation open."""
    assert desk.center_id is not None
    for item in items:
        received = 5 if item.points_cost >= 300 else rng.randint(20, 40)
        gifts.move_stock(desk, item.id, desk.center_id, received, "received", "区卫健局配送", 3)
    for resident in rng.sample(residents, k=len(residents) // 3):
        balance, reserved = ledger.balance_of(resident.id)
        affordable = [item for item in items if item.points_cost <= balance - reserved]
        if affordable:
            item = max(affordable, key=lambda i: i.points_cost)
            catalog.redeem(desk, resident.id, item.id, 1, desk.center_id, now, settings.tz)
    for resident in residents:
        balance, reserved = ledger.balance_of(resident.id)
        if resident.openid and balance - reserved >= items[1].points_cost:
            reservations.reserve(
                resident.id,
                items[1].id,
                1,
                desk.center_id,
                now=now,
                days=7,
                keys=keys,
                tz=settings.tz,
            )
            return
