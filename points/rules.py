"""Earning rules: how many points an activity is worth at a center, and the caps per resident.

A center's own rule wins over the district's; without either, built-in defaults apply.
Caps are enforced by a conditional upsert on a per-period counter, under the account lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql

from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ValidationFailed
from core.i18n import _l
from identity.models import Center
from identity.tokens import Principal
from points.expiry import PointsSettings
from points.models import ACTIVITIES, EarningCounter, EarningRule
from points.service import Movement, Source, credit_account, find_movement, lock_account

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


@dataclass(frozen=True, slots=True)
class Earned:
    """A credit by the rules: ``capped`` when a cap cut it below what the rule gives."""

    movement: Movement
    wanted: int
    capped: bool


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
        center_id: {activity: _in_force(found, center_id, activity) for activity in ACTIVITIES}
        for center_id in wanted
    }


def _in_force(
    found: dict[tuple[int | None, str], EarningRule], center_id: int | None, activity: str
) -> Rule:
    """A center's own rule wins over the district's; without either, the built-in default."""
    row = found.get((center_id, activity)) if center_id else None
    row = row or found.get((None, activity))
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
    return rule_for(center_id, activity)


def earn(
    resident_id: int,
    activity: str,
    source: Source,
    actor: Principal | None,
    settings: PointsSettings,
    *,
    points: int | None = None,
    at: datetime | None = None,
    new_source: bool = False,
) -> Earned:
    """Credit an activity by the rules of ``source.center_id``, within the caps.

    ``at``: when the activity happened; the credit is dated then.
    ``points`` overrides the rule's amount (an event worth more); caps still apply.
    A capped earn may credit nothing: its ``movement.transaction_id`` is then None.
    ``new_source``: the caller just created the source (a check-in row), so it cannot have
    earned before; the lookup is skipped (the unique key still guards).
    """
    at = at or utcnow()
    rule = rule_for(source.center_id, activity)
    wanted = points_to_earn(rule, points)
    account = lock_account(resident_id)
    earlier = None if new_source else find_movement(source, "earn", account)
    if earlier is not None:
        return Earned(earlier, wanted, capped=False)
    granted = _count_against_caps(resident_id, activity, wanted, rule, at, settings)
    if granted == 0:
        return Earned(Movement(None, 0, account.balance), wanted, capped=wanted > 0)
    movement = credit_account(
        account, granted, source, actor, expires_at=settings.expires_at(at), at=at
    )
    return Earned(movement, wanted, capped=granted < wanted)


def counter_periods(at: datetime, settings: PointsSettings) -> tuple[str, str]:
    """The day's and the month's counter periods for a moment, in the district time zone."""
    local = at.astimezone(settings.tz)
    return f"D{local:%Y-%m-%d}", f"M{local:%Y-%m}"


def prune_counters(now: datetime, settings: PointsSettings) -> int:
    """Forget the counters of days and months that have ended; returns how many.

    A cap only ever reads the current day's and month's counters; the rest would grow by a
    row per resident and active day, and every check-in's upsert would pay for their index.
    """
    day, month = counter_periods(now, settings)
    ended = or_(
        EarningCounter.period.startswith("D") & (EarningCounter.period < day),
        EarningCounter.period.startswith("M") & (EarningCounter.period < month),
    )
    result = db.session.execute(delete(EarningCounter).where(ended))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def allowance(resident_id: int, activity: str, wanted: int, caps: dict[str, int | None]) -> int:
    """How much of ``wanted`` the caps (by period) still allow; read under the account lock."""
    if all(cap is None for cap in caps.values()):
        return wanted
    used = dict(
        db.session.execute(
            select(EarningCounter.period, EarningCounter.points).where(
                EarningCounter.resident_id == resident_id,
                EarningCounter.activity == activity,
                EarningCounter.period.in_(caps),
            )
        ).all()
    )
    granted = wanted
    for period, cap in caps.items():
        if cap is not None:
            granted = min(granted, cap - used.get(period, 0))
    return max(granted, 0)


def _count_against_caps(
    resident_id: int,
    activity: str,
    wanted: int,
    rule: Rule,
    at: datetime,
    settings: PointsSettings,
) -> int:
    """Bump the day's and month's counters by what may still be earned; return that."""
    if wanted <= 0:
        return 0
    day, month = counter_periods(at, settings)
    periods = {day: rule.daily_cap, month: rule.monthly_cap}
    granted = allowance(resident_id, activity, wanted, periods)
    if granted == 0:
        return 0
    if all(cap is None for cap in periods.values()):
        # No cap to hold: count both periods in one statement.
        stmt = postgresql.insert(EarningCounter).values(
            [
                {"resident_id": resident_id, "activity": activity, "period": p, "points": granted}
                for p in periods
            ]
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["resident_id", "activity", "period"],
                set_={"points": EarningCounter.points + stmt.excluded.points},
            )
        )
        return granted
    for period, cap in periods.items():
        stmt = postgresql.insert(EarningCounter).values(
            resident_id=resident_id, activity=activity, period=period, points=granted
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["resident_id", "activity", "period"],
            set_={"points": EarningCounter.points + granted},
            where=(EarningCounter.points + granted <= cap) if cap is not None else None,
        ).returning(EarningCounter.points)
        if db.session.execute(stmt).scalar() is None:
            # Impossible under the account lock; the database refuses rather than overshoot.
            raise Conflict(_l("The earning cap changed underneath; try again."))
    return granted
