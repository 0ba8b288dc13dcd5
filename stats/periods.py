"""Periods of whole local days, and the instants that bound them.

A report's "2025" is January 1 to December 31 in the district's time zone: a check-in at
23:30 on December 31 in Shanghai belongs to 2025 although it is 15:30 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.localtime import day_start

INTERVALS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class Period:
    """``start`` to ``end``, both days included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> Period:
        """The same days a year earlier (February 29 becomes February 28)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants from the first day's local midnight to the one after the last."""
        return _midnight(self.start, tz), _midnight(self.end + timedelta(days=1), tz)

    def buckets(self, interval: str) -> list[Period]:
        """Consecutive day, week (Monday to Sunday) or month buckets, cut to this period."""
        buckets = []
        start = self.start
        while start <= self.end:
            if interval == "day":
                stop = start
            elif interval == "week":
                stop = start + timedelta(days=6 - start.weekday())
            else:
                stop = _next_month(start) - timedelta(days=1)
            buckets.append(Period(start, min(stop, self.end)))
            start = buckets[-1].end + timedelta(days=1)
        return buckets


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return day_start(day, tz).astimezone(UTC)


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return _next_month(day) - timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
