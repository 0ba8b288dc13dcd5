"""A resident's gamification brought up to date with their history, and read back.

:func:`refresh` reads the resident's check-ins that stand, follow-ups, screenings made for
them and first gift, decides (``rules``) which badges they hold and how far each challenge
has got, and makes the stored rows say so: a badge whose check-in was annulled goes (or
moves to the check-in that earns it now), a challenge completed credits its bonus once
through the ledger, and one no longer completed takes it back with a reversing
transaction. It is the same work for one new check-in and for ``flask gamification
rebuild``, so the two cannot disagree. Residents are refreshed one at a time under an
advisory lock of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from catalog.models import Redemption
from core.db import db
from core.errors import TokenRevoked
from core.localtime import local_date, zone_of
from events.models import Checkin, Event, FollowUp
from gamification import badges
from gamification.models import (
    BadgeAward,
    Challenge,
    ChallengeCompletion,
    ChallengeProgress,
    LeaderboardPlayer,
)
from gamification.rules import (
    Activity,
    BadgeRule,
    Earning,
    FollowUpDone,
    Goal,
    History,
    challenge_progress,
    desired_badges,
)
from identity.models import Resident
from points.earning import earn
from points.expiry import PointsSettings
from points.ledger import Source
from points.service import reverse_earned_if_unspent

#: The advisory lock class of a resident's refresh (its second key is the resident).
LOCK_CLASS = 7_160_017
BONUS_REASON = "完成健康挑战"
BONUS_TAKEN_BACK = "挑战未完成，奖励收回"


@dataclass(frozen=True, slots=True)
class GameSettings:
    tz: ZoneInfo
    levels: str
    grace: bool
    points: PointsSettings

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GameSettings:
        return cls(
            zone_of(config),
            config["GAMIFICATION_LEVELS"],
            config["STREAK_GRACE"],
            PointsSettings.from_config(config),
        )


def activities(resident_id: int, tz: ZoneInfo) -> list[Activity]:
    """The resident's check-ins that stand, oldest first."""
    rows = db.session.execute(
        select(Checkin.id, Checkin.created_at, Event.kind, Event.center_id, Event.id)
        .join(Event, Event.id == Checkin.event_id)
        .where(Checkin.resident_id == resident_id, Checkin.annulled_at.is_(None))
        .order_by(Checkin.created_at, Checkin.id)
    ).all()
    return [
        Activity(row[0], row[1], local_date(row[1], tz), row[2], row[3], row[4]) for row in rows
    ]


def history(resident_id: int, today: date, tz: ZoneInfo) -> History:
    followups = db.session.execute(
        select(FollowUp.due_on, FollowUp.done_at, FollowUp.checkin_id)
        .where(FollowUp.resident_id == resident_id)
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    screenings = db.session.execute(
        select(Event.id, Event.starts_at).where(
            Event.resident_id == resident_id,
            Event.kind == "screening",
            Event.cancelled_at.is_(None),
        )
    ).all()
    first_gift = db.session.scalar(
        select(func.min(Redemption.fulfilled_at)).where(
            Redemption.resident_id == resident_id, Redemption.status == "fulfilled"
        )
    )
    return History(
        activities=activities(resident_id, tz),
        followups=[
            FollowUpDone(due, local_date(done, tz) if done else None, done, checkin)
            for due, done, checkin in followups
        ],
        personal_screenings=[(event_id, starts) for event_id, starts in screenings],
        first_gift_at=first_gift,
        today=today,
    )


@dataclass(frozen=True, slots=True)
class Terms:
    """What every resident's refresh reads alike: the badges' rules and the challenges.
    A pass over many residents reads them once."""

    rules: list[BadgeRule]
    goals: list[Goal]

    @classmethod
    def current(cls) -> Terms:
        challenges = db.session.scalars(select(Challenge).order_by(Challenge.id))
        return cls(
            [definition.rule for definition in badges.definitions() if definition.active],
            [_goal(challenge) for challenge in challenges],
        )


def erase(resident_id: int) -> None:
    """A closed record's game goes: its badges, challenge progress and place on the
    leaderboard. Its completions stay: each is the source of a bonus the ledger keeps."""
    for table in (BadgeAward, ChallengeProgress, LeaderboardPlayer):
        db.session.execute(delete(table).where(table.resident_id == resident_id))


def refresh(
    resident_id: int, now: datetime, settings: GameSettings, terms: Terms | None = None
) -> None:
    """Bring the resident's badges, challenge progress and bonuses in line with their
    history, inside the caller's transaction."""
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:lock_class, :resident)"),
        {"lock_class": LOCK_CLASS, "resident": resident_id},
    )
    if db.session.scalar(select(Resident.closed_at).where(Resident.id == resident_id)):
        erase(resident_id)  # closed, or merged into another record: it plays no more
        return
    terms = terms or Terms.current()
    past = history(resident_id, local_date(now, settings.tz), settings.tz)
    _sync_badges(
        resident_id,
        desired_badges(terms.rules, past, settings.grace),
        {rule.code for rule in terms.rules},
    )
    progress = dict(
        db.session.execute(
            select(ChallengeProgress.challenge_id, ChallengeProgress.progress).where(
                ChallengeProgress.resident_id == resident_id
            )
        ).all()
    )
    live = {
        completion.challenge_id: completion
        for completion in db.session.scalars(
            select(ChallengeCompletion).where(
                ChallengeCompletion.resident_id == resident_id,
                ChallengeCompletion.revoked_at.is_(None),
            )
        )
    }
    for goal in terms.goals:
        count, reached = challenge_progress(goal, past.activities)
        key = {"challenge_id": goal.challenge_id, "resident_id": resident_id}
        if count != progress.get(goal.challenge_id, 0):
            _store_progress(key, count)
        if reached is not None or goal.challenge_id in live:
            _sync_completion(goal, key, reached, live.get(goal.challenge_id), now, settings.points)
    db.session.flush()


