"""The leaderboard: residents who chose to appear, at one center, ranked by how many
activities they attended there in the month or year (never by points, which the gifts and
caps distort, and never by kind: what someone attends can say what they suffer from).
Names are masked (张*英); a center's manager may switch its board off."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from core.auth import Principal
from core.db import db, utcnow
from core.errors import BadRequest, DomainError, NotFound
from core.i18n import _l
from core.localtime import day_start, local_date
from events.models import Checkin, Event
from gamification.models import LeaderboardClosedCenter, LeaderboardPlayer
from identity.models import Center, Resident

#: How many a board shows.
TOP = 50


class LeaderboardOff(DomainError):
    status, code, title = 409, "leaderboard_off", _l("This center's leaderboard is switched off")


def opted_in(resident_id: int) -> bool:
    return db.session.get(LeaderboardPlayer, resident_id) is not None


def set_opt_in(resident_id: int, choice: bool) -> None:
    if choice:
        db.session.execute(
            insert(LeaderboardPlayer)
            .values(resident_id=resident_id, opted_in_at=utcnow())
            .on_conflict_do_nothing()
        )
    else:
        db.session.execute(
            delete(LeaderboardPlayer).where(LeaderboardPlayer.resident_id == resident_id)
        )


def switch(actor: Principal, center_id: int, enabled: bool) -> dict[str, Any]:
    """Switch a center's board on or off (its manager, the district's, an administrator)."""
    if not actor.can_access_center(center_id) or db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))
    if enabled:
        db.session.execute(
            delete(LeaderboardClosedCenter).where(LeaderboardClosedCenter.center_id == center_id)
        )
    else:
        db.session.execute(
            insert(LeaderboardClosedCenter)
            .values(center_id=center_id, closed_by_id=actor.id, closed_at=utcnow())
            .on_conflict_do_nothing()
        )
    return {"center_id": center_id, "enabled": enabled}


def mask(name: str | None) -> str:
    """张三英 → 张*英, 张三 → 张*; nobody reads a full name off the board."""
    if not name:
        return "*"
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def period_start(period: str, today: date) -> date:
    return today.replace(day=1) if period == "month" else today.replace(month=1, day=1)


def board(
    actor: Principal, center_id: int | None, period: str, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """The center's board for this month or year: rank (ties share one), masked name and
    activities; ``me`` marks the asking resident."""
    center_id = _center_for(actor, center_id)
    if db.session.get(LeaderboardClosedCenter, center_id) is not None:
        raise LeaderboardOff()
    since = period_start(period, local_date(now, tz))
    counted = func.count(Checkin.id)
    rows = db.session.execute(
        select(Resident.id, Resident.name, counted)
        .join(LeaderboardPlayer, LeaderboardPlayer.resident_id == Resident.id)
        .join(Checkin, Checkin.resident_id == Resident.id)
        .join(Event, Event.id == Checkin.event_id)
        .where(
            Event.center_id == center_id,
            Checkin.annulled_at.is_(None),
            Checkin.created_at >= day_start(since, tz),
            Resident.closed_at.is_(None),
        )
        .group_by(Resident.id, Resident.name)
        .order_by(counted.desc(), Resident.id)
        .limit(TOP)
    ).all()
    items, rank, previous = [], 0, None
    for position, (resident_id, name, activities) in enumerate(rows, start=1):
        if activities != previous:
            rank, previous = position, activities
        me = actor.kind == "resident" and actor.id == resident_id
        items.append({"rank": rank, "name": mask(name), "activities": activities, "me": me})
    return {"center_id": center_id, "period": period, "since": since, "items": items}


def _center_for(actor: Principal, center_id: int | None) -> int:
    """A resident may read any center's board (their home center's by default); staff
    their own center's, the district's staff any."""
    if actor.kind == "resident":
        if center_id is None:
            center_id = db.session.scalar(select(Resident.center_id).where(Resident.id == actor.id))
        if center_id is None:
            raise BadRequest(_l("Choose a center: you have no home center yet."))
    else:
        center_id = center_id if center_id is not None else actor.center_id
        if center_id is None:
            raise BadRequest(_l("Choose a center."))
        if not actor.can_access_center(center_id):
            raise NotFound(_l("No such center."))
    if db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))
    return center_id
