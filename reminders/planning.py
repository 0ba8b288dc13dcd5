"""Deciding reminders: what is due becomes one ``reminders`` row per resident, kind and
subject, set-based (``INSERT … SELECT … ON CONFLICT DO NOTHING``), so planning again decides
nothing twice. Each query walks an index of the subject by its moment (follow-ups by due
day, live lots and open reservations by expiry), never the residents.

A reminder's words name no condition: a follow-up is "随访", whatever it is for.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    case,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql import Select

from catalog.models import CatalogItem, Redemption
from core.db import db
from core.i18n import _
from core.localtime import local_date, local_day
from events.models import Event, FollowUp
from identity.models import Center, Resident
from points.models import PointsLot
from reminders.models import Reminder
from reminders.settings import ReminderSettings, at_local, awake

#: A follow-up is announced from three days before its due day.
FOLLOWUP_NOTICE_DAYS = 3
#: An overdue follow-up is recalled once, within this many days of its due day.
OVERDUE_WINDOW_DAYS = 14
#: Points expiring within this many days are announced (one reminder per expiry day).
POINTS_NOTICE_DAYS = 30
#: A reserved gift is recalled when this little of its time is left.
PICKUP_NOTICE = timedelta(days=2)
#: A sign-up is recalled the day before its event, at this time.
EVENT_NOTICE_AT = time(10)

#: Kinds whose cancelled reminder is due again when its cause comes back: points all spent
#: before their day (``settling``) and given back by a refund, with the expiry they had.
REVIVED = ("points_expiring",)

_COLUMNS = (
    "resident_id",
    "kind",
    "subject_type",
    "subject_id",
    "center_id",
    "channel",
    "status",
    "send_after",
    "send_before",
    "data",
    "created_at",
)


def plan_reminders(now: datetime, settings: ReminderSettings) -> dict[str, int]:
    """Decide every reminder due at ``now``; returns how many were new, by kind."""
    today = local_date(now, settings.tz)
    send_after = awake(now, settings.tz)
    planned = {}
    for kind, candidates in (
        ("followup_due", _followups_due(today, settings)),
        ("followup_overdue", _followups_overdue(today, settings)),
        ("points_expiring", _points_expiring(now, settings)),
        ("pickup_expiring", _pickups_expiring(now)),
    ):
        planned[kind] = _insert(kind, candidates, send_after, now)
    return planned


def _insert(kind: str, candidates: Select[Any], send_after: datetime, now: datetime) -> int:
    """``candidates`` give (resident_id, subject_type, subject_id, center_id, channel,
    send_before, data); each new one becomes a pending reminder, as does a cancelled one of
    a kind in :data:`REVIVED`."""
    subquery = candidates.subquery()
    rows = select(
        subquery.c.resident_id,
        literal(kind),
        subquery.c.subject_type,
        subquery.c.subject_id,
        subquery.c.center_id,
        subquery.c.channel,
        literal("pending"),
        literal(send_after, Reminder.send_after.type),
        subquery.c.send_before,
        subquery.c.data,
        literal(now, Reminder.created_at.type),
    ).where(subquery.c.send_before > literal(send_after, Reminder.send_after.type))
    keys = ["resident_id", "kind", "subject_type", "subject_id"]
    statement = insert(Reminder).from_select(_COLUMNS, rows)
    if kind in REVIVED:
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={
                "status": "pending",
                "settled_at": None,
                "send_after": statement.excluded.send_after,
                "send_before": statement.excluded.send_before,
                "data": statement.excluded.data,
            },
            where=Reminder.status == "cancelled",
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    inserted = statement.returning(Reminder.id).cte("inserted")
    return db.session.scalar(select(func.count()).select_from(inserted)) or 0


def _channel() -> Any:
    """WeChat for a resident who has it; the desk's call list for one registered there."""
    return case((Resident.openid.is_not(None), "wechat"), else_="call")


def _day_end(day_column: Any, settings: ReminderSettings, extra_days: int = 1) -> Any:
    """The district midnight that ends ``day_column`` (plus ``extra_days - 1`` days)."""
    return func.timezone(settings.tz.key, cast(day_column, DateTime) + timedelta(days=extra_days))


def _followups_due(today: Any, settings: ReminderSettings) -> Select[Any]:
    return _followups(
        _("Follow-up reminder"),
        FollowUp.due_on.between(today, today + timedelta(days=FOLLOWUP_NOTICE_DAYS)),
        _day_end(FollowUp.due_on, settings),
    )


def _followups_overdue(today: Any, settings: ReminderSettings) -> Select[Any]:
    return _followups(
        _("Follow-up overdue"),
        FollowUp.due_on.between(
            today - timedelta(days=OVERDUE_WINDOW_DAYS), today - timedelta(days=1)
        ),
        _day_end(FollowUp.due_on, settings, OVERDUE_WINDOW_DAYS + 1),
    )


