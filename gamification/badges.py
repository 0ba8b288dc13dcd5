"""The district's badges: the defaults every district has, and those its managers make from
the rule vocabulary (``models.BADGE_RULES``). A badge is named by its ``code``; a manager's
badge gets ``custom-<id>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from core.auth import Principal
from core.db import db
from core.errors import DomainError, Forbidden
from core.i18n import Text, _l
from gamification.models import Badge
from gamification.rules import BadgeRule


class BadgeRuleInvalid(DomainError):
    status, code, title = 422, "badge_rule_invalid", _l("This badge rule cannot be met")


@dataclass(frozen=True, slots=True)
class BadgeDefinition:
    rule: BadgeRule
    name: Text
    default: bool


def _default(code: str, name: Text, rule: str, count: int = 1, activity: str | None = None) -> Any:
    return BadgeDefinition(BadgeRule(code, rule, count, activity), name, default=True)


DEFAULTS = (
    _default("first_lecture", _l("First lecture"), "activities", 1, "lecture"),
    _default("activities_5", _l("5 activities"), "activities", 5),
    _default("activities_20", _l("20 activities"), "activities", 20),
    _default("activities_50", _l("50 activities"), "activities", 50),
    _default("followups_year", _l("A year of follow-ups on time"), "followups_on_time", 12),
    _default("all_screenings", _l("Every screening done"), "all_screenings"),
    _default("streak_6", _l("Six months in a row"), "streak", 6),
    _default("first_gift", _l("First gift"), "first_gift"),
)


def definitions() -> list[BadgeDefinition]:
    """Every badge of the district: the defaults, then the managers' in the order made."""
    made = db.session.scalars(select(Badge).order_by(Badge.id)).all()
    return [*DEFAULTS, *(_made(badge) for badge in made)]


def _made(badge: Badge) -> BadgeDefinition:
    rule = BadgeRule(
        badge.code, badge.rule, badge.count, badge.activity, badge.starts_on, badge.ends_on
    )
    return BadgeDefinition(rule, badge.name, default=False)


def create(actor: Principal, fields: dict[str, Any]) -> BadgeDefinition:
    """A manager's badge for the whole district (a center's manager may not: badges are the
    district's)."""
    if not actor.is_district_wide:
        raise Forbidden(_l("Badges are the district's: ask its manager."))
    _check(fields["rule"], fields.get("activity"), fields.get("starts_on"), fields.get("ends_on"))
    badge = Badge(code="", created_by_id=actor.id, **fields)
    db.session.add(badge)
    db.session.flush()
    badge.code = f"custom-{badge.id}"
    db.session.flush()
    return _made(badge)


def _check(rule: str, activity: str | None, starts_on: date | None, ends_on: date | None) -> None:
    if rule != "activities" and (activity or starts_on or ends_on):
        raise BadgeRuleInvalid(_l("Only an activities rule names an activity or a period."))
    if starts_on and ends_on and ends_on < starts_on:
        raise BadgeRuleInvalid(_l("The period ends before it starts."))