def _sync_badges(resident_id: int, desired: Mapping[str, Earning], awarded: set[str]) -> None:
    """Make the resident's awards of the badges still ``awarded`` match ``desired``; those
    of deactivated badges stay as they are."""
    held = {
        award.badge_code: award
        for award in db.session.scalars(
            select(BadgeAward).where(BadgeAward.resident_id == resident_id)
        )
    }
    for code, award in held.items():
        if code not in awarded:
            continue
        if code not in desired:
            db.session.delete(award)
        elif (award.earned_at, award.checkin_id) != desired[code]:
            award.earned_at, award.checkin_id = desired[code]
    for code, (earned_at, checkin_id) in desired.items():
        if code not in held:
            db.session.add(
                BadgeAward(
                    resident_id=resident_id,
                    badge_code=code,
                    earned_at=earned_at,
                    checkin_id=checkin_id,
                )
            )


def _goal(challenge: Challenge) -> Goal:
    return Goal(
        challenge.id,
        challenge.starts_on,
        challenge.ends_on,
        challenge.center_id,
        challenge.goal_kind,
        challenge.goal_count,
        challenge.bonus_points,
    )


def _store_progress(key: dict[str, int], count: int) -> None:
    if count:
        db.session.execute(
            insert(ChallengeProgress)
            .values(**key, progress=count)
            .on_conflict_do_update(
                index_elements=["challenge_id", "resident_id"], set_={"progress": count}
            )
        )
    else:
        db.session.execute(delete(ChallengeProgress).filter_by(**key))


def _sync_completion(
    goal: Goal,
    key: dict[str, int],
    reached: Earning | None,
    live: ChallengeCompletion | None,
    now: datetime,
    points: PointsSettings,
) -> None:
    """Complete (crediting the bonus once), move, or revoke (taking the bonus back)."""
    if reached is None:
        if live is not None:
            live.revoked_at = now
            db.session.flush()
            reverse_earned_if_unspent("challenge", str(live.id), BONUS_TAKEN_BACK, None)
        return
    completed_at, checkin_id = reached
    if live is not None:
        if (live.completed_at, live.checkin_id) != reached:
            live.completed_at, live.checkin_id = completed_at, checkin_id
        return
    completion_id = db.session.scalar(
        insert(ChallengeCompletion)
        .values(**key, checkin_id=checkin_id, completed_at=completed_at)
        .on_conflict_do_nothing()
        .returning(ChallengeCompletion.id)
    )
    if completion_id is None:
        return  # another transaction completed it meanwhile, and credited the bonus
    source = Source("challenge", str(completion_id), BONUS_REASON, goal.center_id)
    # A closed account earns nothing; the completion stays on record.
    with suppress(TokenRevoked):
        earn(
            key["resident_id"],
            source,
            None,
            points=goal.bonus_points,
            at=now,
            expires_at=points.expires_at(now),
        )
