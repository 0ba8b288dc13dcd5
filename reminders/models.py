"""Reminders' own rows: residents' grants to be sent a subscribe message (per template), the
outbox of reminders (one row per resident, kind and subject: decided once), every attempt
to deliver one, and the WeChat access token every sender shares.

A reminder's words are fixed when it is planned (``data``): they never name a condition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from events.models import CALL_OUTCOMES

#: The subscribe-message templates a resident can accept (``WECHAT_TEMPLATE_<TEMPLATE>``).
TEMPLATES = ("event_reminder", "followup_due", "points_expiring", "pickup_expiring")
#: What a reminder is about, and the template it is sent with.
KIND_TEMPLATES = {
    "event_reminder": "event_reminder",
    "followup_due": "followup_due",
    "followup_overdue": "followup_due",
    "points_expiring": "points_expiring",
    "pickup_expiring": "pickup_expiring",
}
KINDS = tuple(KIND_TEMPLATES)
#: ``wechat``: a subscribe message; ``call``: the desk's call list (no WeChat account).
CHANNELS = ("wechat", "call")
#: pending (to send, or to call), sending (claimed by a sender), sent, failed (attempts
#: spent), no_grant (the resident had no grant left: nothing sent), refused (WeChat's 43101),
#: cancelled (its cause went away, or the account closed), expired (its moment passed unsent),
#: called (a ``call`` reminder: the desk reached the resident, or they refused).
STATUSES = (
    "pending",
    "sending",
    "sent",
    "failed",
    "no_grant",
    "refused",
    "cancelled",
    "expired",
    "called",
)
#: How many grants of one template a resident may hold: enough for months of reminders.
MAX_GRANTS = 50


class ReminderSubscription(db.Model):
    """The grants a resident gave to be sent one template: one grant, one message."""

    __tablename__ = "reminder_subscriptions"
    __table_args__ = (
        CheckConstraint(f"template IN {TEMPLATES!r}", name="template"),
        CheckConstraint(f"remaining >= 0 AND remaining <= {MAX_GRANTS}", name="remaining"),
    )

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    template: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: Messages this template may still be sent with.
    remaining: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(db.Model):
    """A reminder decided for a resident about one subject (a follow-up, a reservation, an
    expiry day, a sign-up): written once, sent once at most, between ``send_after`` and
    ``send_before``."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("resident_id", "kind", "subject_type", "subject_id"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        # What the senders claim: due WeChat reminders, by when they are due.
        Index(
            "ix_reminders_due",
            "send_after",
            postgresql_where=text("status = 'pending' AND channel = 'wechat'"),
        ),
        Index("ix_reminders_center_id", "center_id", "id"),
        Index(
            "ix_reminders_sending",
            "claimed_at",
            postgresql_where=text("status = 'sending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: What it is about: ``followup``, ``redemption``, ``points_expiry`` (the local day as
    #: YYYYMMDD) or ``signup``, and its id.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    #: The resident's center when it was planned (whose desk calls).
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: Never between 21:00 and 08:00 in the district.
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Past this it is of no use (the due day, the expiry, the event): ``expired``.
    send_before: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The message's words by field (``subject``, ``when``, ``note``, ``amount``).
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a sender took it (status ``sending``).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was settled: sent, failed, refused, without a grant, cancelled or expired.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class ReminderAttempt(db.Model):
    """One call to WeChat's send for a reminder, and what came back."""

    __tablename__ = "reminder_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Null when nothing answered (a timeout, a refused connection).
    http_status: Mapped[int | None]
    errcode: Mapped[int | None]
    errmsg: Mapped[str | None] = mapped_column(String(200))


class WeChatAccessToken(db.Model):
    """The mini-program's access token, one row per appid, shared by every process that
    sends (``sender.tokens``)."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(600))
    #: Replaced from this moment on (a few minutes before WeChat lets it lapse).
    good_until: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderCall(db.Model):
    """A call the desk made for a ``call`` reminder (a resident without WeChat): who, when,
    what came of it, as the follow-up list records its calls. Never changed or deleted."""

    __tablename__ = "reminder_calls"
    __table_args__ = (CheckConstraint(f"outcome IN {CALL_OUTCOMES!r}", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
