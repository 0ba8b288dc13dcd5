"""What a resident reads of their gamification: level, streak, badges, challenges."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select

from core.db import db
from gamification import badges
from gamification.models import BadgeAward, Challenge, ChallengeCompletion, ChallengeProgress
from gamification.progress import GameSettings, activities
from gamification.rules import level_for, parse_levels, streak
from identity.models import Resident
from points.history import lifetime_earned


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
