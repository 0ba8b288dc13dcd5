"""Scheduled follow-ups (随访), the list of overdue ones staff phone (逾期未随访), and the
calls they make: each call's outcome is recorded, and a new day agreed reschedules the
follow-up, so an overdue one leaves the list with a record of why.

Condition names live here for staff only; a follow-up's check-in, code and ledger entry
never name one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on

from core.api import decode_cursor, page
from core.auth import Principal
from core.csvfiles import csv_text
from core.db import db
from core.errors import BadRequest, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from core.keyset import Run, runs_page
from events.models import CALL_OUTCOMES, FollowUp, FollowUpCall
from identity.audit import record_audit, resident_for_staff
from identity.models import (
    CONDITIONS,
    HEALTH_CONDITIONS_CONSENT,
    ConsentRequired,
    Resident,
    Staff,
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


class FollowUpDone(DomainError):
    status, code, title = 409, "followup_done", _l("This follow-up is done")


def _query(
    actor: Principal,
    center_id: int | None,
    status: str | None,
    today: date,
    due: tuple[date | None, date | None] = (None, None),
) -> Any:
    stmt = select(FollowUp, Resident.name, Resident.phone).join(
        Resident, Resident.id == FollowUp.resident_id
    )
    center_id = center_id if actor.is_district_wide else actor.center_id
    if center_id is not None:
        stmt = stmt.where(FollowUp.center_id == center_id)
    due_from, due_to = due
    if due_from is not None:
        stmt = stmt.where(FollowUp.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(FollowUp.due_on <= due_to)
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
    due: tuple[date | None, date | None] = (None, None),
) -> dict[str, Any]:
    """Follow-ups by due date, oldest first, each with its last call: the overdue ones are
    the phone list. ``due``: the first and last due day to list (either may be open)."""
    stmt = _query(actor, center_id, status, today, due).order_by(FollowUp.due_on, FollowUp.id)
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
    calls = last_calls(row.FollowUp.id for row in result["items"])
    result["items"] = [
        {**_row(row, today), "last_call": calls.get(row.FollowUp.id)} for row in result["items"]
    ]
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
    """A follow-up as the staff's list shows it, its last call included."""
    resident = db.session.get(Resident, followup.resident_id)
    described = _described(followup, resident.name, resident.phone, today)  # type: ignore[union-attr]
    return {**described, "last_call": last_calls([followup.id]).get(followup.id)}


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


def followup_for_staff(actor: Principal, followup_id: int, *, lock: bool = False) -> FollowUp:
    """A follow-up of the actor's center (any, district-wide), or 404: another center's do
    not exist to its staff. ``lock``: held until the request ends, so two calls recorded at
    once reschedule one after the other."""
    stmt = select(FollowUp).where(FollowUp.id == followup_id)
    followup = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if followup is None or not actor.can_access_center(followup.center_id):
        raise NotFound(_l("No such follow-up."))
    return followup


def phone_for_call(actor: Principal, followup_id: int) -> dict[str, Any]:
    """The resident's full number, for staff to phone about the follow-up: shown only when
    asked for, and each time recorded in the audit trail."""
    followup = followup_for_staff(actor, followup_id)
    resident = db.session.get(Resident, followup.resident_id)
    assert resident is not None  # a foreign key
    record_audit(actor, "followup.phone", resident.id, f"followup {followup.id}")
    return {"followup_id": followup.id, "name": resident.name, "phone": resident.phone}


def record_call(
    actor: Principal,
    followup_id: int,
    outcome: str,
    note: str | None,
    new_due_on: date | None,
    today: date,
) -> FollowUpCall:
    """Record what came of phoning the resident; a new day agreed reschedules the
    follow-up (:func:`reschedule`), the day it had is kept on the call."""
    if outcome not in CALL_OUTCOMES:
        raise ValidationFailed(
            errors={"outcome": [_l("One of %(choices)s.", choices=", ".join(CALL_OUTCOMES))]}
        )
    followup = followup_for_staff(actor, followup_id, lock=True)
    call = FollowUpCall(
        followup_id=followup.id,
        staff_id=actor.id,
        outcome=outcome,
        note=note,
        due_on_before=followup.due_on,
        new_due_on=new_due_on,
    )
    if new_due_on is not None:
        reschedule(followup, new_due_on, today)
    db.session.add(call)
    record_audit(actor, "followup.call", followup.resident_id, f"followup {followup.id}: {outcome}")
    db.session.flush()
    return call


def reschedule(followup: FollowUp, due_on: date, today: date) -> None:
    """Move a follow-up not yet done to a day from today on."""
    if followup.done_at is not None:
        raise FollowUpDone(_l("The resident attended already; there is nothing to reschedule."))
    if due_on < today:
        raise ValidationFailed(
            _l("A new due date cannot be in the past."),
            errors={"new_due_on": [_l("Give today or a later day.")]},
        )
    followup.due_on = due_on


def calls_page(
    actor: Principal, followup_id: int, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A follow-up's calls, the latest first, each with who made it. The notes speak of a
    resident's health: reading them is audited."""
    followup = followup_for_staff(actor, followup_id)
    stmt = _calls().where(FollowUpCall.followup_id == followup.id).order_by(FollowUpCall.id.desc())
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(FollowUpCall.id < last_id)
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    result = page(rows, limit, key=lambda row: (row.FollowUpCall.id,))
    result["items"] = [_call(row) for row in result["items"]]
    record_audit(actor, "followup.calls.read", followup.resident_id, f"followup {followup.id}")
    return result


def described_call(call: FollowUpCall) -> dict[str, Any]:
    row = db.session.execute(_calls().where(FollowUpCall.id == call.id)).one()
    return _call(row)


def last_calls(followup_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each follow-up's latest call (those never called are left out), in one query."""
    stmt = (
        _calls()
        .where(FollowUpCall.followup_id.in_(list(followup_ids)))
        .order_by(FollowUpCall.followup_id, FollowUpCall.id.desc())
        .ext(distinct_on(FollowUpCall.followup_id))
    )
    return {row.FollowUpCall.followup_id: _call(row) for row in db.session.execute(stmt)}


def _calls() -> Any:
    return select(FollowUpCall, Staff.name.label("staff_name")).join(
        Staff, Staff.id == FollowUpCall.staff_id
    )


def _call(row: Any) -> dict[str, Any]:
    call = row.FollowUpCall
    return {
        "id": call.id,
        "followup_id": call.followup_id,
        "called_at": call.called_at,
        "staff_id": call.staff_id,
        "staff_name": row.staff_name,
        "outcome": call.outcome,
        "note": call.note,
        "due_on_before": call.due_on_before,
        "new_due_on": call.new_due_on,
    }
