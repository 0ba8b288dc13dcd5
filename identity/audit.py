"""The personal-data audit trail, and the ways staff reach one resident.

Every read or change of a resident's personal data by staff leaves an :class:`AuditEvent`
(identity.models); other packages record theirs with :func:`record_audit` too. Staff reach a
resident by id only through :func:`resident_for_staff`, which scopes and records the read.
Admins read the trail back with :func:`audit_page` and :func:`export_audit`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from core.api import decode_cursor, page
from core.auth import Principal
from core.codes import CodeKeys
from core.csvfiles import csv_text
from core.db import db
from core.errors import NotFound
from core.i18n import _l
from core.localtime import day_start
from identity import card_codes, member_codes
from identity.models import AuditEvent, Resident, Staff

#: Who acted, as the CSV export names them.
ACTOR_KINDS = {"staff": "工作人员", "resident": "居民", "system": "系统"}


def record_audit(
    actor: Principal | None,
    action: str,
    resident_id: int | None,
    detail: str | None = None,
    *,
    staff_id: int | None = None,
) -> None:
    db.session.add(
        AuditEvent(
            actor_kind=actor.kind if actor else "system",
            actor_id=actor.id if actor else None,
            action=action,
            resident_id=resident_id,
            staff_id=staff_id,
            detail=detail,
        )
    )


def resident_for_staff(actor: Principal, resident_id: int) -> Resident:
    """A resident the actor may see, or 404 (another center's residents, and closed accounts,
    do not exist to them)."""
    resident = db.session.get(Resident, resident_id)
    if (
        resident is None
        or resident.closed_at is not None
        or not actor.can_access_center(resident.center_id)
    ):
        raise NotFound(_l("No such resident."))
    record_audit(actor, "resident.read", resident.id)
    return resident


def resident_at_desk(
    actor: Principal,
    member_code: str | None,
    resident_id: int | None,
    keys: CodeKeys,
    now: datetime,
) -> Resident:
    """The resident the desk names: by the member code they show there, from their phone or
    their printed member card (any center serves a resident who shows theirs; the read is
    recorded all the same), else by id after a search (:func:`resident_for_staff`). The
    desk's schemas send exactly one of the two."""
    if member_code is not None:
        if card_codes.is_card_code(member_code):
            resident, card = card_codes.resident_of(member_code)
            record_audit(actor, "resident.read", resident.id, f"member card …{card.last_chars}")
            return resident
        resident = member_codes.resident_of(member_code, keys, now)
        record_audit(actor, "resident.read", resident.id, "member code")
        return resident
    if resident_id is None:
        raise ValueError("the desk names a resident by member code or by id")
    return resident_for_staff(actor, resident_id)


# -- reading the trail back (admin) ------------------------------------------------------------

_Actor, _Target = aliased(Staff), aliased(Staff)


def _events(filters: dict[str, Any], tz: ZoneInfo) -> Select[Any]:
    """The events ``filters`` select (``actor_id``, ``resident_id``, ``action`` or its start,
    ``from``/``to`` district days), each with the names of the staff who acted and of the
    account changed."""
    stmt = (
        select(AuditEvent, _Actor.name.label("actor_name"), _Target.name.label("staff_name"))
        .outerjoin(_Actor, (AuditEvent.actor_kind == "staff") & (_Actor.id == AuditEvent.actor_id))
        .outerjoin(_Target, _Target.id == AuditEvent.staff_id)
    )
    if filters.get("actor_id") is not None:
        stmt = stmt.where(
            AuditEvent.actor_kind == "staff", AuditEvent.actor_id == filters["actor_id"]
        )
    if filters.get("resident_id") is not None:
        stmt = stmt.where(AuditEvent.resident_id == filters["resident_id"])
    if filters.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(filters["action"], autoescape=True))
    if filters.get("from"):
        stmt = stmt.where(AuditEvent.at >= day_start(filters["from"], tz))
    if filters.get("to"):
        stmt = stmt.where(AuditEvent.at < day_start(filters["to"] + timedelta(days=1), tz))
    return stmt.order_by(AuditEvent.id.desc())


def audit_page(
    filters: dict[str, Any], limit: int, cursor: str | None, tz: ZoneInfo
) -> dict[str, Any]:
    """A page of the trail, newest first (by id: the order events were recorded in)."""
    stmt = _events(filters, tz)
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(AuditEvent.id < last_id)
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.AuditEvent.id,))
    result["items"] = [_line(row) for row in result["items"]]
    return result


def export_audit(actor: Principal, filters: dict[str, Any], tz: ZoneInfo) -> str:
    """Every event ``filters`` select, newest first, for Excel. The export is itself recorded:
    a copy of who looked at whom has left the system."""
    chosen = "; ".join(
        f"{name}={filters[name]}"
        for name in ("actor_id", "resident_id", "action", "from", "to")
        if filters.get(name) is not None
    )
    record_audit(actor, "audit.export", None, chosen[:255] or None)
    return csv_text(
        [
            "编号",
            "时间",
            "操作者类型",
            "操作者编号",
            "操作者",
            "操作",
            "居民编号",
            "被改账号",
            "详情",
        ],
        (
            [
                line["id"],
                line["at"],
                ACTOR_KINDS.get(line["actor_kind"], line["actor_kind"]),
                line["actor_id"],
                (line["actor"] or {}).get("name"),
                line["action"],
                line["resident_id"],
                (line["staff"] or {}).get("name"),
                line["detail"],
            ]
            for line in map(_line, db.session.execute(_events(filters, tz)))
        ),
        tz=tz,
    )


def _line(row: Any) -> dict[str, Any]:
    event: AuditEvent = row.AuditEvent
    return {
        "id": event.id,
        "at": event.at,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor": None if row.actor_name is None else {"id": event.actor_id, "name": row.actor_name},
        "action": event.action,
        "resident_id": event.resident_id,
        "staff": None if event.staff_id is None else {"id": event.staff_id, "name": row.staff_name},
        "detail": event.detail,
    }