def _followups(title: str, due: Any, send_before: Any) -> Select[Any]:
    """Open follow-ups ``due`` as reminders: titled ``title`` (随访, never the condition)."""
    return (
        select(
            FollowUp.resident_id,
            literal("followup").label("subject_type"),
            cast(FollowUp.id, BigInteger).label("subject_id"),
            Resident.center_id,
            _channel().label("channel"),
            send_before.label("send_before"),
            func.jsonb_build_object(
                "title", str(title), "when", FollowUp.due_on, "place", Center.name
            ).label("data"),
        )
        .join(Resident, Resident.id == FollowUp.resident_id)
        .join(Center, Center.id == FollowUp.center_id)
        .where(due, FollowUp.done_at.is_(None), Resident.closed_at.is_(None))
    )


def day_number(day: Any) -> Any:
    """A lot's local expiry day as a points reminder's subject: 20270306."""
    return cast(func.to_char(day, "YYYYMMDD"), BigInteger)


def _points_expiring(now: datetime, settings: ReminderSettings) -> Select[Any]:
    """One per resident and local expiry day, with the points left to lapse that day."""
    expiry_day = local_day(PointsLot.expires_at, settings.tz)
    return (
        select(
            PointsLot.resident_id,
            literal("points_expiry").label("subject_type"),
            day_number(expiry_day).label("subject_id"),
            Resident.center_id,
            _channel().label("channel"),
            func.min(PointsLot.expires_at).label("send_before"),
            func.jsonb_build_object(
                "title",
                str(_("Points expiring")),
                "when",
                expiry_day,
                "amount",
                func.sum(PointsLot.remaining),
            ).label("data"),
        )
        .join(Resident, Resident.id == PointsLot.resident_id)
        .where(
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
            PointsLot.expires_at <= now + timedelta(days=POINTS_NOTICE_DAYS),
            Resident.closed_at.is_(None),
        )
        .group_by(PointsLot.resident_id, expiry_day, Resident.center_id, Resident.openid)
    )


def _pickups_expiring(now: datetime) -> Select[Any]:
    return (
        select(
            Redemption.resident_id,
            literal("redemption").label("subject_type"),
            cast(Redemption.id, BigInteger).label("subject_id"),
            Resident.center_id,
            _channel().label("channel"),
            Redemption.expires_at.label("send_before"),
            func.jsonb_build_object(
                "title",
                CatalogItem.name,
                "when",
                Redemption.expires_at,
                "place",
                Center.name,
            ).label("data"),
        )
        .join(Resident, Resident.id == Redemption.resident_id)
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .join(Center, Center.id == Redemption.center_id)
        .where(
            Redemption.status == "reserved",
            Redemption.expires_at > now,
            Redemption.expires_at <= now + PICKUP_NOTICE,
            Resident.closed_at.is_(None),
        )
    )


#: What an event reminder calls the event: its kind, in words that name no condition.
EVENT_TITLES = {
    "lecture": "健康讲座",
    "consultation": "健康咨询活动",
    "screening": "健康筛查",
    "followup": "随访",
    "revisit": "复诊",
}


def plan_event_reminder(
    resident_id: int, signup_id: int, event_id: int, now: datetime, settings: ReminderSettings
) -> None:
    """A sign-up's reminder, the day before the event at 10:00 (or at once, by day, for a
    sign-up later than that), written in the sign-up's transaction; none for a sign-up too
    late to remind of."""
    row = db.session.execute(
        select(
            Event.kind,
            Event.starts_at,
            func.coalesce(Event.location, Center.name),
            Resident.center_id,
            Resident.openid,
        )
        .join(Center, Center.id == Event.center_id)
        .join(Resident, Resident.id == resident_id)
        .where(Event.id == event_id, Resident.closed_at.is_(None))
    ).one_or_none()
    if row is None:
        return
    kind, starts_at, place, center_id, openid = row
    day_before = local_date(starts_at, settings.tz) - timedelta(days=1)
    send_after = awake(max(now, at_local(day_before, EVENT_NOTICE_AT, settings.tz)), settings.tz)
    if send_after >= starts_at:
        return
    db.session.execute(
        insert(Reminder)
        .values(
            resident_id=resident_id,
            kind="event_reminder",
            subject_type="signup",
            subject_id=signup_id,
            center_id=center_id,
            channel="wechat" if openid else "call",
            status="pending",
            send_after=send_after,
            send_before=starts_at,
            # The kind, never the title: a title may name a condition (高血压讲座).
            data={"title": EVENT_TITLES[kind], "when": starts_at.isoformat(), "place": place},
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["resident_id", "kind", "subject_type", "subject_id"]
        )
    )


def cancel_event_reminder(resident_id: int, signup_id: int, now: datetime) -> None:
    """The sign-up was cancelled: its reminder, if not out yet, is too."""
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.resident_id == resident_id,
            Reminder.kind == "event_reminder",
            Reminder.subject_type == "signup",
            Reminder.subject_id == signup_id,
            Reminder.status == "pending",
        )
        .values(status="cancelled", settled_at=now)
    )
