"""A resident's gamification brought up to date with their history, and read back.

:func:`refresh` reads the resident's check-ins that stand, follow-ups, screenings made for
them and first gift, decides (``rules``) which badges they hold and how far each challenge
has got, and makes the stored rows say so: a badge whose check-in was annulled goes (or
moves to the check-in that earns it now), a challenge completed credits its bonus once
through the ledger, and one no longer completed takes it back with a reversing
transaction. It is the same work for one new check-in and for ``flask gamification
rebuild``, so the two cannot disagree. Each resident's refresh holds an advisory lock of
their own; the worker and the rebuild refresh residents a chunk at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, tuple_
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
    return _activities_of([resident_id], tz)[resident_id]


def _activities_of(resident_ids: Sequence[int], tz: ZoneInfo) -> dict[int, list[Activity]]:
    rows = db.session.execute(
        select(
            Checkin.resident_id,
            Checkin.id,
            Checkin.created_at,
            Event.kind,
            Event.center_id,
            Event.id,
        )
        .join(Event, Event.id == Checkin.event_id)
        .where(Checkin.resident_id.in_(resident_ids), Checkin.annulled_at.is_(None))
        .order_by(Checkin.resident_id, Checkin.created_at, Checkin.id)
    )
    found: dict[int, list[Activity]] = {resident_id: [] for resident_id in resident_ids}
    for resident_id, checkin_id, at, kind, center_id, event_id in rows:
        found[resident_id].append(
            Activity(checkin_id, at, local_date(at, tz), kind, center_id, event_id)
        )
    return found


def histories(resident_ids: Sequence[int], today: date, tz: ZoneInfo) -> dict[int, History]:
    """Each resident's history, every table read once for all of them."""
    followups = defaultdict(list)
    for resident_id, due, done, checkin in db.session.execute(
        select(FollowUp.resident_id, FollowUp.due_on, FollowUp.done_at, FollowUp.checkin_id)
        .where(FollowUp.resident_id.in_(resident_ids))
        .order_by(FollowUp.resident_id, FollowUp.due_on, FollowUp.id)
    ):
        followups[resident_id].append(
            FollowUpDone(due, local_date(done, tz) if done else None, done, checkin)
        )
    screenings = defaultdict(list)
    for resident_id, event_id, starts in db.session.execute(
        select(Event.resident_id, Event.id, Event.starts_at).where(
            Event.resident_id.in_(resident_ids),
            Event.kind == "screening",
            Event.cancelled_at.is_(None),
        )
    ):
        screenings[resident_id].append((event_id, starts))
    first_gifts = dict(
        db.session.execute(
            select(Redemption.resident_id, func.min(Redemption.fulfilled_at))
            .where(Redemption.resident_id.in_(resident_ids), Redemption.status == "fulfilled")
            .group_by(Redemption.resident_id)
        ).all()
    )
    return {
        resident_id: History(
            activities=done,
            followups=followups[resident_id],
            personal_screenings=screenings[resident_id],
            first_gift_at=first_gifts.get(resident_id),
            today=today,
        )
        for resident_id, done in _activities_of(resident_ids, tz).items()
    }


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
    refresh_many([resident_id], now, settings, terms)


def refresh_many(
    resident_ids: Iterable[int], now: datetime, settings: GameSettings, terms: Terms | None = None
) -> None:
    """:func:`refresh` for several residents at once, each table read once for all of them:
    the worker's pass costs a few statements a chunk rather than a dozen a resident."""
    ids = sorted(set(resident_ids))
    if not ids:
        return
    # In id order: two refreshes never wait for each other's locks in a ring.
    db.session.execute(
        text(
            "SELECT pg_advisory_xact_lock(:lock_class, id) "
            "FROM unnest(CAST(:ids AS int[])) WITH ORDINALITY AS ids (id, n) ORDER BY n"
        ),
        {"lock_class": LOCK_CLASS, "ids": ids},
    )
    closed = set(
        db.session.scalars(
            select(Resident.id).where(Resident.id.in_(ids), Resident.closed_at.is_not(None))
        )
    )
    for resident_id in closed:
        erase(resident_id)  # closed, or merged into another record: it plays no more
    ids = [resident_id for resident_id in ids if resident_id not in closed]
    if not ids:
        return
    terms = terms or Terms.current()
    pasts = histories(ids, local_date(now, settings.tz), settings.tz)
    awarded = {rule.code for rule in terms.rules}
    held = defaultdict(dict)
    for award in db.session.scalars(select(BadgeAward).where(BadgeAward.resident_id.in_(ids))):
        held[award.resident_id][award.badge_code] = award
    progress = {
        (challenge_id, resident_id): count
        for challenge_id, resident_id, count in db.session.execute(
            select(
                ChallengeProgress.challenge_id,
                ChallengeProgress.resident_id,
                ChallengeProgress.progress,
            ).where(ChallengeProgress.resident_id.in_(ids))
        )
    }
    live = {
        (completion.challenge_id, completion.resident_id): completion
        for completion in db.session.scalars(
            select(ChallengeCompletion).where(
                ChallengeCompletion.resident_id.in_(ids),
                ChallengeCompletion.revoked_at.is_(None),
            )
        )
    }
    counts: dict[tuple[int, int], int] = {}
    for resident_id in ids:
        past = pasts[resident_id]
        desired = desired_badges(terms.rules, past, settings.grace)
        _sync_badges(resident_id, desired, awarded, held[resident_id])
        for goal in terms.goals:
            key = (goal.challenge_id, resident_id)
            count, reached = challenge_progress(goal, past.activities)
            if count != progress.get(key, 0):
                counts[key] = count
            if reached is not None or key in live:
                _sync_completion(goal, resident_id, reached, live.get(key), now, settings.points)
    _store_progress(counts)
    db.session.flush()


def _sync_badges(
    resident_id: int,
    desired: Mapping[str, Earning],
    awarded: set[str],
    held: Mapping[str, BadgeAward],
) -> None:
    """Make the resident's awards (``held``) of the badges still ``awarded`` match
    ``desired``; those of deactivated badges stay as they are."""
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


def _store_progress(counts: Mapping[tuple[int, int], int]) -> None:
    """Write the changed counts, (challenge, resident) -> count: a count of none is no row."""
    kept = [
        {"challenge_id": challenge_id, "resident_id": resident_id, "progress": count}
        for (challenge_id, resident_id), count in counts.items()
        if count
    ]
    if kept:
        upsert = insert(ChallengeProgress).values(kept)
        db.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["challenge_id", "resident_id"],
                set_={"progress": upsert.excluded.progress},
            )
        )
    gone = [key for key, count in counts.items() if not count]
    if gone:
        db.session.execute(
            delete(ChallengeProgress).where(
                tuple_(ChallengeProgress.challenge_id, ChallengeProgress.resident_id).in_(gone)
            )
        )


def _sync_completion(
    goal: Goal,
    resident_id: int,
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
        .values(
            challenge_id=goal.challenge_id,
            resident_id=resident_id,
            checkin_id=checkin_id,
            completed_at=completed_at,
        )
        .on_conflict_do_nothing()
        .returning(ChallengeCompletion.id)
    )
    if completion_id is None:
        return  # another transaction completed it meanwhile, and credited the bonus
    source = Source("challenge", str(completion_id), BONUS_REASON, goal.center_id)
    # A closed account earns nothing; the completion stays on record.
    with suppress(TokenRevoked):
        earn(
            resident_id,
            source,
            None,
            points=goal.bonus_points,
            at=now,
            expires_at=points.expires_at(now),
        )
