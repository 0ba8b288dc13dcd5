"""Earning rules: how many points an activity is worth at a center, and the caps per resident.

A center's own rule wins over the district's; without either, built-in defaults apply
(``in_force``). ``earning.earn`` applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select

from core.auth import Principal
from core.db import db, utcnow
from core.errors import Forbidden, ValidationFailed
from core.i18n import _l
from identity.audit import record_audit
from identity.models import Center, Staff
from points.models import ACTIVITIES, EarningRule

#: Points per activity when neither the center nor the district set a rule.
DEFAULT_POINTS = {"lecture": 10, "consultation": 5, "followup": 10, "revisit": 5, "screening": 10}


@dataclass(frozen=True, slots=True)
class Rule:
    activity: str
    points: int
    daily_cap: int | None
    monthly_cap: int | None
    #: Where the rule comes from: ``center``, ``district`` or ``default``.
    origin: str
    center_id: int | None = None


def rules_at(center_ids: Iterable[int | None]) -> dict[int | None, dict[str, Rule]]:
    """The rule in force for every activity at each center (None: the district), in one query."""
    wanted = set(center_ids)
    rows = db.session.scalars(
        select(EarningRule).where(
            or_(
                EarningRule.center_id.is_(None),
                EarningRule.center_id.in_([c for c in wanted if c is not None]),
            )
        )
    ).all()
    found = {(row.center_id, row.activity): row for row in rows}
    return {
        center_id: {
            activity: in_force(
                activity,
                found.get((center_id, activity)) if center_id else None,
                found.get((None, activity)),
            )
            for activity in ACTIVITIES
        }
        for center_id in wanted
    }


class RuleRow(Protocol):
    """A row of ``earning_rules`` as any query reads it."""

    center_id: int | None
    points: int
    daily_cap: int | None
    monthly_cap: int | None


def in_force(activity: str, center_rule: RuleRow | None, district_rule: RuleRow | None) -> Rule:
    """A center's own rule wins over the district's; without either, the built-in default."""
    row = center_rule or district_rule
    if row is None:
        return Rule(activity, DEFAULT_POINTS[activity], None, None, "default")
    origin = "center" if row.center_id is not None else "district"
    return Rule(activity, row.points, row.daily_cap, row.monthly_cap, origin, row.center_id)


def rules_for(center_id: int | None) -> list[Rule]:
    """The rule in force for every activity at a center (or the district's, for None)."""
    return list(rules_at([center_id])[center_id].values())


def rule_for(center_id: int | None, activity: str) -> Rule:
    return rules_at([center_id])[center_id][activity]


def points_to_earn(rule: Rule, points: int | None) -> int:
    """What an activity earns before the caps: its own ``points`` (an event's), else the rule's."""
    return rule.points if points is None else points


def set_rule(
    actor: Principal,
    center_id: int | None,
    activity: str,
    points: int,
    daily_cap: int | None,
    monthly_cap: int | None,
) -> Rule:
    """Set a center's rule (its manager) or the district default (a district manager)."""
    if center_id is None and not actor.is_district_wide:
        raise Forbidden(_l("Only district managers set the district's rules."))
    if center_id is not None and not actor.can_access_center(center_id):
        raise Forbidden(_l("You manage another center."))
    if center_id is not None and db.session.get(Center, center_id) is None:
        raise ValidationFailed(errors={"center_id": [_l("No such center.")]})
    if activity not in ACTIVITIES:
        raise ValidationFailed(
            errors={"activity": [_l("One of %(choices)s.", choices=", ".join(ACTIVITIES))]}
        )
    rule = db.session.scalar(
        select(EarningRule).where(
            EarningRule.activity == activity,
            EarningRule.center_id.is_(None)
            if center_id is None
            else EarningRule.center_id == center_id,
        )
    )
    if rule is None:
        rule = EarningRule(center_id=center_id, activity=activity)
        db.session.add(rule)
    rule.points, rule.daily_cap, rule.monthly_cap = points, daily_cap, monthly_cap
    rule.updated_by_id, rule.updated_at = actor.id, utcnow()
    db.session.flush()
    # The trail keeps every version: the row holds only the one in force.
    where = "district" if center_id is None else f"center {center_id}"
    record_audit(
        actor,
        "rule.set",
        None,
        f"{where} {activity}: points={points} daily_cap={daily_cap} monthly_cap={monthly_cap}",
    )
    return rule_for(center_id, activity)


@dataclass(frozen=True, slots=True)
class RuleChange:
    at: datetime
    by: str | None


def last_changes(center_id: int | None) -> dict[str, RuleChange]:
    """When each activity's own rule at a center (None: the district's) was last set, and by
    whom; an activity that never had one here is absent."""
    rows = db.session.execute(
        select(EarningRule.activity, EarningRule.updated_at, Staff.name)
        .outerjoin(Staff, Staff.id == EarningRule.updated_by_id)
        .where(
            EarningRule.center_id.is_(None)
            if center_id is None
            else EarningRule.center_id == center_id
        )
    )
    return {activity: RuleChange(at, by) for activity, at, by in rows}
