"""Daily rollups: the figures of each closed day, so a year is 365 rows, not 2,000,000.

Only ``flask stats refresh`` writes these (the API reads); they are derived from the domain
tables and can be rebuilt from them at any time. ``scope`` is a center's id, or 0 for the
whole district; keys start with it, as every read asks for one scope's days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db

DISTRICT = 0


class RollupState(db.Model):
    """How far the rollups reach: every day up to ``covered_through``, as of ``refreshed_at``."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    covered_through: Mapped[date] = mapped_column(Date)
    #: When the refresh that wrote them started: later corrections are not in them yet.
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Whether ``DailyFollowups`` holds every due day (from the first refresh on, the
    #: triggers' change log keeps it whole).
    followups_rolled_up: Mapped[bool] = mapped_column(server_default=text("false"))


class DailyCheckins(db.Model):
    """Check-ins that count, per day, scope and kind of event."""

    __tablename__ = "stats_daily_checkins"

    scope: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    checkins: Mapped[int]


class EventCheckins(db.Model):
    """Check-ins that count, per event and day: an event's attendance without its rows."""

    __tablename__ = "stats_event_checkins"

    event_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    checkins: Mapped[int]


class DailyParticipants(db.Model):
    """Who checked in on a day, as compressed bitmaps of resident ids (Roaring).

    A period's unique participants is the size of the union of its days' bitmaps: exact,
    and cheap for a year of a district of a million residents.
    """

    __tablename__ = "stats_daily_participants"

    scope: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    residents: Mapped[bytes] = mapped_column(LargeBinary)
    #: Those who checked in more than once that day.
    repeaters: Mapped[bytes] = mapped_column(LargeBinary)


class MonthlyParticipants(db.Model):
    """The union of a whole month's daily bitmaps: a year is 12 of these, not 365 days.

    ``repeaters``: who checked in more than once in the month.
    """

    __tablename__ = "stats_monthly_participants"

    scope: Mapped[int] = mapped_column(primary_key=True)
    #: The month's first day.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    residents: Mapped[bytes] = mapped_column(LargeBinary)
    repeaters: Mapped[bytes] = mapped_column(LargeBinary)


class FirstCheckin(db.Model):
    """Each resident's first day with a check-in that counts, in each scope."""

    __tablename__ = "stats_first_checkins"
    # The resident too: a period's new participants are counted from the index alone.
    __table_args__ = (
        Index(
            "ix_stats_first_checkins_scope_day",
            "scope",
            "first_day",
            postgresql_include=["resident_id"],
        ),
    )

    scope: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)


class DailyPoints(db.Model):
    """Points moved per day, scope and kind, reversals and what they reversed left out.

    Kind ``held`` is every entry's net change, by the resident's own center: summed up to
    a day, the points the scope's residents hold.
    """

    __tablename__ = "stats_daily_points"

    scope: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[int]


class DailyGifts(db.Model):
    """Gifts handed out (and not taken back) per day, scope and item."""

    __tablename__ = "stats_daily_gifts"

    scope: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int]
    points: Mapped[int]
    redemptions: Mapped[int]


class DailyFollowups(db.Model):
    """Follow-ups under a standing consent, per center and due day, as of the last refresh:
    how many, how many done, how many done by their day. Whether one is overdue depends on
    today only, so it is read, not kept. Days in ``FollowupChange`` since are counted afresh.
    """

    __tablename__ = "stats_daily_followups"

    center_id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    followups: Mapped[int]
    done: Mapped[int]
    done_on_time: Mapped[int]


class FollowupChange(db.Model):
    """A center's due day whose follow-ups changed (created, done, moved, merged, or their
    consent or condition tag changed), written by triggers in the same transaction
    (migration 0022): a follow-up changes long after its day, in ways no timestamp keeps.
    Append-only, so a busy day's check-ins never wait on one row; the refresh deletes what
    it has rolled up."""

    __tablename__ = "stats_followup_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    center_id: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date, index=True)
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, server_default=text("statement_timestamp()")
    )


class WeeklyReportMail(db.Model):
    """A weekly report mailed to a manager: one per manager and week, so a rerun sends none."""

    __tablename__ = "stats_weekly_report_mails"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    #: The Monday of the ISO week reported on.
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    #: Where it went.
    email: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
