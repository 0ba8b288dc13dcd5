"""What a resident reads of their gamification: level, streak, badges, challenges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select

from core.db import db
from events.models import Checkin
from gamification import badges
from gamification.models import Badge, BadgeAward, Challenge, ChallengeCompletion, ChallengeProgress
from gamification.progress import GameSettings, activities
from gamification.rules import level_for, parse_levels, streak, streak_of_months
from identity.models import Resident
from points.history import lifetime_earned, lifetime_earned_query


def achievements(resident_id: int, today: date, settings: GameSettings) -> dict[str, Any]:
    """Level by lifetime earned points, streak of active months, badges held, and the
    challenges open to the resident (running at their home center or district-wide) or
    taken part in."""
    level = level_for(lifetime_earned(resident_id), parse_levels(settings.levels))
    current, best = streak(activities(resident_id, settings.tz), today, settings.grace)
    return {
        "level": level,
        "streak": {"months": current, "best": best},
        "badges": held_badges(resident_id),
        "challenges": my_challenges(resident_id, today),
    }


@dataclass(frozen=True, slots=True)
class Glance:
    """What the desk shows of a resident's game: level, current streak, badges' names."""

    level: str
    streak_months: int
    badges: list[str]


def glance(resident_id: int, today: date, settings: GameSettings) -> Glance:
    """:func:`achievements`' level, streak and badges for the desk card, in two small
    queries on the resident's own rows: lifetime points with the months they were active,
    then their badges with the names of managers' ones."""
    month = func.date_trunc("month", func.timezone(settings.tz.key, Checkin.created_at))
    months = select(func.array_agg(func.distinct(month))).where(
        Checkin.resident_id == resident_id, Checkin.annulled_at.is_(None)
    )
    earned, active = db.session.execute(
        select(lifetime_earned_query(resident_id).scalar_subquery(), months.scalar_subquery())
    ).one()
    awards = db.session.execute(
        select(BadgeAward.badge_code, Badge.name)
        .outerjoin(Badge, Badge.code == BadgeAward.badge_code)
        .where(BadgeAward.resident_id == resident_id)
        .order_by(BadgeAward.earned_at, BadgeAward.id)
    ).all()
    defaults = {definition.rule.code: definition.name for definition in badges.DEFAULTS}
    current, _best = streak_of_months(
        [moment.date() for moment in active or ()], today, settings.grace
    )
    return Glance(
        level=level_for(int(earned or 0), parse_levels(settings.levels)).name,
        streak_months=current,
        badges=[str(name or defaults.get(code, code)) for code, name in awards],
    )


def held_badges(resident_id: int) -> list[dict[str, Any]]:
    names = {definition.rule.code: definition.name for definition in badges.definitions()}
    awards = db.session.scalars(
        select(BadgeAward)
        .where(BadgeAward.resident_id == resident_id)
        .order_by(BadgeAward.earned_at, BadgeAward.id)
    )
    return [
        {
            "code": award.badge_code,
            "name": names.get(award.badge_code, award.badge_code),
            "earned_at": award.earned_at,
            "checkin_id": award.checkin_id,
        }
        for award in awards
    ]


def my_challenges(resident_id: int, today: date) -> list[dict[str, Any]]:
    home = db.session.scalar(select(Resident.center_id).where(Resident.id == resident_id))
    open_to_me = and_(
        Challenge.starts_on <= today,
        Challenge.ends_on >= today,
        or_(Challenge.center_id.is_(None), Challenge.center_id == home),
    )
    rows = db.session.execute(
        select(Challenge, ChallengeProgress.progress, ChallengeCompletion.completed_at)
        .outerjoin(
            ChallengeProgress,
            and_(
                ChallengeProgress.challenge_id == Challenge.id,
                ChallengeProgress.resident_id == resident_id,
            ),
        )
        .outerjoin(
            ChallengeCompletion,
            and_(
                ChallengeCompletion.challenge_id == Challenge.id,
                ChallengeCompletion.resident_id == resident_id,
                ChallengeCompletion.revoked_at.is_(None),
            ),
        )
        .where(or_(open_to_me, ChallengeProgress.resident_id.is_not(None)))
        .order_by(Challenge.ends_on.desc(), Challenge.id)
    ).all()
    return [
        {
            "id": challenge.id,
            "title": challenge.title,
            "starts_on": challenge.starts_on,
            "ends_on": challenge.ends_on,
            "bonus_points": challenge.bonus_points,
            "progress": min(progress or 0, challenge.goal_count),
            "goal": {"kind": challenge.goal_kind, "count": challenge.goal_count},
            "completed_at": completed_at,
        }
        for challenge, progress, completed_at in rows
    ]
