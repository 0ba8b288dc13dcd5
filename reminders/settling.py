"""Settling reminders before they are sent: what moved is decided again, what a points
reminder says is brought up to date, what lost its cause is cancelled, what is past its use
expires, and what a dead sender held fails. Set-based, like the planning.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    DateTime,
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)

from catalog.models import Redemption
from core.db import db
from core.localtime import local_day
from events.models import Event, EventSignup, FollowUp
from points.models import PointsLot
from reminders.models import Reminder
from reminders.planning import day_number, plan_event_reminder
from reminders.settings import ReminderSettings

#: A sender that claimed a reminder and never settled it died: it counts as failed.
SENDING_LOST_AFTER = timedelta(minutes=10)


def settle_stale(now: datetime, settings: ReminderSettings) -> int:
    """Before sending: reminders of a follow-up or an event moved since are decided again
    (:func:`_decide_moved_again`), points reminders say what is left to lapse
    (:func:`_restate_points_left`), those whose cause went away are cancelled (the follow-up
    done or erased, the gift picked up or called off, the sign-up or its event called off),
    those past their use expire, and those a dead sender held are failed. Returns how many
    changed."""
    pending = Reminder.status == "pending"
    changed = _decide_moved_again(now, settings) + _restate_points_left(now, settings)
    followup_settled = not_(
        exists().where(FollowUp.id == Reminder.subject_id, FollowUp.done_at.is_(None))
    )
    pickup_settled = not_(
        exists().where(Redemption.id == Reminder.subject_id, Redemption.status == "reserved")
    )
    signup_settled = not_(
        exists().where(
            EventSignup.id == Reminder.subject_id,
            EventSignup.cancelled_at.is_(None),
            Event.id == EventSignup.event_id,
            Event.cancelled_at.is_(None),
        )
    )
    for where, status in (
        (
            and_(
                pending,
                or_(
                    and_(Reminder.subject_type == "followup", followup_settled),
                    and_(Reminder.subject_type == "redemption", pickup_settled),
                    and_(Reminder.subject_type == "signup", signup_settled),
                ),
            ),
            "cancelled",
        ),
        (and_(pending, Reminder.send_before <= now), "expired"),
        (
            and_(Reminder.status == "sending", Reminder.claimed_at < now - SENDING_LOST_AFTER),
            "failed",
        ),
    ):
        result = db.session.execute(
            update(Reminder).where(where).values(status=status, settled_at=now)
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


def _restate_points_left(now: datetime, settings: ReminderSettings) -> int:
    """A points reminder not out yet says the points left to lapse on its day: a gift since
    spent some (soonest expiry first), so it says fewer, or none, and then it goes."""
    left = (
        select(func.coalesce(func.sum(PointsLot.remaining), 0))
        .where(
            PointsLot.resident_id == Reminder.resident_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
            day_number(local_day(PointsLot.expires_at, settings.tz)) == Reminder.subject_id,
        )
        .scalar_subquery()
    )
    waiting = and_(
        Reminder.status == "pending",
        Reminder.claimed_at.is_(None),
        Reminder.subject_type == "points_expiry",
    )
    spent = db.session.execute(
        update(Reminder)
        .where(waiting, left == 0)
        .values(status="cancelled", settled_at=now)
        .execution_options(synchronize_session=False)
    )
    restated = db.session.execute(
        update(Reminder)
        .where(waiting, left != cast(Reminder.data["amount"].astext, BigInteger))
        .values(data=Reminder.data.op("||")(func.jsonb_build_object("amount", left)))
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount + restated.rowcount  # type: ignore[attr-defined,no-any-return]


def _decide_moved_again(now: datetime, settings: ReminderSettings) -> int:
    """A pending reminder whose follow-up or event moved to another day would say the old
    one: it goes, and is decided again for the new day (a follow-up's by the planning of a
    later run, once the day is near; a sign-up's at once)."""
    waiting = and_(Reminder.status == "pending", Reminder.claimed_at.is_(None))
    followups_moved = db.session.execute(
        delete(Reminder).where(
            waiting,
            Reminder.subject_type == "followup",
            exists().where(
                FollowUp.id == Reminder.subject_id,
                cast(FollowUp.due_on, String) != Reminder.data["when"].astext,
            ),
        )
    )
    events_moved = db.session.execute(
        select(Reminder.id, Reminder.resident_id, Reminder.subject_id, Event.id)
        .join(EventSignup, EventSignup.id == Reminder.subject_id)
        .join(Event, Event.id == EventSignup.event_id)
        .where(
            waiting,
            Reminder.subject_type == "signup",
            cast(Reminder.data["when"].astext, DateTime(timezone=True)) != Event.starts_at,
        )
    ).all()
    if events_moved:
        db.session.execute(
            delete(Reminder).where(Reminder.id.in_([row[0] for row in events_moved]))
        )
        for _, resident_id, signup_id, event_id in events_moved:
            plan_event_reminder(resident_id, signup_id, event_id, now, settings)
    return followups_moved.rowcount + len(events_moved)  # type: ignore[attr-defined,no-any-return]
