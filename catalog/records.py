"""Who redeemed what, when, and who handed it over: lists and the CSV export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update

from catalog.models import CatalogItem, Redemption
from core.api import decode_cursor, page
from core.auth import Principal
from core.csvfiles import csv_text
from core.db import db
from core.localtime import day_start
from identity.audit import record_audit
from identity.models import Center, Resident, Staff, mask_name, mask_phone
from points.history import SourceTitle

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
        stmt = stmt.where(Redemption.created_at >= day_start(filters["from"], tz))
    if filters.get("to"):
        stmt = stmt.where(Redemption.created_at < day_start(filters["to"] + timedelta(days=1), tz))
    return stmt


def redemption_page(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """A page of redemptions, newest first, each with its gift, center and handing staff."""
    return _page(_query(actor, filters, tz), filters["limit"], filters.get("cursor"))


def open_reservations(
    resident_id: int, center_id: int, now: datetime, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A resident's reservations waiting at a center (not lapsed), newest first."""
    stmt = select(Redemption).where(
        Redemption.resident_id == resident_id,
        Redemption.center_id == center_id,
        Redemption.status == "reserved",
        Redemption.expires_at > now,
    )
    return _page(stmt, limit, cursor)


def _page(stmt: Select[Any], limit: int, cursor: str | None) -> dict[str, Any]:
    stmt = _named(stmt).order_by(Redemption.id.desc())
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Redemption.id < last_id)
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.Redemption.id,))
    result["items"] = [_record(row) for row in result["items"]]
    return result


def _named(stmt: Select[Any]) -> Select[Any]:
    """Add which gift it was, where, and who handed it over (null while reserved)."""
    return (
        stmt.add_columns(
            CatalogItem.name.label("item_name"),
            CatalogItem.image_path,
            Center.name.label("center_name"),
            Staff.name.label("staff_name"),
        )
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .join(Center, Center.id == Redemption.center_id)
        .outerjoin(Staff, Staff.id == Redemption.staff_id)
    )


def _record(row: Any) -> dict[str, Any]:
    redemption = row.Redemption
    return {
        **_columns(redemption),
        "item": {"id": redemption.item_id, "name": row.item_name, "image_path": row.image_path},
        "center": {"id": redemption.center_id, "name": row.center_name},
        "item_name": row.item_name,
        "staff_name": row.staff_name,
    }


def _columns(redemption: Redemption) -> dict[str, Any]:
    return {
        column.key: getattr(redemption, column.key)
        for column in Redemption.__table__.c
        if column.key != "pickup_code_hash"  # the code is shown to the resident once, never again
    }


def export_redemptions(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> str:
    """The records for Excel; phones masked (a record of gifts, not a call list). Audited."""
    record_audit(actor, "redemptions.export", None, str(filters["center_id"]))
    stmt = (
        _named(_query(actor, filters, tz))
        .add_columns(Resident.name, Resident.phone)
        .join(Resident, Resident.id == Redemption.resident_id)
        .order_by(Redemption.id)
    )
    return csv_text(
        ["兑换编号", "时间", "居民编号", "姓名", "电话", "礼品", "数量", "积分", "状态", "经办人"],
        (
            [
                row.Redemption.id,
                row.Redemption.created_at,
                row.Redemption.resident_id,
                row.name,
                mask_phone(row.phone),
                row.item_name,
                row.Redemption.quantity,
                row.Redemption.points_spent,
                STATUS_NAMES[row.Redemption.status],
                row.staff_name,
            ]
            for row in db.session.execute(stmt)
        ),
        tz=tz,
    )


def repoint_resident(from_id: int, to_id: int) -> None:
    """Two records of one person joined (merging.service): the gifts are the survivor's, and
    so count against the person's limits; reservations waiting for pickup move too (their
    held points moved with them, ``points.merging``), and their pickup codes still work."""
    db.session.execute(
        update(Redemption)
        .where(Redemption.resident_id == from_id)
        .values(resident_id=to_id)
        .execution_options(synchronize_session=False)
    )


def masked_resident(resident: Resident) -> dict[str, Any]:
    """Who the desk is serving, as much as it takes to confirm it: name and phone masked."""
    return {
        "id": resident.id,
        "name_masked": mask_name(resident.name),
        "phone_masked": mask_phone(resident.phone),
    }


def described(redemption: Redemption) -> dict[str, Any]:
    """One redemption with its gift and center, as every redemption response shows it."""
    item = db.session.get(CatalogItem, redemption.item_id)
    center = db.session.get(Center, redemption.center_id)
    assert item is not None and center is not None  # foreign keys
    return {
        **_columns(redemption),
        "item": {"id": item.id, "name": item.name, "image_path": item.image_path},
        "center": {"id": center.id, "name": center.name},
    }


def for_pickup(reservation: Redemption) -> dict[str, Any]:
    """A reservation as the desk checks it before handing over: whose, and which gift."""
    resident = db.session.get(Resident, reservation.resident_id)
    assert resident is not None  # a foreign key
    return {**described(reservation), "resident": masked_resident(resident)}


def gift_titles(redemption_ids: Collection[str]) -> dict[str, SourceTitle]:
    """How ledgers name redemptions (desk, pickup, refund): the gift, in one query."""
    rows = db.session.execute(
        select(Redemption.id, CatalogItem.id, CatalogItem.name)
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .where(Redemption.id.in_([int(i) for i in redemption_ids if i.isdecimal()]))
    )
    return {
        str(redemption_id): SourceTitle(title=name, event_id=None, item_id=item_id)
        for redemption_id, item_id, name in rows
    }
