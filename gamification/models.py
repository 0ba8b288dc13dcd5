"""Gamification's own rows: what it derived from check-ins and the ledger and must keep
(badges awarded, challenge progress and completions), what managers made (badges,
challenges), residents' leaderboard choice, and how far the worker has read the history
(``worker``).

Levels and streaks are not stored: they are read from the ledger and the check-ins.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from points.models import ACTIVITIES

#: The rule vocabulary of badges: ``activities`` (``count`` check-ins, of ``activity`` if
#: given, between ``starts_on`` and ``ends_on`` if given), ``followups_on_time`` (``count``
#: follow-ups in a row done by their due day), ``streak`` (``count`` months in a row),
#: ``all_screenings`` (every screening made for the resident so far attended) and
#: ``first_gift``.
BADGE_RULES = ("activities", "followups_on_time", "streak", "all_screenings", "first_gift")
#: What a challenge counts: check-ins of an activity, or of any (``any``).
GOAL_KINDS = (*ACTIVITIES, "any")


class Badge(db.Model):
    """A badge a manager made (the district's defaults live in ``badges.DEFAULTS``)."""

    __tablename__ = "badges"
    __table_args__ = (
        CheckConstraint(f"rule IN {BADGE_RULES!r}", name="rule"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    rule: Mapped[str] = mapped_column(String(20))
    activity: Mapped[str | None] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a manager deactivated it: no longer awarded; residents who hold it keep it.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BadgeAward(db.Model):
    """A badge a resident earned: once, with when and the check-in that earned it."""

    __tablename__ = "badge_awards"
    __table_args__ = (UniqueConstraint("resident_id", "badge_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    badge_code: Mapped[str] = mapped_column(String(40))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Null for a badge no check-in earns (the first gift).
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))


class Challenge(db.Model):
    """A goal for a period, at a center or (``center_id`` null) the whole district."""

    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint(f"goal_kind IN {GOAL_KINDS!r}", name="goal_kind"),
        CheckConstraint("goal_count > 0", name="goal_count_positive"),
        CheckConstraint("bonus_points > 0", name="bonus_points_positive"),
        CheckConstraint("ends_on >= starts_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    goal_kind: Mapped[str] = mapped_column(String(16))
    goal_count: Mapped[int]
    bonus_points: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChallengeProgress(db.Model):
    """How far a resident who joined (counted at least once) has got; derived."""

    __tablename__ = "challenge_progress"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    progress: Mapped[int]


class ChallengeCompletion(db.Model):
    """A completion, and through its id (the ledger source ``challenge``) the bonus it
    credited. Revoked, never deleted, when the check-ins no longer reach the goal: the bonus
    went back by a reversing transaction. One live completion per resident and challenge."""

    __tablename__ = "challenge_completions"
    __table_args__ = (
        Index(
            "uq_challenge_completions_live",
            "challenge_id",
            "resident_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LeaderboardPlayer(db.Model):
    """A resident who chose to appear on their center's leaderboard."""

    __tablename__ = "leaderboard_players"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeaderboardClosedCenter(db.Model):
    """A center whose manager switched its leaderboard off."""

    __tablename__ = "leaderboard_closed_centers"

    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), primary_key=True)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GamificationCursor(db.Model):
    """How far the worker has read the history: one row."""

    __tablename__ = "gamification_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    scanned_until: Mapped[datetime] = mapped_column(UTCDateTime)
