"""The district's badges: the defaults every district has, and those its managers make from
the rule vocabulary (``models.BADGE_RULES``) and may deactivate. A badge is named by its
``code``; a manager's badge gets ``custom-<id>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from core.auth import Principal
from core.db import db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import Text, _l
from gamification.models import Badge, BadgeAward
from gamification.rules import BadgeRule


class BadgeRuleInvalid(DomainError):
    status, code, title = 422, "badge_rule_invalid", _l("This badge rule cannot be met")


class BadgeDefault(Conflict):
    code, title = "badge_default", _l("A default badge cannot be deactivated")


@dataclass(frozen=True, slots=True)
class BadgeDefinition:
    rule: BadgeRule
    name: Text
    default: bool
    #: Still awarded; a deactivated badge stays with those who hold it.
    active: bool = True


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
    """Every badge of the district: the defaults, then the managers' in the order made
    (deactivated ones too: their holders keep them)."""
    made = db.session.scalars(select(Badge).order_by(Badge.id)).all()
    return [*DEFAULTS, *(_made(badge) for badge in made)]


def holders() -> dict[str, int]:
    """How many residents hold each badge, by code (badges nobody holds are absent)."""
    rows = db.session.execute(
        select(BadgeAward.badge_code, func.count()).group_by(BadgeAward.badge_code)
    )
    return {code: count for code, count in rows}


def _made(badge: Badge) -> BadgeDefinition:
    rule = BadgeRule(
        badge.code, badge.rule, badge.count, badge.activity, badge.starts_on, badge.ends_on
    )
    return BadgeDefinition(rule, badge.name, default=False, active=badge.deactivated_at is None)


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


def deactivate(actor: Principal, code: str, now: datetime) -> BadgeDefinition:
    """Stop awarding a manager's badge (the district's manager): residents who hold it keep
    it. Again is no change. The defaults are every district's: ``badge_default`` (409)."""
    if not actor.is_district_wide:
        raise Forbidden(_l("Badges are the district's: ask its manager."))
    if any(definition.rule.code == code for definition in DEFAULTS):
        raise BadgeDefault(_l("The district's default badges stay."))
    badge = db.session.scalar(select(Badge).where(Badge.code == code).with_for_update())
    if badge is None:
        raise NotFound(_l("No such badge."))
    if badge.deactivated_at is None:
        badge.deactivated_at = now
        db.session.flush()
    return _made(badge)


def _check(rule: str, activity: str | None, starts_on: date | None, ends_on: date | None) -> None:
    if rule != "activities" and (activity or starts_on or ends_on):
        raise BadgeRuleInvalid(_l("Only an activities rule names an activity or a period."))
    if starts_on and ends_on and ends_on < starts_on:
        raise BadgeRuleInvalid(_l("The period ends before it starts."))
