"""The weekly report for managers: an ISO week's figures beside the week before and the same
ISO week a year earlier.

Every figure is one the statistics API gives for the same days: events, attendance,
participants, points and gifts are ``stats.service.summary``'s, the follow-ups done and
overdue ``followup_compliance``'s (of those due that week, as of now). Two are the weekly
report's own: residents registered in the week, and follow-ups whose resident was reached by
phone in the week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from core.db import db
from core.exports import Table
from core.i18n import Text, _l
from core.localtime import local_date
from identity.models import Resident, center_of
from stats import followups, rollups
from stats.figures import figures, growth
from stats.periods import Period

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")

#: The report's figures in the order it shows them, with what managers read for each.
FIGURES: dict[str, Text] = {
    "events_held": _l("Events held"),
    "checkins": _l("Attendances"),
    "participants": _l("Participants"),
    "new_participants": _l("New participants"),
    "new_residents": _l("New residents registered"),
    "followups_done": _l("Follow-ups done"),
    "followups_overdue": _l("Follow-ups overdue"),
    "followups_reached": _l("Reached by phone"),
    "points_issued": _l("Points issued"),
    "points_redeemed": _l("Points redeemed"),
    "gifts_handed_out": _l("Gifts handed out"),
}


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """An ISO week: Monday to Sunday, numbered within its ISO year."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W09``; ValueError for anything else, or a week 53 its year lacks."""
        match = WEEK_PATTERN.match(text)
        if match is None:
            raise ValueError(text)
        week = cls(int(match[1]), int(match[2]))
        date.fromisocalendar(week.year, week.number, 1)  # raises for a week that is not
        return week

    @classmethod
    def containing(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def period(self) -> Period:
        return Period(self.monday, self.monday + timedelta(days=6))

    def previous(self) -> Week:
        return Week.containing(self.monday - timedelta(days=7))

    def last_year(self) -> Week:
        """The same ISO week a year earlier; week 53 of a year whose year before has 52
        weeks is compared with that year's week 52."""
        weeks = date(self.year - 1, 12, 28).isocalendar()[1]
        return Week(self.year - 1, min(self.number, weeks))

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.number:02d}"


def last_complete_week(now: datetime, tz: ZoneInfo) -> Week:
    """The latest week whose Sunday has ended in the district."""
    return Week.containing(local_date(now, tz) - timedelta(days=7))


def report(week: Week, center_id: int | None, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The week's figures, each with the week before's and last year's, and the change."""
    weeks = {"this": week, "previous": week.previous(), "last_year": week.last_year()}
    cover = rollups.coverage(tz)
    values = {name: _figures(w, center_id, tz, cover, now) for name, w in weeks.items()}
    return {
        "week": str(week),
        "period": _dates(week),
        "previous_week": {"week": str(weeks["previous"]), "period": _dates(weeks["previous"])},
        "same_week_last_year": {
            "week": str(weeks["last_year"]),
            "period": _dates(weeks["last_year"]),
        },
        "center_id": center_id,
        "center": center_of(center_id),
        "figures": [
            {
                "key": key,
                "label": str(label),
                "value": values["this"][key],
                "previous": values["previous"][key],
                "last_year": values["last_year"][key],
                "change_vs_previous": growth(values["this"][key], values["previous"][key]),
                "change_vs_last_year": growth(values["this"][key], values["last_year"][key]),
            }
            for key, label in FIGURES.items()
        ],
    }


def _dates(week: Week) -> dict[str, date]:
    return {"from": week.period.start, "to": week.period.end}


def _figures(
    week: Week, center_id: int | None, tz: ZoneInfo, cover: rollups.Coverage, now: datetime
) -> dict[str, int]:
    period = week.period
    summary = figures(period, center_id, tz, cover, now)
    compliance = followups.compliance(period, center_id, local_date(now, tz), tz)["total"]
    return {
        "events_held": summary.events_total,
        "checkins": summary.checkins_total,
        "participants": summary.unique_participants,
        "new_participants": summary.new_participants,
        "new_residents": _registered(period, center_id, tz),
        "followups_done": compliance["done_on_time"] + compliance["done_late"],
        "followups_overdue": compliance["overdue"],
        "followups_reached": followups.reached_by_phone(period, center_id, tz),
        "points_issued": summary.points_issued,
        "points_redeemed": summary.points_redeemed,
        "gifts_handed_out": summary.gifts_handed_out,
    }


def _registered(period: Period, center_id: int | None, tz: ZoneInfo) -> int:
    """Residents registered in the period (at a desk or through WeChat) whose home is in
    scope; a record later merged into another was no new person."""
    since, until = period.bounds(tz)
    stmt = select(func.count()).where(
        Resident.created_at >= since,
        Resident.created_at < until,
        Resident.merged_into_id.is_(None),
    )
    if center_id is not None:
        stmt = stmt.where(Resident.center_id == center_id)
    return db.session.scalar(stmt) or 0


def as_change(rate: float | None) -> str:
    """``+12.5%``, ``-3.0%``; ``—`` where there was nothing to change from."""
    return "—" if rate is None else f"{rate:+.1%}"


def title(result: dict[str, Any]) -> str:
    scope = result["center"]["name"] if result["center"] else str(_l("Whole district"))
    return str(_l("%(scope)s · weekly report %(week)s", scope=scope, week=result["week"]))


def page(result: dict[str, Any], printed_on: date) -> str:
    """The report as a printable page of its own (A4), as the API and the e-mail give it.

    Rendered without the app's context processors, which the console's need a request for:
    the mail is written outside one."""
    return current_app.jinja_env.get_template("stats/weekly_report.html").render(
        report=result,
        title=title(result),
        printed_on=printed_on,
        weekly_change=as_change,
    )


def as_percent(rate: float | None) -> float | None:
    """A change as a percentage, one decimal (``12.5`` for +12.5%)."""
    return None if rate is None else round(rate * 100, 1)


def table(result: dict[str, Any]) -> Table:
    """The report as a table to download: the scope, then one line per figure; the changes
    in percent, as numbers a spreadsheet can sort."""
    previous, last_year = result["previous_week"], result["same_week_last_year"]
    scope = result["center"]["name"] if result["center"] else str(_l("Whole district"))
    lines: list[list[Any]] = [[str(_l("Center")), scope, None, None, None, None]]
    for row in result["figures"]:
        lines.append(
            [
                row["label"],
                row["value"],
                row["previous"],
                as_percent(row["change_vs_previous"]),
                row["last_year"],
                as_percent(row["change_vs_last_year"]),
            ]
        )
    return Table(
        str(_l("Weekly report")),
        [
            str(_l("Figure")),
            f"{result['week']} ({result['period']['from']} ~ {result['period']['to']})",
            f"{_l('Week before')} {previous['week']}",
            str(_l("Week on week (percent)")),
            f"{_l('Same week last year')} {last_year['week']}",
            str(_l("Year on year (percent)")),
        ],
        lines,
    )
