"""Demo events: two months of lectures, screenings and follow-up sessions, and what is next.

The same lectures ran a year earlier to smaller halls, so the managers' statistics show a
growth year over year, as the paper program did (+27.56%).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.auth import Principal
from core.db import db
from core.localtime import local_date
from events import checkin, followups
from events import service as events
from events.models import Event
from events.scans import Scanner
from identity.models import Resident, ResidentCondition
from points.expiry import PointsSettings

LECTURES = (
    "控制血压，从减盐开始",
    "糖尿病患者怎么吃",
    "冬季心脑血管疾病预防",
    "合理用药，安全用药",
    "老年人跌倒预防",
    "科学运动与体重管理",
    "戒烟限酒，健康生活",
    "腰围尺的正确用法",
)
TODAYS_LECTURE = "今日健康讲座：秋冬季养生"
NEXT_WEEKS_LECTURE = "下周健康讲座：高血压的自我管理"


@dataclass(frozen=True, slots=True)
class Visit:
    """A resident arriving at a past event; visits are checked in oldest first."""

    arrived: datetime
    event_id: int
    resident_id: int
    #: Who checked them in at the desk (None: they scanned the code themselves).
    staff: Principal | None


def seed_activities(
    rng: random.Random,
    desk: Principal,
    residents: list[Resident],
    settings: PointsSettings,
    now: datetime,
) -> None:
    """Past events and their check-ins, in the order they happened, so each resident's
    ledger reads in time order and every entry carries the day its event took place."""
    tz = settings.tz
    today = local_date(now, tz)
    visits: list[Visit] = []
    for week, title in enumerate(LECTURES):
        starts = _at(today - timedelta(days=7 * (len(LECTURES) - week)), 9, 30, tz)
        visits += _past_event(rng, desk, residents, title, "lecture", starts, share=0.55)
        a_year_before = starts - timedelta(days=364)  # the same weekday
        visits += _past_event(rng, desk, residents, title, "lecture", a_year_before, share=0.43)
    screening = _at(today - timedelta(days=20), 8, 30, tz)
    visits += _past_event(rng, desk, residents, "免费血压血糖筛查", "screening", screening, 0.4)
    consultation = _at(today - timedelta(days=12), 9, 0, tz)
    visits += _past_event(rng, desk, residents, "家庭医生义诊日", "consultation", consultation, 0.3)
    visits += _seed_followups(rng, desk, residents, today, tz)
    for visit in sorted(visits, key=lambda v: (v.arrived, v.event_id, v.resident_id)):
        checkin.check_in(
            visit.event_id,
            visit.resident_id,
            now=visit.arrived,
            settings=settings,
            scanner=Scanner.of(visit.staff.id if visit.staff else None),
            staff=visit.staff,
        )


def first_day(now: datetime, tz: ZoneInfo) -> date:
    """The day of the demo's earliest event (the lectures a year before the recent ones)."""
    return local_date(now, tz) - timedelta(days=7 * len(LECTURES) + 364)


def seed_events_to_try(desk: Principal, now: datetime, tz: ZoneInfo) -> None:
    """What a visitor can try now: a lecture open for check-in for the next hour at least,
    and next week's. Run on every ``flask seed-demo``, so the demo works on any day."""
    today = local_date(now, tz)
    mine = select(Event.id).where(Event.center_id == desk.center_id, Event.cancelled_at.is_(None))
    open_for_an_hour = mine.where(
        Event.title == TODAYS_LECTURE,
        Event.checkin_opens_at <= now,
        Event.checkin_closes_at >= now + timedelta(hours=1),
    )
    if db.session.scalar(open_for_an_hour.limit(1)) is None:
        _event(desk, TODAYS_LECTURE, "lecture", now + timedelta(minutes=15), 90)
    ahead = mine.where(Event.title == NEXT_WEEKS_LECTURE, Event.starts_at > now)
    if db.session.scalar(ahead.limit(1)) is None:
        _event(desk, NEXT_WEEKS_LECTURE, "lecture", _at(today + timedelta(days=7), 9, 30, tz))


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def _event(
    desk: Principal, title: str, kind: str, starts: datetime, minutes: int = 60, **fields: object
) -> int:
    event = events.create_event(
        desk,
        {
            "title": title,
            "kind": kind,
            "starts_at": starts,
            "ends_at": starts + timedelta(minutes=minutes),
            "location": "中心二楼健康教育室",
            **fields,
        },
    )
    return event.id


def _past_event(
    rng: random.Random,
    desk: Principal,
    residents: list[Resident],
    title: str,
    kind: str,
    starts: datetime,
    share: float,
) -> list[Visit]:
    event_id = _event(desk, title, kind, starts)
    return [
        # The elderly without WeChat were checked in at the desk.
        Visit(
            starts - timedelta(minutes=rng.randint(0, 25)),
            event_id,
            resident.id,
            desk if resident.openid is None else None,
        )
        for resident in rng.sample(residents, k=round(len(residents) * share))
    ]


def _seed_followups(
    rng: random.Random,
    desk: Principal,
    residents: list[Resident],
    today: date,
    tz: ZoneInfo,
) -> list[Visit]:
    """Quarterly follow-ups for residents with a condition: most done, some late or overdue."""
    tagged = db.session.execute(
        select(ResidentCondition.resident_id, ResidentCondition.condition).where(
            ResidentCondition.resident_id.in_([r.id for r in residents])
        )
    ).all()
    session_day = today - timedelta(days=5)
    session = _event(desk, "慢病随访门诊", "followup", _at(session_day, 8, 30, tz), 240)
    visits = []
    for resident_id, condition in tagged:
        due = today + timedelta(days=rng.randint(-30, 60))
        followups.schedule(desk, resident_id, condition, due)
        on_time = due >= session_day and rng.random() < 0.7
        late = due < session_day and rng.random() < 0.4
        if on_time or late:
            arrived = _at(session_day, 9, rng.randint(0, 59), tz)
            visits.append(Visit(arrived, session, resident_id, desk))
    return visits
