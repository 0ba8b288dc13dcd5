"""The rules themselves, on plain data: levels, streaks, what earns each badge and how far a
challenge has got. No database here: ``progress`` reads a resident's history and hands it
over, so the incremental path and ``flask gamification rebuild`` decide alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Activity:
    """A check-in that stands: when (and the district's day of it), what, where."""

    checkin_id: int
    at: datetime
    day: date
    kind: str
    center_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class FollowUpDone:
    """A follow-up as the badge rule reads it: due day, and the day it was done (if)."""

    due_on: date
    done_on: date | None
    done_at: datetime | None
    checkin_id: int | None


@dataclass(frozen=True, slots=True)
class BadgeRule:
    code: str
    rule: str
    count: int = 1
    activity: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class History:
    """What a resident did, oldest first: all a badge or challenge is decided from."""

    activities: Sequence[Activity]
    followups: Sequence[FollowUpDone]
    #: Screenings made for this resident alone: (event id, start).
    personal_screenings: Sequence[tuple[int, datetime]]
    first_gift_at: datetime | None
    today: date


#: What earned something: when, and the check-in (None for a gift).
Earning = tuple[datetime, int | None]


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    lifetime_points: int
    #: Lifetime points where the next level starts; None at the top.
    next_at: int | None


def parse_levels(text: str) -> list[tuple[int, str]]:
    """``"0:健康新手,100:健康学徒"`` → thresholds and names, lowest first."""
    levels = []
    for part in text.split(","):
        points, _, name = part.partition(":")
        levels.append((int(points), name.strip()))
    levels.sort()
    if not levels or levels[0][0] != 0:
        raise ValueError("GAMIFICATION_LEVELS must start at 0 points")
    return levels


def level_for(lifetime_points: int, levels: Sequence[tuple[int, str]]) -> Level:
    """The highest level reached: earned points count, spent ones are never taken off."""
    name, next_at = levels[0][1], None
    for threshold, level_name in levels:
        if lifetime_points >= threshold:
            name = level_name
        else:
            next_at = threshold
            break
    return Level(name, lifetime_points, next_at)


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def streak_runs(months: Sequence[int], grace: bool) -> list[list[int]]:
    """Runs of active months (``year * 12 + month - 1``, ascending, distinct). With
    ``grace`` a run survives one empty month per calendar year (the empty month's); the
    empty month does not count."""
    runs: list[list[int]] = []
    graced: set[int] = set()
    for month in months:
        if runs and month - runs[-1][-1] == 1:
            runs[-1].append(month)
        elif runs and grace and month - runs[-1][-1] == 2 and (month - 1) // 12 not in graced:
            graced.add((month - 1) // 12)
            runs[-1].append(month)
        else:
            runs.append([month])
            graced = set()
    return runs


def streak(activities: Sequence[Activity], today: date, grace: bool) -> tuple[int, int]:
    """(current, best) streak in months. The current month need not have an activity yet:
    a run ending last month is still going (or the month before, with a grace left)."""
    return streak_of_months([activity.day for activity in activities], today, grace)


def streak_of_months(days: Sequence[date], today: date, grace: bool) -> tuple[int, int]:
    """:func:`streak` from days with an activity (any day of each active month will do)."""
    months = sorted({_month(day) for day in days})
    runs = streak_runs(months, grace)
    best = max((len(run) for run in runs), default=0)
    if not runs:
        return 0, best
    now, last = _month(today), runs[-1]
    alive = now - last[-1] <= 1
    if not alive and grace and now - last[-1] == 2:
        # The empty month is last month: alive if this run has not used that year's grace.
        alive = (now - 1) // 12 not in {m // 12 for m in _gaps(last)}
    return (len(last) if alive else 0), best


def _gaps(run: Sequence[int]) -> list[int]:
    return [month + 1 for month, following in itertools.pairwise(run) if following > month + 1]


def _nth(activities: Sequence[Activity], count: int) -> Earning | None:
    if len(activities) < count:
        return None
    earning = activities[count - 1]
    return earning.at, earning.checkin_id


def badge_earning(rule: BadgeRule, history: History, grace: bool) -> Earning | None:
    """When and by which check-in ``rule`` was first met, or None."""
    if rule.rule == "activities":
        return _nth(
            [
                a
                for a in history.activities
                if (rule.activity is None or a.kind == rule.activity)
                and (rule.starts_on is None or a.day >= rule.starts_on)
                and (rule.ends_on is None or a.day <= rule.ends_on)
            ],
            rule.count,
        )
    if rule.rule == "streak":
        return _streak_earning(history.activities, rule.count, grace)
    if rule.rule == "followups_on_time":
        return _followups_earning(history.followups, rule.count, history.today)
    if rule.rule == "all_screenings":
        return _screenings_earning(history)
    if rule.rule == "first_gift":
        return None if history.first_gift_at is None else (history.first_gift_at, None)
    raise ValueError(f"unknown badge rule {rule.rule!r}")


def _streak_earning(activities: Sequence[Activity], months: int, grace: bool) -> Earning | None:
    """The first check-in of the month a run first reached ``months``."""
    runs = streak_runs(sorted({_month(a.day) for a in activities}), grace)
    for run in runs:
        if len(run) >= months:
            reached = run[months - 1]
            first = next(a for a in activities if _month(a.day) == reached)
            return first.at, first.checkin_id
    return None


def _followups_earning(
    followups: Sequence[FollowUpDone], count: int, today: date
) -> Earning | None:
    """``count`` follow-ups in a row done by their due day; a late or missed one (past due,
    not done) starts the count again."""
    run = 0
    for followup in followups:
        if followup.done_on is not None and followup.done_on <= followup.due_on:
            run += 1
            if run == count and followup.done_at is not None:
                return followup.done_at, followup.checkin_id
        elif followup.done_on is not None or followup.due_on < today:
            run = 0
    return None


def _screenings_earning(history: History) -> Earning | None:
    """The first screening check-in by which every screening made for the resident (one at
    least) that had started was attended."""
    attended: set[int] = set()
    for activity in history.activities:
        attended.add(activity.event_id)
        if activity.kind != "screening":
            continue
        due = [event for event, starts in history.personal_screenings if starts <= activity.at]
        if due and all(event in attended for event in due):
            return activity.at, activity.checkin_id
    return None


@dataclass(frozen=True, slots=True)
class Goal:
    challenge_id: int
    starts_on: date
    ends_on: date
    center_id: int | None
    kind: str
    count: int
    bonus_points: int


def challenge_progress(goal: Goal, activities: Sequence[Activity]) -> tuple[int, Earning | None]:
    """How many check-ins count towards the goal, and the one that reached it (if)."""
    counted = [
        a
        for a in activities
        if goal.starts_on <= a.day <= goal.ends_on
        and (goal.kind == "any" or a.kind == goal.kind)
        and (goal.center_id is None or a.center_id == goal.center_id)
    ]
    return len(counted), _nth(counted, goal.count)


def desired_badges(
    rules: Sequence[BadgeRule], history: History, grace: bool
) -> Mapping[str, Earning]:
    earned = {}
    for rule in rules:
        earning = badge_earning(rule, history, grace)
        if earning is not None:
            earned[rule.code] = earning
    return earned
