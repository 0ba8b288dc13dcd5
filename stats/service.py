"""Manager statistics: the yearly report's numbers for any period, district-wide or per center.

Reads the other packages' tables and writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.auth import Principal
from core.db import db
from core.errors import Forbidden, NotFound
from core.i18n import _l
from core.localtime import local_date
from identity.models import Center, center_of, named_centers
from stats import followups, rankings, rollups, series
from stats.figures import (
    GROWTH_KEYS,
    Figures,
    Parts,
    centers_in,
    checkins_by_activity,
    figures,
    gifts_handed_out,
    growth,
)
from stats.periods import Period
from stats.raw import Window


def scope_for(actor: Principal, center_id: int | None) -> int | None:
    """The center a manager's figures cover: None for the whole district.

    A center's manager sees their own center whether they name it or not; naming another
    is refused.
    """
    if center_id is not None and db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))
    if actor.is_district_wide:
        return center_id
    if center_id not in (None, actor.center_id):
        raise Forbidden(_l("Managers see their own center's figures only."))
    return actor.center_id


def window(period: Period, center_id: int | None, tz: ZoneInfo) -> Window:
    return Window(*period.bounds(tz), center_id)


def summary(period: Period, center_id: int | None, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The period's figures beside the previous period's and the same period a year earlier."""
    cover = rollups.coverage(tz)
    current = figures(period, center_id, tz, cover, now)
    previous_period, last_year = period.previous(), period.year_before()
    year_before = figures(last_year, center_id, tz, cover, now)
    # For a whole year that follows a year of 365 days, the previous period is that year.
    same = previous_period == last_year
    previous = year_before if same else figures(previous_period, center_id, tz, cover, now)
    return {
        "period": _dates(period),
        "center_id": center_id,
        "center": center_of(center_id),
        **_described(current),
        "previous_period": {"period": _dates(previous_period), **_described(previous)},
        "same_period_last_year": {"period": _dates(last_year), **_described(year_before)},
        "growth": _growth(current, year_before),
        "growth_vs_previous_period": _growth(current, previous),
    }


def _dates(period: Period) -> dict[str, date]:
    return {"from": period.start, "to": period.end}


def _described(result: Figures) -> dict[str, Any]:
    derived = ("events_total", "checkins_total", "gifts_handed_out", "repeat_rate")
    return {**asdict(result), **{key: getattr(result, key) for key in derived}}


def _growth(current: Figures, base: Figures) -> dict[str, float | None]:
    rates = {key: growth(getattr(current, key), getattr(base, key)) for key in GROWTH_KEYS}
    rates["checkins"] = rates["checkins_total"]  # the contract's name: total attendances
    return rates


def participation(
    period: Period, interval: str, group_by: str, center_id: int | None, tz: ZoneInfo
) -> dict[str, Any]:
    """Check-ins and participants per day, week or month, split by kind or by center.

    ``centers``: the centers of the scope, whose ids key the groups when split by center.
    """
    return {
        "period": _dates(period),
        "interval": interval,
        "group_by": group_by,
        "center_id": center_id,
        "center": center_of(center_id),
        "centers": list(named_centers(centers_in(center_id)).values()),
        "buckets": series.participation(
            period, interval, group_by, center_id, tz, rollups.coverage(tz)
        ),
    }


def followup_compliance(
    period: Period, center_id: int | None, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Follow-ups due per center and month; ``now`` decides which are overdue."""
    return followups.compliance(period, center_id, local_date(now, tz), tz)


def event_ranking(
    period: Period,
    center_id: int | None,
    tz: ZoneInfo,
    limit: int,
    now: datetime,
    kind: str | None = None,
) -> dict[str, Any]:
    """The period's events (of ``kind`` only, if given), best attended first."""
    scope = window(period, center_id, tz)
    ranked = rankings.events_by_attendance(
        period, scope.center_id, tz, rollups.coverage(tz), limit, now, kind
    )
    return _ranking(period, scope.center_id, ranked)


def gift_ranking(
    period: Period, center_id: int | None, tz: ZoneInfo, limit: int | None
) -> dict[str, Any]:
    """The gifts handed out in the period (not taken back), most given first; all of them
    when ``limit`` is None."""
    scope = window(period, center_id, tz)
    parts = Parts.of(period, scope.center_id, tz, rollups.coverage(tz))
    return _ranking(period, scope.center_id, gifts_handed_out(parts, limit))


def _ranking(period: Period, center_id: int | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "period": {"from": period.start, "to": period.end},
        "center_id": center_id,
        "center": center_of(center_id),
        "items": rows,
    }


def attendance(period: Period, center_id: int | None, tz: ZoneInfo) -> dict[str, int]:
    """Check-ins that count over the period, by kind of activity (``any``: all of them):
    what a campaign's uplift is read from, cheaply (the rollups' sums)."""
    counts = checkins_by_activity(Parts.of(period, center_id, tz, rollups.coverage(tz)))
    return {**counts, "any": sum(counts.values())}
