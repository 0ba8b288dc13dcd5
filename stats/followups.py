"""Follow-up compliance: of the follow-ups due, how many were done on time, late, or are overdue.

A follow-up is due once its day has come: those due later in the period are counted apart
(``not_yet_due``) and stay out of the rate, which a manager reads as "of those we had to do".

Only follow-ups of residents whose condition tag stands under a consent they have not
withdrawn count: without consent the program does not follow them.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, cast, exists, func, select

from core.db import db
from events.models import FollowUp, FollowUpCall
from identity.models import center_of, named_centers
from stats import followup_rollups
from stats.figures import centers_in, ratio
from stats.periods import Period, month_of

COUNTS = ("due", "done_on_time", "done_late", "overdue", "open", "not_yet_due")


def compliance(period: Period, center_id: int | None, today: date, tz: ZoneInfo) -> dict[str, Any]:
    """Per center and month of the due date. Of those ``due`` (by today): done on time, done
    late, ``overdue`` (their day passed undone) and ``open`` (due today, not done yet)."""
    days = followup_rollups.per_day(period, center_id, tz)
    has_come = days.c.due_on <= today
    month = cast(func.date_trunc("month", cast(days.c.due_on, DateTime)), Date)

    def total(column: Any, *where: Any) -> Any:
        return func.coalesce(func.sum(column).filter(*where), 0)

    stmt = select(
        days.c.center_id,
        month,
        total(days.c.followups, has_come),
        total(days.c.done, has_come),
        total(days.c.done_on_time, has_come),
        total(days.c.followups - days.c.done, days.c.due_on < today),
        total(days.c.followups, ~has_come),
    ).group_by(days.c.center_id, month)

    months = list(dict.fromkeys(month_of(b.start) for b in period.buckets("month")))
    table = {
        (center, month): dict.fromkeys(COUNTS, 0)
        for center in centers_in(center_id)
        for month in months
    }
    for center, due_month, due, done, done_on_time, overdue, later in db.session.execute(stmt):
        row = table.setdefault((center, month_of(due_month)), dict.fromkeys(COUNTS, 0))
        row["due"] += due
        row["done_on_time"] += done_on_time
        row["done_late"] += done - done_on_time
        row["overdue"] += overdue
        row["not_yet_due"] += later
    names = named_centers(center for center, _ in table)
    rows = [
        {"center_id": center, "center": names[center], "month": month, **_with_open(counts)}
        for (center, month), counts in sorted(table.items())
    ]
    total = dict.fromkeys(COUNTS, 0)
    for row in rows:
        for key in COUNTS:
            total[key] += row[key]
    return {
        "period": {"from": period.start, "to": period.end},
        "center_id": center_id,
        "center": center_of(center_id),
        "rows": rows,
        "total": {**total, "on_time_rate": ratio(total["done_on_time"], total["due"])},
    }


def _with_open(counts: dict[str, int]) -> dict[str, Any]:
    counts["open"] = (
        counts["due"] - counts["done_on_time"] - counts["done_late"] - counts["overdue"]
    )
    return {**counts, "on_time_rate": ratio(counts["done_on_time"], counts["due"])}


def reached_by_phone(period: Period, center_id: int | None, tz: ZoneInfo) -> int:
    """Follow-ups whose resident staff reached by phone in the period (a follow-up called
    twice and reached twice counts once)."""
    since, until = period.bounds(tz)
    stmt = (
        select(func.count(func.distinct(FollowUpCall.followup_id)))
        .join(FollowUp, FollowUp.id == FollowUpCall.followup_id)
        .where(
            FollowUpCall.outcome == "reached",
            FollowUpCall.called_at >= since,
            FollowUpCall.called_at < until,
            exists(followup_rollups.under_consent()),
        )
    )
    if center_id is not None:
        stmt = stmt.where(FollowUp.center_id == center_id)
    return db.session.scalar(stmt) or 0
