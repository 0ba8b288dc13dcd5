"""Events residents attend, their check-ins, every scan attempt, and scheduled follow-ups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from points.models import ACTIVITIES

#: What a resident's ledger says for each kind: never the event's title, which may name a
#: condition ("高血压讲座"), and never a diagnosis.
CHECKIN_REASONS = {
    "lecture": "参加健康讲座",
    "consultation": "参加健康咨询活动",
    "followup": "按时参加随访",
    "revisit": "按时复诊",
    "screening": "参加健康筛查",
}


class Event(db.Model):
    """A lecture, consultation day, follow-up or re-visit session, or screening at a center."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"kind IN {ACTIVITIES!r}", name="kind"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("checkin_closes_at > checkin_opens_at", name="window_order"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken <= COALESCE(capacity, seats_taken)", name="within_capacity"),
        CheckConstraint(
            "signups_taken BETWEEN 0 AND COALESCE(capacity, signups_taken)",
            name="signups_within_capacity",
        ),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
        Index("ix_events_center_starts_at", "center_id", "starts_at"),
        Index("ix_events_starts_at", "starts_at"),
        #: A resident's upcoming events are those not yet ended: a few ahead of many past.
        Index("ix_events_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Points for attending; null: the center's earning rule for the kind.
    points: Mapped[int | None]
    capacity: Mapped[int | None]
    #: Valid check-ins of an event with a capacity, taken by a conditional update so the
    #: capacity holds under load. Events without one do not count here (no hot row).
    seats_taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Live sign-ups (``EventSignup``), taken by a conditional update like ``seats_taken``
    #: so the capacity holds; counted for every event, so lists show it without a count.
    signups_taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set for a personal event (a follow-up or re-visit made for one resident): nobody else
    #: sees it listed or may check in to it.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: Projector links carry the generation they were issued in; revoking the links moves it
    #: on, so every link issued before stops working.
    display_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Checkin(db.Model):
    """A resident's attendance at an event: one per resident and event; annulled, never deleted."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("event_id", "resident_id", name="uq_checkins_event_resident"),
        CheckConstraint("method IN ('self', 'staff', 'import')", name="method"),
        Index("ix_checkins_resident_id", "resident_id"),
        Index("ix_checkins_created_at", "created_at"),
        #: Statistics look up the corrections made since their last refresh.
        Index(
            "ix_checkins_annulled_at",
            "annulled_at",
            postgresql_where=text("annulled_at IS NOT NULL"),
        ),
        #: ...and the days paper history was written into since.
        Index(
            "ix_checkins_recorded_at",
            "recorded_at",
            postgresql_where=text("recorded_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    #: ``self`` (the resident scanned), ``staff`` (checked in at the desk) or ``import``
    #: (a paper sign-in sheet's line, imported: it earned no points and took no seat).
    method: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    annulled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    annul_reason: Mapped[str | None] = mapped_column(String(200))
    #: When a check-in dated in the past (``created_at``: the day on the paper) was written;
    #: null for check-ins written as they happened. Statistics recount those days.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventSignup(db.Model):
    """A resident's sign-up (报名) for an event ahead of it: cancelled, never deleted; one
    live sign-up per resident and event (signing up again after cancelling is a new row)."""

    __tablename__ = "event_signups"
    __table_args__ = (
        Index(
            "uq_event_signups_live",
            "event_id",
            "resident_id",
            unique=True,
            postgresql_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_event_signups_resident_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the resident called it off, their account closed, or a merge left it behind.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScanAttempt(db.Model):
    """Every check-in attempt, successful or not, for the record and for fraud flags."""

    __tablename__ = "scan_attempts"
    __table_args__ = (Index("ix_scan_attempts_event_id_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Null when the code named no event we know.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    #: ``checked_in``, ``already_checked_in`` or the refusal's code (``qr_expired``...).
    outcome: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class FollowUp(db.Model):
    """A scheduled follow-up (随访) for a resident with a chronic condition; staff-only."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_center_due", "center_id", "due_on"),
        Index("ix_followups_resident_id", "resident_id"),
        # Compliance statistics over a district's year read this index alone.
        Index(
            "ix_followups_due_on",
            "due_on",
            postgresql_include=["center_id", "resident_id", "condition", "done_at"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    #: A condition code (see ``identity.models.CONDITIONS``): shown to staff only.
    condition: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The check-in that completed it.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: What came of phoning a resident about an overdue follow-up.
CALL_OUTCOMES = ("reached", "no_answer", "refused")


class FollowUpCall(db.Model):
    """A call staff made about a follow-up: who, when, what came of it, and the new due day
    agreed, if any. The overdue list's loop closes here; never changed or deleted."""

    __tablename__ = "followup_calls"
    __table_args__ = (
        CheckConstraint(f"outcome IN {CALL_OUTCOMES!r}", name="outcome"),
        Index("ix_followup_calls_followup_id", "followup_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    #: The follow-up's due day when the call was made: a new one moves it, and this keeps
    #: what it was.
    due_on_before: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date | None] = mapped_column(Date)
