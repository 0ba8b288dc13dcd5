"""What staff read of reminders (the desk's call list is the ``call`` channel's), and a
closed account's reminders erased."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db
from identity.models import Resident, mask_phone
from reminders.models import Reminder, ReminderSubscription


def listing(
    actor: Principal,
    limit: int,
    cursor: str | None,
    *,
    status: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Reminders of the actor's center's residents (every center's for the district's
    managers and administrators), newest first. ``channel='call'`` with ``status='pending'``
    is the desk's call list: residents without WeChat to phone."""
    query = (
        select(Reminder, Resident.name, Resident.phone)
        .join(Resident, Resident.id == Reminder.resident_id)
        .order_by(Reminder.id.desc())
    )
    if not actor.is_district_wide:
        # The resident's center now: one who moved is the new center's to remind.
        query = query.where(Resident.center_id == actor.center_id)
    for column, wanted in (
        (Reminder.status, status),
        (Reminder.kind, kind),
        (Reminder.channel, channel),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, (int,))
        query = query.where(Reminder.id < last_id)
    result = page(
        db.session.execute(query.limit(limit + 1)).all(), limit, key=lambda row: (row[0].id,)
    )
    result["items"] = [shown(*row) for row in result["items"]]
    return result


def shown(reminder: Reminder, name: str | None, phone: str | None) -> dict[str, Any]:
    return {
        "id": reminder.id,
        "resident_id": reminder.resident_id,
        "resident_name": name,
        "phone_masked": mask_phone(phone),
        "center_id": reminder.center_id,
        "kind": reminder.kind,
        "subject_type": reminder.subject_type,
        "subject_id": reminder.subject_id,
        "channel": reminder.channel,
        "status": reminder.status,
        "title": reminder.data.get("title"),
        "when": reminder.data.get("when"),
        "send_after": reminder.send_after,
        "send_before": reminder.send_before,
        "settled_at": reminder.settled_at,
        "attempts": reminder.attempts,
        "created_at": reminder.created_at,
    }


def erase(resident_id: int) -> None:
    """A closed account's reminders (with their attempts) and grants go: nothing is sent to
    or about it again."""
    db.session.execute(delete(Reminder).where(Reminder.resident_id == resident_id))
    db.session.execute(
        delete(ReminderSubscription).where(ReminderSubscription.resident_id == resident_id)
    )
