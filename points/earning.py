"""Earning: the one way points are credited, whatever earned them.

A check-in, a challenge's bonus, an imported balance or a manager's correction all come
here. An activity (``lecture``...) earns by the rule in force at the source's center,
within the resident's caps for the day and the month; anything else earns the amount it
names. The fast path is two statements: the account locked with the rules read and a
transaction id taken, then the append (``ledger``); a rule with caps reads its counters
in between, under the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, or_, select

from core.auth import Principal
from core.db import db, driver_connection, utcnow
from points import ledger
from points.expiry import PointsSettings
from points.ledger import Counters, LockedAccount, Source
from points.models import EarningCounter
from points.rules import Rule, in_force, points_to_earn
from points.service import Movement, find_movement

_LOCK_WITH_RULES = f"""
    WITH {ledger.LOCKED_ACCOUNT}
    SELECT account.balance, account.reserved, account.version, account.chain_head,
           account.closed_at, nextval('ledger_transactions_id_seq'),
           here.center_id, here.points, here.daily_cap, here.monthly_cap,
           district.center_id, district.points, district.daily_cap, district.monthly_cap
    FROM account
    LEFT JOIN earning_rules here
           ON here.center_id = CAST(%(center_id)s AS integer)
          AND here.activity = CAST(%(activity)s AS varchar)
    LEFT JOIN earning_rules district
           ON district.center_id IS NULL AND district.activity = CAST(%(activity)s AS varchar)
"""


class _RuleRow(NamedTuple):
    center_id: int | None
    points: int
    daily_cap: int | None
    monthly_cap: int | None


@dataclass(frozen=True, slots=True)
class Earned:
    """What an earn did: ``wanted`` before the caps; ``capped`` when a cap cut it."""

    movement: Movement
    wanted: int
    capped: bool


def earn(
    resident_id: int,
    source: Source,
    actor: Principal | None,
    *,
    activity: str | None = None,
    settings: PointsSettings | None = None,
    points: int | None = None,
    kind: str = "earn",
    at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Earned:
    """Credit points as a new lot, once per source and kind.

    ``activity``: earn by the rule in force at ``source.center_id`` (``points``, if given,
    overrides the rule's amount, an event worth more), within the caps; the day, the month
    and the lot's expiry follow the district's ``settings``. Without ``activity``,
    ``points`` is the amount and the lot expires at ``expires_at`` (None: never).
    ``at``: when it happened, if not now: the credit is dated then.
    A capped earn may credit nothing: its ``movement.transaction_id`` is then None. A source
    that earned before returns that earlier movement, unchanged (``duplicate``).
    """
    if activity is None and (points is None or points <= 0):
        raise ValueError("a credit moves a positive number of points")
    at = at or utcnow()
    account, rule = _lock_with_rule(resident_id, activity, source.center_id)
    counters = None
    if rule is None:
        wanted = granted = points or 0
    else:
        if settings is None:
            raise ValueError("an activity earns by the district's settings")
        wanted = points_to_earn(rule, points)
        day, month = counter_periods(at, settings)
        counters = Counters(rule.activity, day, month, rule.daily_cap, rule.monthly_cap)
        granted = _allowance(account.resident_id, wanted, counters)
        expires_at = settings.expires_at(at)
    if granted <= 0:
        # A source replayed once the caps are full is still the earlier credit, if any.
        earlier = find_movement(source, kind, account) if source.id is not None else None
        return Earned(earlier or Movement(None, 0, account.balance), wanted, capped=wanted > 0)
    transaction_id = ledger.append(
        account,
        kind,
        granted,
        source,
        actor,
        at=at,
        opens_lot=True,
        expires_at=expires_at,
        counters=counters,
    )
    if transaction_id is None:
        earlier = find_movement(source, kind, account)
        if earlier is None:
            raise RuntimeError("a credit collided on a key other than its source's")
        return Earned(earlier, wanted, capped=False)
    return Earned(Movement(transaction_id, granted, account.balance), wanted, granted < wanted)


def _lock_with_rule(
    resident_id: int, activity: str | None, center_id: int | None
) -> tuple[LockedAccount, Rule | None]:
    """Lock the account, take a transaction id and read the activity's rules: one statement."""
    params = {**ledger.lock_params(resident_id), "activity": activity, "center_id": center_id}
    with driver_connection() as connection:
        row = connection.execute(_LOCK_WITH_RULES, params).fetchone()
    account = ledger.locked(resident_id, row[:6])
    if activity is None:
        return account, None
    here, district = (_RuleRow(*row[6:10]), _RuleRow(*row[10:14]))
    rule = in_force(
        activity,
        here if here.points is not None else None,
        district if district.points is not None else None,
    )
    return account, rule


def _allowance(resident_id: int, wanted: int, counters: Counters) -> int:
    """How much of ``wanted`` the caps still allow; read under the account lock."""
    caps = {counters.day: counters.daily_cap, counters.month: counters.monthly_cap}
    if wanted <= 0 or all(cap is None for cap in caps.values()):
        return wanted
    used = dict(
        db.session.execute(
            select(EarningCounter.period, EarningCounter.points).where(
                EarningCounter.resident_id == resident_id,
                EarningCounter.activity == counters.activity,
                EarningCounter.period.in_(caps),
            )
        ).all()
    )
    granted = wanted
    for period, cap in caps.items():
        if cap is not None:
            granted = min(granted, cap - used.get(period, 0))
    return max(granted, 0)


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
