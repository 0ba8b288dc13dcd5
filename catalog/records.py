"""Who redeemed what, when, and who handed it over: lists and the CSV export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from catalog.models import CatalogItem, Redemption
from core.api import decode_cursor, page
from core.csvfiles import csv_text
from core.db import db
from identity.models import Resident, mask_phone
from identity.tokens import Principal

STATUS_NAMES = {
    "fulfilled": "已领取",
    "reserved": "待领取",
    "cancelled": "已取消",
    "expired": "已过期",
}


def _query(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> Select[Any]:
    stmt = select(Redemption)
    if actor.kind == "resident":
        stmt = stmt.where(Redemption.resident_id == actor.id)
    else:
        center_id = filters.get("center_id") if actor.is_district_wide else actor.center_id
        if center_id is not None:
            stmt = stmt.where(Redemption.center_id == center_id)
    if filters.get("status"):
        stmt = stmt.where(Redemption.status == filters["status"])
    if filters.get("from"):
        stmt = stmt.where(Redemption.created_at >= _start(filters["from"], tz))
    if filters.get("to"):
        stmt = stmt.where(Redemption.created_at < _start(filters["to"] + timedelta(days=1), tz))
    return stmt


def _start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def redemption_page(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    stmt = _query(actor, filters, tz).order_by(Redemption.id.desc())
    if filters.get("cursor"):
        (last_id,) = decode_cursor(filters["cursor"], (int,))
        stmt = stmt.where(Redemption.id < last_id)
    rows = list(db.session.scalars(stmt.limit(filters["limit"] + 1)))
    return page(rows, filters["limit"], key=lambda r: (r.id,))


def redemptions_csv(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> str:
    stmt = (
        _query(actor, filters, tz)
        .add_columns(CatalogItem.name.label("item"), Resident.name, Resident.phone)
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .join(Resident, Resident.id == Redemption.resident_id)
        .order_by(Redemption.id)
    )
    return csv_text(
        ["兑换编号", "时间", "居民编号", "姓名", "电话", "礼品", "数量", "积分", "状态", "经办人"],
        (
            [
                row.Redemption.id,
                row.Redemption.created_at.astimezone(tz).isoformat(timespec="minutes"),
                row.Redemption.resident_id,
                row.name,
                mask_phone(row.phone),
                row.item,
                row.Redemption.quantity,
                row.Redemption.points_spent,
                STATUS_NAMES[row.Redemption.status],
                row.Redemption.staff_id,
            ]
            for row in db.session.execute(stmt)
        ),
    )
