"""Two records of one person made one (``merging``): the absorbed record's grants and
reminders become the survivor's."""

from __future__ import annotations

from sqlalchemy import and_, case, delete, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from core.db import db
from identity.models import Resident
from reminders.models import MAX_GRANTS, Reminder, ReminderSubscription


def repoint_resident(absorbed_id: int, survivor_id: int) -> None:
    """Grants add up (at most ``MAX_GRANTS`` a template); reminders move, except those the
    survivor has already for the same subject (decided once: the absorbed one's go); pending
    ones go by the survivor's channel (WeChat if the joined record has it)."""
    moved = insert(ReminderSubscription).from_select(
        ["resident_id", "template", "remaining", "updated_at"],
        select(
            literal(survivor_id),
            ReminderSubscription.template,
            ReminderSubscription.remaining,
            ReminderSubscription.updated_at,
        ).where(ReminderSubscription.resident_id == absorbed_id),
    )
    db.session.execute(
        moved.on_conflict_do_update(
            index_elements=[ReminderSubscription.resident_id, ReminderSubscription.template],
            set_={
                "remaining": func.least(
                    ReminderSubscription.remaining + moved.excluded.remaining, MAX_GRANTS
                )
            },
        )
    )
    db.session.execute(
        delete(ReminderSubscription).where(ReminderSubscription.resident_id == absorbed_id)
    )
    theirs = aliased(Reminder)
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.resident_id == absorbed_id,
            ~exists().where(
                and_(
                    theirs.resident_id == survivor_id,
                    theirs.kind == Reminder.kind,
                    theirs.subject_type == Reminder.subject_type,
                    theirs.subject_id == Reminder.subject_id,
                )
            ),
        )
        .values(resident_id=survivor_id)
    )
    db.session.execute(delete(Reminder).where(Reminder.resident_id == absorbed_id))
    has_wechat = select(Resident.openid.is_not(None)).where(Resident.id == survivor_id)
    db.session.execute(
        update(Reminder)
        .where(Reminder.resident_id == survivor_id, Reminder.status == "pending")
        .values(channel=case((has_wechat.scalar_subquery(), "wechat"), else_="call"))
    )
