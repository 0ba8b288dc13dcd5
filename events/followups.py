"""Scheduled follow-ups (随访) and the list of overdue ones staff phone (逾期未随访).

Condition names live here for staff only; a follow-up's check-in, code and ledger entry
never name one.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.api import decode_cursor, page
from core.auth import Principal
from core.csvfiles import csv_text
from core.db import db
from core.errors import BadRequest, ValidationFailed
from core.i18n import _l
from core.keyset import Run, runs_page
from events.models import FollowUp
from identity.audit import record_audit, resident_for_staff
from identity.models import (
    CONDITIONS,
    HEALTH_CONDITIONS_CONSENT,
    ConsentRequired,
    Resident,
    active_consent,
    mask_phone,
    named_centers,
)


def schedule(actor: Principal, resident_id: int, condition: str, due_on: date) -> FollowUp:
    """Schedule a follow-up for a resident of the actor's center, under their consent."""
    resident = resident_for_staff(actor, resident_id)
    if condition not in CONDITIONS:
        raise ValidationFailed(
            errors={"condition": [_l("One of %(choices)s.", choices=", ".join(CONDITIONS))]}
        )
    if active_consent(resident.id, HEALTH_CONDITIONS_CONSENT) is None:
        raise ConsentRequired(_l("The resident has not consented to condition records."))
    followup = FollowUp(
        resident_id=resident.id,
        center_id=resident.center_id,
        condition=condition,
        due_on=due_on,
        created_by_id=actor.id,
    )
    db.session.add(followup)
    db.session.flush()
    return followup


#: A follow-up is ``open`` until its day has passed (``overdue``), or ``done`` by attending.
STATUSES = ("open", "overdue", "done")


def status_of(followup: FollowUp, today: date) -> str:
    if followup.done_at is not None:
        return "done"
    return "overdue" if followup.due_on < today else "open"


def _query(actor: Principal, center_id: int | None, status: str | None, today: date) -> Any:
    stmt = select(FollowUp, Resident.name, Resident.phone).join(
        Resident, Resident.id == FollowUp.resident_id
    )
    center_id = center_id if actor.is_district_wide else actor.center_id
    if center_id is not None:
        stmt = stmt.where(FollowUp.center_id == center_id)
    if status == "done":
        stmt = stmt.where(FollowUp.done_at.is_not(None))
    elif status == "overdue":
        stmt = stmt.where(FollowUp.done_at.is_(None), FollowUp.due_on < today)
    elif status == "open":
        stmt = stmt.where(FollowUp.done_at.is_(None), FollowUp.due_on >= today)
    return stmt


def followup_page(
    actor: Principal,
    center_id: int | None,
    status: str | None,
    today: date,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Follow-ups by due date, oldest first: the overdue ones are the phone list."""
    stmt = _query(actor, center_id, status, today).order_by(FollowUp.due_on, FollowUp.id)
    if cursor:
        due_on, last_id = decode_cursor(cursor, (str, int))
        try:
            due = date.fromisoformat(due_on)
        except ValueError:
            raise BadRequest(_l("The cursor is not one this API handed out.")) from None
        stmt = stmt.where(
            (FollowUp.due_on > due) | ((FollowUp.due_on == due) & (FollowUp.id > last_id))
        )
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.FollowUp.due_on.isoformat(), row.FollowUp.id))
    result["items"] = [_row(row, today) for row in result["items"]]
    record_audit(actor, "followup.list", None, f"status={status or 'all'}")
    return result


def my_followups(resident_id: int, today: date, limit: int, cursor: str | None) -> dict[str, Any]:
    """A resident's own follow-ups: those still to do by due date (the soonest, overdue ones
    included, first), then the done ones, latest due first. Never the condition."""
    runs = (
        Run("to_do", FollowUp.done_at.is_(None), FollowUp.due_on),
        Run("done", FollowUp.done_at.is_not(None), FollowUp.due_on, descending=True),
    )
    result = runs_page(
        select(FollowUp).where(FollowUp.resident_id == resident_id),
        runs,
        FollowUp.id,
        limit,
        cursor,
        key=lambda followup: (followup.due_on, followup.id),
        parse=date.fromisoformat,
    )
    centers = named_centers(followup.center_id for followup in result["items"])
    result["items"] = [
        {
            "id": followup.id,
            "due_on": followup.due_on,
            "status": status_of(followup, today),
            "done_at": followup.done_at,
            "center": centers[followup.center_id],
        }
        for followup in result["items"]
    ]
    return result


def describe(followup: FollowUp, today: date) -> dict[str, Any]:
    resident = db.session.get(Resident, followup.resident_id)
    return _described(followup, resident.name, resident.phone, today)  # type: ignore[union-attr]


def _row(row: Any, today: date) -> dict[str, Any]:
    return _described(row.FollowUp, row.name, row.phone, today)


def _described(
    followup: FollowUp, name: str | None, phone: str | None, today: date
) -> dict[str, Any]:
    return {
        "id": followup.id,
        "resident_id": followup.resident_id,
        "name": name,
        "phone_masked": mask_phone(phone),
        "center_id": followup.center_id,
        "condition": followup.condition,
        "due_on": followup.due_on,
        "done_at": followup.done_at,
        "status": status_of(followup, today),
    }


def overdue_csv(actor: Principal, center_id: int | None, today: date, tz: ZoneInfo) -> str:
    """The overdue list for the phone, as CSV with a BOM so Excel reads the Chinese right.

    Staff phone these residents, so the full number is in it; the export is audited.
    """
    stmt = _query(actor, center_id, "overdue", today).order_by(FollowUp.due_on, FollowUp.id)
    rows = db.session.execute(stmt).all()
    for row in rows:
        record_audit(actor, "followup.export", row.FollowUp.resident_id, "overdue csv")
    return csv_text(
        ["随访编号", "居民编号", "姓名", "电话", "随访类别", "应随访日期", "逾期天数"],
        (
            [
                row.FollowUp.id,
                row.FollowUp.resident_id,
                row.name,
                row.phone,
                CONDITIONS[row.FollowUp.condition],
                row.FollowUp.due_on,
                (today - row.FollowUp.due_on).days,
            ]
            for row in rows
        ),
        tz=tz,
    )
