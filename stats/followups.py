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

from sqlalchemy import exists, func, select

from core.db import db
from core.localtime import local_day
from events.models import FollowUp
from identity.models import Consent, ResidentCondition, center_of, named_centers
from stats.figures import centers_in, ratio
from stats.periods import Period, month_of

COUNTS = ("due", "done_on_time", "done_late", "overdue", "open", "not_yet_due")


def compliance(period: Period, center_id: int | None, today: date, tz: ZoneInfo) -> dict[str, Any]:
    """Per center and month of the due date. Of those ``due`` (by today): done on time, done
    late, ``overdue`` (their day passed undone) and ``open`` (due today, not done yet)."""
    # One conversion to local time per done follow-up: late is done less on time.
    on_time = local_day(FollowUp.done_at, tz) <= FollowUp.due_on
    has_come = FollowUp.due_on <= today
    stmt = (
        select(
            FollowUp.center_id,
            FollowUp.due_on,
            func.count().filter(has_come),
            func.count(FollowUp.done_at).filter(has_come),
            func.count().filter(has_come, on_time),
            func.count().filter(FollowUp.done_at.is_(None), FollowUp.due_on < today),
            func.count().filter(~has_come),
        )
        .where(
            FollowUp.due_on >= period.start,
            FollowUp.due_on <= period.end,
            exists(_under_consent()),
        )
        .group_by(FollowUp.center_id, FollowUp.due_on)
    )
    if center_id is not None:
        stmt = stmt.where(FollowUp.center_id == center_id)

    months = list(dict.fromkeys(month_of(b.start) for b in period.buckets("month")))
    table = {
        (center, month): dict.fromkeys(COUNTS, 0)
        for center in centers_in(center_id)
        for month in months
    }
    for center, due_on, due, done, done_on_time, overdue, later in db.session.execute(stmt):
        row = table.setdefault((center, month_of(due_on)), dict.fromkeys(COUNTS, 0))
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


def _under_consent() -> Any:
    return (
        select(ResidentCondition.resident_id)
        .join(Consent, Consent.id == ResidentCondition.consent_id)
        .where(
            ResidentCondition.resident_id == FollowUp.resident_id,
            ResidentCondition.condition == FollowUp.condition,
            Consent.withdrawn_at.is_(None),
        )
    )


def _with_open(counts: dict[str, int]) -> dict[str, Any]:
    counts["open"] = (
        counts["due"] - counts["done_on_time"] - counts["done_late"] - counts["overdue"]
    )
    return {**counts, "on_time_rate": ratio(counts["done_on_time"], counts["due"])}
