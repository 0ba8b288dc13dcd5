"""``/api/v1/me/achievements``, ``/badges``, ``/challenges``: parse, authorize, call one
service function."""

from __future__ import annotations

from typing import Any

from flask import current_app

from core.api import Blueprint, PageArgsSchema, whole
from core.auth import RESIDENT, auth_required, current_principal
from core.db import utcnow
from core.localtime import district_today, district_zone
from gamification import badges, challenges, leaderboard, service
from gamification.progress import GameSettings
from gamification.schemas import (
    AchievementsSchema,
    BadgeCreateSchema,
    BadgePageSchema,
    BadgeSchema,
    ChallengeCreateSchema,
    ChallengePageSchema,
    ChallengeSchema,
    ChallengeUpdateSchema,
    LeaderboardArgsSchema,
    LeaderboardSchema,
    LeaderboardStateSchema,
    LeaderboardSwitchSchema,
)

blp = Blueprint(
    "gamification",
    __name__,
    url_prefix="/api/v1",
    description="Levels, streaks, badges, challenges and the leaderboard",
)
blueprints = (blp,)
MANAGERS = ("manager", "admin")


@blp.get("/me/achievements")
@blp.response(200, AchievementsSchema)
@auth_required(RESIDENT)
def my_achievements() -> dict[str, Any]:
    """The resident's level (by points earned ever: redeeming never lowers it), streak of
    months with an activity, badges (each with when and the check-in that earned it), and
    challenges with their progress."""
    settings = GameSettings.from_config(current_app.config)
    return service.achievements(current_principal().id, district_today(), settings)


@blp.get("/badges")
@blp.response(200, BadgePageSchema)
@auth_required()
def list_badges() -> dict[str, Any]:
    """Every badge of the district: its defaults, then those its managers made (a few
    dozen: one page, `next_cursor` null)."""
    return whole([_badge(definition) for definition in badges.definitions()])


@blp.post("/badges")
@blp.response(201, BadgeSchema)
@auth_required(*MANAGERS)
@blp.arguments(BadgeCreateSchema)
def create_badge(args: dict[str, Any]) -> dict[str, Any]:
    """Make a badge for the whole district (its manager or an administrator) from a rule:
    `activities` (`count` check-ins, of `activity` if given, between `starts_on` and
    `ends_on` if given), `followups_on_time` (`count` follow-ups in a row done by their due
    day), `streak` (`count` months in a row) or `first_gift`. Residents who meet it already
    get it when their history next changes (or at `flask gamification rebuild`).
    `badge_rule_invalid` (422) for a period or activity on another rule."""
    return _badge(badges.create(current_principal(), args))


@blp.post("/badges/<code>/deactivate")
@blp.response(200, BadgeSchema)
@auth_required(*MANAGERS)
def deactivate_badge(code: str) -> dict[str, Any]:
    """Stop awarding a badge a manager made (the district's manager or an administrator):
    residents who hold it keep it; again changes nothing. `badge_default` (409) for one of
    the district's defaults, `not_found` (404) for an unknown code."""
    return _badge(badges.deactivate(current_principal(), code, utcnow()))


def _badge(definition: badges.BadgeDefinition) -> dict[str, Any]:
    rule = definition.rule
    return {
        "code": rule.code,
        "name": str(definition.name),
        "rule": rule.rule,
        "count": rule.count,
        "activity": rule.activity,
        "starts_on": rule.starts_on,
        "ends_on": rule.ends_on,
        "default": definition.default,
        "active": definition.active,
    }


@blp.post("/challenges")
@blp.response(201, ChallengeSchema)
@auth_required(*MANAGERS)
@blp.arguments(ChallengeCreateSchema)
def create_challenge(args: dict[str, Any]) -> dict[str, Any]:
    """Set a challenge: `goal.count` check-ins of `goal.kind` (or `any`) between `starts_on`
    and `ends_on` (district days), at `center_id` or, without one, district-wide (a center's
    manager: their own center). Reaching it credits `bonus_points` once (an `earn` with
    source type `challenge`); an annulment that undoes it takes the bonus back.
    `challenge_period_invalid` (422) when the period ends before it starts."""
    return challenges.create(current_principal(), args)


@blp.get("/challenges")
@blp.response(200, ChallengePageSchema)
@auth_required(*MANAGERS)
@blp.arguments(PageArgsSchema, location="query")
def list_challenges(args: dict[str, Any]) -> dict[str, Any]:
    """The challenges the manager sees (their center's and the district's), newest first,
    with how many residents joined (counted once at least) and completed."""
    return challenges.listing(current_principal(), args["limit"], args["cursor"])


@blp.put("/challenges/<id:challenge_id>")
@blp.response(200, ChallengeSchema)
@auth_required(*MANAGERS)
@blp.arguments(ChallengeUpdateSchema)
def update_challenge(args: dict[str, Any], challenge_id: int) -> dict[str, Any]:
    """Change a challenge before it starts: title, period, goal and bonus (its center stays).
    Once started only the title may change: `challenge_started` (409) otherwise. A center's
    manager changes their center's challenges; a district-wide one is `forbidden` (403) to
    them, another center's `not_found` (404). `challenge_period_invalid` (422) as on
    creation."""
    return challenges.edit(current_principal(), challenge_id, args, district_today())


@blp.post("/challenges/<id:challenge_id>/end")
@blp.response(200, ChallengeSchema)
@auth_required(*MANAGERS)
def end_challenge(challenge_id: int) -> dict[str, Any]:
    """End a running challenge early: today becomes its last day (check-ins today still
    count; bonuses paid stay; ending it again the same day changes nothing).
    `challenge_not_running` (409) before its first day or after its last; who may is as for
    `PUT`."""
    return challenges.end(current_principal(), challenge_id, district_today())


@blp.get("/leaderboard")
@blp.response(200, LeaderboardSchema)
@auth_required()
@blp.arguments(LeaderboardArgsSchema, location="query")
def show_leaderboard(args: dict[str, Any]) -> dict[str, Any]:
    """A center's board for this month or year: only residents who opted in (`PUT
    /api/v1/me {"leaderboard_opt_in": true}`), names masked (张*英), ranked by activities
    attended there (not points), nothing about which. Residents may read any center's
    (their home center's by default), staff their own (the district's staff any; `center_id`
    is needed without a center). `leaderboard_off` (409): the center switched it off."""
    return leaderboard.board(
        current_principal(), args["center_id"], args["period"], utcnow(), district_zone()
    )


@blp.put("/leaderboard/centers/<id:center_id>")
@blp.response(200, LeaderboardStateSchema)
@auth_required(*MANAGERS)
@blp.arguments(LeaderboardSwitchSchema)
def switch_leaderboard(args: dict[str, Any], center_id: int) -> dict[str, Any]:
    """Switch a center's leaderboard on or off (its manager, the district's, an
    administrator); residents' choices to appear are kept either way."""
    return leaderboard.switch(current_principal(), center_id, args["enabled"])
