"""The desk's call list: the due reminders of residents without WeChat (channel ``call``),
phoned by staff instead of sent. A call's outcome is recorded as the follow-up list records
its calls: reached or refused settles the reminder (``called``); no answer leaves it on the
list, to try again, until its moment passes. A call about a follow-up's reminder is one of
the follow-up's calls too.

The page shows masked numbers; the full number is given on an explicit ask or in the sheet
to phone from, and each is recorded in the audit trail.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import _l
from core.localtime import district_zone, local_date
from events import followups
from events.models import CALL_OUTCOMES
from identity.audit import record_audit
from identity.models import Resident
from reminders import service
from reminders.models import Reminder, ReminderCall

#: Outcomes that close the loop: the resident heard (or declined) what the reminder says.
SETTLING = ("reached", "refused")


class ReminderSettled(Conflict):
    code = "reminder_settled"


def call_list(
    actor: Principal, center_id: int | None, now: datetime, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Reminders to phone now, in the order they were decided (the oldest first)."""
    query = _to_call(actor, center_id, now).order_by(Reminder.id)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, (int,))
        query = query.where(Reminder.id > last_id)
    rows = db.session.execute(query.limit(limit + 1)).all()
    listed = page(rows, limit, key=lambda row: (row[0].id,))
    listed["items"] = [service.shown(*row) for row in listed["items"]]
    return listed


def call_sheet(actor: Principal, center_id: int | None, now: datetime) -> list[dict[str, Any]]:
    """Every reminder to phone now with the full number, to phone from a printed or
    downloaded sheet; each resident on it is recorded in the audit trail."""
    rows = db.session.execute(_to_call(actor, center_id, now).order_by(Reminder.id)).all()
    for reminder, _name, _phone in rows:
        record_audit(actor, "reminder.export", reminder.resident_id, f"reminder {reminder.id}")
    return [{**service.shown(*row), "phone": row[2]} for row in rows]


def phone_for_call(actor: Principal, reminder_id: int) -> dict[str, Any]:
    """The resident's full number, shown only when asked for, each time audited."""
    reminder = _for_staff(actor, reminder_id)
    resident = db.session.get_one(Resident, reminder.resident_id)
    record_audit(actor, "reminder.phone", resident.id, f"reminder {reminder.id}")
    return {"reminder_id": reminder.id, "name": resident.name, "phone": resident.phone}


def record_call(
    actor: Principal, reminder_id: int, outcome: str, note: str | None, now: datetime
) -> ReminderCall:
    """Record what came of phoning the resident about the reminder."""
    if outcome not in CALL_OUTCOMES:
        raise ValidationFailed(
            errors={"outcome": [_l("One of %(choices)s.", choices=", ".join(CALL_OUTCOMES))]}
        )
    reminder = _for_staff(actor, reminder_id, lock=True)
    if reminder.status != "pending":
        raise ReminderSettled(_l("This reminder is settled already: nobody needs calling."))
    call = ReminderCall(
        reminder_id=reminder.id, staff_id=actor.id, called_at=now, outcome=outcome, note=note
    )
    db.session.add(call)
    if outcome in SETTLING:
        reminder.status, reminder.settled_at = "called", now
    if reminder.subject_type == "followup":
        _log_on_followup(actor, reminder.subject_id, outcome, note, now)
    db.session.flush()
    return call


def _log_on_followup(
    actor: Principal, followup_id: int, outcome: str, note: str | None, now: datetime
) -> None:
    """The follow-up's own calls show a call about its reminder too, so the overdue list
    does not phone the resident again. A follow-up the caller cannot see (another center's,
    the resident having moved) keeps to its own calls."""
    with suppress(NotFound):
        followups.record_call(
            actor, followup_id, outcome, note, None, local_date(now, district_zone())
        )


def last_calls(reminder_ids: list[int]) -> dict[int, ReminderCall]:
    """The latest call of each reminder that has one (a page's worth: a few calls each)."""
    calls = db.session.scalars(
        select(ReminderCall)
        .where(ReminderCall.reminder_id.in_(reminder_ids))
        .order_by(ReminderCall.called_at, ReminderCall.id)
    )
    return {call.reminder_id: call for call in calls}


def _to_call(actor: Principal, center_id: int | None, now: datetime) -> Select[Any]:
    query = (
        select(Reminder, Resident.name, Resident.phone)
        .join(Resident, Resident.id == Reminder.resident_id)
        .where(
            Reminder.channel == "call",
            Reminder.status == "pending",
            Reminder.send_after <= now,
            Reminder.send_before > now,
        )
    )
    scope = center_id if actor.is_district_wide else actor.center_id
    if scope is not None:
        # The resident's center now (a reminder keeps the one it was planned in).
        query = query.where(Resident.center_id == scope)
    return query


def _for_staff(actor: Principal, reminder_id: int, *, lock: bool = False) -> Reminder:
    """A call reminder of a resident of the actor's center (any, district-wide), or 404."""
    reminder = db.session.get(Reminder, reminder_id, with_for_update=lock)
    resident = db.session.get(Resident, reminder.resident_id) if reminder else None
    if (
        reminder is None
        or resident is None
        or reminder.channel != "call"
        or not (actor.is_district_wide or resident.center_id == actor.center_id)
    ):
        raise NotFound(_l("There is no such reminder to call about."))
    return reminder
