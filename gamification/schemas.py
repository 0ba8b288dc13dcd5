"""The shapes of gamification's API."""

from __future__ import annotations

import marshmallow as ma

from core.api import day_field, id_field, moment_field, page_schema
from gamification.models import BADGE_RULES, GOAL_KINDS
from points.models import ACTIVITIES


class LevelSchema(ma.Schema):
    name = ma.fields.String(required=True)
    lifetime_points = ma.fields.Integer(
        required=True, metadata={"description": "Points earned ever; spending never lowers it"}
    )
    next_at = ma.fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Lifetime points where the next level starts (null: top)"},
    )


class StreakSchema(ma.Schema):
    months = ma.fields.Integer(
        required=True, metadata={"description": "Months in a row with an activity, up to now"}
    )
    best = ma.fields.Integer(required=True, metadata={"description": "The longest run ever"})


class HeldBadgeSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    earned_at = moment_field(required=True)
    checkin_id = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "The check-in that earned it"}
    )


class GoalSchema(ma.Schema):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(GOAL_KINDS),
        metadata={"description": "An activity, or `any`"},
    )
    count = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=1000))


class MyChallengeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    bonus_points = ma.fields.Integer(required=True)
    progress = ma.fields.Integer(required=True)
    goal = ma.fields.Nested(GoalSchema, required=True)
    completed_at = moment_field(required=True, allow_none=True)


class AchievementsSchema(ma.Schema):
    level = ma.fields.Nested(LevelSchema, required=True)
    streak = ma.fields.Nested(StreakSchema, required=True)
    badges = ma.fields.List(ma.fields.Nested(HeldBadgeSchema), required=True)
    challenges = ma.fields.List(ma.fields.Nested(MyChallengeSchema), required=True)


class BadgeCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    rule = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([rule for rule in BADGE_RULES if rule != "all_screenings"]),
    )
    count = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1000))
    activity = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.OneOf(ACTIVITIES)
    )
    starts_on = day_field(load_default=None, allow_none=True)
    ends_on = day_field(load_default=None, allow_none=True)


class BadgeSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)
    activity = ma.fields.String(required=True, allow_none=True)
    starts_on = ma.fields.Date(required=True, allow_none=True)
    ends_on = ma.fields.Date(required=True, allow_none=True)
    default = ma.fields.Boolean(required=True, metadata={"description": "One of the district's"})
    active = ma.fields.Boolean(
        required=True,
        metadata={"description": "Still awarded (false: deactivated; its holders keep it)"},
    )


class ChallengeCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    starts_on = day_field(required=True)
    ends_on = day_field(required=True)
    center_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "Null: district-wide (the district's manager only)"},
    )
    goal = ma.fields.Nested(GoalSchema, required=True)
    bonus_points = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100000))


class ChallengeUpdateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    starts_on = day_field(required=True)
    ends_on = day_field(required=True)
    goal = ma.fields.Nested(GoalSchema, required=True)
    bonus_points = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100000))


class ChallengeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    goal = ma.fields.Nested(GoalSchema, required=True)
    bonus_points = ma.fields.Integer(required=True)
    joined = ma.fields.Integer(
        required=True, metadata={"description": "Residents with at least one counted check-in"}
    )
    completed = ma.fields.Integer(required=True)


class LeaderboardArgsSchema(ma.Schema):
    center_id = id_field(
        load_default=None,
        metadata={"description": "Default: the resident's home center, the staff's own"},
    )
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(("month", "year")))


class LeaderboardRowSchema(ma.Schema):
    rank = ma.fields.Integer(required=True, metadata={"description": "Ties share a rank"})
    name = ma.fields.String(required=True, metadata={"description": "Masked: 张*英"})
    activities = ma.fields.Integer(required=True)
    me = ma.fields.Boolean(required=True, metadata={"description": "The asking resident"})


class LeaderboardSchema(ma.Schema):
    center_id = ma.fields.Integer(required=True)
    period = ma.fields.String(required=True)
    since = ma.fields.Date(required=True, metadata={"description": "The period's first day"})
    items = ma.fields.List(ma.fields.Nested(LeaderboardRowSchema), required=True)


class LeaderboardSwitchSchema(ma.Schema):
    enabled = ma.fields.Boolean(required=True)


class LeaderboardStateSchema(ma.Schema):
    center_id = ma.fields.Integer(required=True)
    enabled = ma.fields.Boolean(required=True)


BadgePageSchema = page_schema(BadgeSchema, "BadgePage")
ChallengePageSchema = page_schema(ChallengeSchema, "ChallengePage")
