"""Demo events: two months of lectures, screenings and follow-up sessions, and what is next.

The same lectures ran a year earlier to smaller halls, so the managers' statistics show a
growth year over year, as the paper program did (+27.56%).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import db
from events import checkin, followups
from events import service as events
from events.scans import Scanner
from identity.models import Resident, ResidentCondition
from identity.tokens import Principal
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


def seed_activities(
    rng: random.Random,
    desk: Principal,
    residents: list[Resident],
    settings: PointsSettings,
    now: datetime,
) -> None:
    tz = settings.tz
    today = now.astimezone(tz).date()
    for week, title in enumerate(LECTURES):
        starts = _at(today - timedelta(days=7 * (len(LECTURES) - week)), 9, 30, tz)
        _past_event(rng, desk, residents, settings, title, "lecture", starts, share=0.55)
        a_year_before = starts - timedelta(days=364)  # the same weekday
        _past_event(rng, desk, residents, settings, title, "lecture", a_year_before, share=0.43)
    screening = _at(today - timedelta(days=20), 8, 30, tz)
    _past_event(rng, desk, residents, settings, "免费血压血糖筛查", "screening", screening, 0.4)
    consultation = _at(today - timedelta(days=12), 9, 0, tz)
    _past_event(rng, desk, residents, settings, "家庭医生义诊日", "consultation", consultation, 0.3)
    _seed_followups(rng, desk, residents, settings, today, tz)
    # What a visitor can try now: a lecture open for check-in, and next week's.
    _event(desk, "今日健康讲座：秋冬季养生", "lecture", now + timedelta(minutes=15), 90)
    _event(
        desk, "下周健康讲座：高血压的自我管理", "lecture", _at(today + timedelta(days=7), 9, 30, tz)
    )


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
    settings: PointsSettings,
    title: str,
    kind: str,
    starts: datetime,
    share: float,
) -> None:
    event_id = _event(desk, title, kind, starts)
    for resident in rng.sample(residents, k=round(len(residents) * share)):
        # The elderly without WeChat were checked in at the desk.
        staff = desk if resident.openid is None else None
        arrived = starts - timedelta(minutes=rng.randint(0, 25))
        checkin.check_in(
            event_id,
            resident.id,
            now=arrived,
            settings=settings,
            scanner=Scanner.of(staff.id if staff else None),
            staff=staff,
        )


def _seed_followups(
    rng: random.Random,
    desk: Principal,
    residents: list[Resident],
    settings: PointsSettings,
    today: date,
    tz: ZoneInfo,
) -> None:
    """Quarterly follow-ups for residents with a condition: most done, some late or overdue."""
    tagged = db.session.execute(
        select(ResidentCondition.resident_id, ResidentCondition.condition).where(
            ResidentCondition.resident_id.in_([r.id for r in residents])
        )
    ).all()
    session_day = today - timedelta(days=5)
    session = _event(desk, "慢病随访门诊", "followup", _at(session_day, 8, 30, tz), 240)
    for resident_id, condition in tagged:
        due = today + timedelta(days=rng.randint(-30, 60))
        followups.schedule(desk, resident_id, condition, due)
        on_time = due >= session_day and rng.random() < 0.7
        late = due < session_day and rng.random() < 0.4
        if on_time or late:
            arrived = _at(session_day, 9, rng.randint(0, 59), tz)
            checkin.check_in(
                session,
                resident_id,
                now=arrived,
                settings=settings,
                scanner=Scanner.of(desk.id),
                staff=desk,
            )
