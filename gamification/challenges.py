"""Challenges managers set: a goal (so many check-ins of a kind) within a period, at a
center or district-wide, with a bonus credited once through the ledger when reached
(``progress`` does the crediting). Managers read how many joined and completed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select, tuple_

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db
from core.errors import BadRequest, DomainError, Forbidden, NotFound
from core.i18n import _l
from gamification.models import Challenge, ChallengeCompletion, ChallengeProgress
from identity.models import Center
from points.history import SourceTitle


class ChallengePeriodInvalid(DomainError):
    status, code, title = 422, "challenge_period_invalid", _l("The period ends before it starts")


class ChallengeStarted(DomainError):
    status, code, title = 409, "challenge_started", _l("The challenge has started")


class ChallengeNotRunning(DomainError):
    status, code, title = 409, "challenge_not_running", _l("The challenge is not running")


#: A challenge's state on a day: before its period, within it, after it.
UPCOMING, RUNNING, ENDED = "upcoming", "running", "ended"


def status_on(starts_on: date, ends_on: date, today: date) -> str:
    if today < starts_on:
        return UPCOMING
    return RUNNING if today <= ends_on else ENDED


def create(actor: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    """A challenge at the actor's center, or anywhere (or district-wide: no center) for the
    district's manager and administrators."""
    center_id = fields.get("center_id")
    if center_id is None and not actor.is_district_wide:
        center_id = actor.center_id
    if not actor.can_access_center(center_id) or (
        center_id is not None and db.session.get(Center, center_id) is None
    ):
        raise NotFound(_l("No such center."))
    if fields["ends_on"] < fields["starts_on"]:
        raise ChallengePeriodInvalid()
    challenge = Challenge(
        title=fields["title"],
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        center_id=center_id,
        goal_kind=fields["goal"]["kind"],
        goal_count=fields["goal"]["count"],
        bonus_points=fields["bonus_points"],
        created_by_id=actor.id,
    )
    db.session.add(challenge)
    db.session.flush()
    return _shown(challenge, 0, 0)


def get(actor: Principal, challenge_id: int) -> dict[str, Any]:
    """One challenge the actor may see, with its uptake (404 for another center's)."""
    challenge = _visible(actor, challenge_id)
    return _with_uptake(challenge)


def edit(
    actor: Principal, challenge_id: int, fields: dict[str, Any], today: date
) -> dict[str, Any]:
    """Change a challenge that has not started: its title, period, goal and bonus. Once it
    has started, residents are working towards what it said: only the title may change
    (``challenge_started`` otherwise). A center's manager changes their center's only."""
    challenge = _changeable(actor, challenge_id)
    if fields["ends_on"] < fields["starts_on"]:
        raise ChallengePeriodInvalid()
    if status_on(challenge.starts_on, challenge.ends_on, today) != UPCOMING and (
        fields["starts_on"] != challenge.starts_on
        or fields["ends_on"] != challenge.ends_on
        or (fields["goal"]["kind"], fields["goal"]["count"])
        != (challenge.goal_kind, challenge.goal_count)
        or fields["bonus_points"] != challenge.bonus_points
    ):
        raise ChallengeStarted(
            _l("It has started: its period, goal and bonus stay as residents were told.")
        )
    challenge.title = fields["title"]
    challenge.starts_on, challenge.ends_on = fields["starts_on"], fields["ends_on"]
    challenge.goal_kind, challenge.goal_count = fields["goal"]["kind"], fields["goal"]["count"]
    challenge.bonus_points = fields["bonus_points"]
    db.session.flush()
    return _with_uptake(challenge)


def end(actor: Principal, challenge_id: int, today: date) -> dict[str, Any]:
    """End a running challenge early: today is its last day (today's check-ins still count,
    and bonuses already paid stay). ``challenge_not_running`` before it starts or after."""
    challenge = _changeable(actor, challenge_id)
    if status_on(challenge.starts_on, challenge.ends_on, today) != RUNNING:
        raise ChallengeNotRunning(_l("Only a running challenge can be ended."))
    challenge.ends_on = today
    db.session.flush()
    return _with_uptake(challenge)


def _visible(actor: Principal, challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or (
        challenge.center_id is not None and not actor.can_access_center(challenge.center_id)
    ):
        raise NotFound(_l("No such challenge."))
    return challenge


def _changeable(actor: Principal, challenge_id: int) -> Challenge:
    """The challenge, locked, if the actor may change it: a district-wide one is the
    district's manager's."""
    challenge = _visible(actor, challenge_id)
    if challenge.center_id is None and not actor.is_district_wide:
        raise Forbidden(_l("A district-wide challenge is the district's: ask its manager."))
    db.session.refresh(challenge, with_for_update=True)
    return challenge


def _with_uptake(challenge: Challenge) -> dict[str, Any]:
    joined = _counts(ChallengeProgress.challenge_id, [challenge.id])
    completed = _counts(
        ChallengeCompletion.challenge_id, [challenge.id], ChallengeCompletion.revoked_at.is_(None)
    )
    return _shown(challenge, joined.get(challenge.id, 0), completed.get(challenge.id, 0))


def listing(actor: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the challenges the actor may see (their center's and the district's; all
    of them for the district), newest first, with how many joined and completed."""
    query = select(Challenge).order_by(Challenge.starts_on.desc(), Challenge.id.desc())
    if not actor.is_district_wide:
        query = query.where(
            or_(Challenge.center_id.is_(None), Challenge.center_id == actor.center_id)
        )
    if cursor is not None:
        starts_on, last_id = decode_cursor(cursor, (str, int))
        try:
            after = (date.fromisoformat(starts_on), last_id)
        except ValueError:
            raise BadRequest(_l("The cursor is not one this API handed out.")) from None
        query = query.where(tuple_(Challenge.starts_on, Challenge.id) < after)
    result = page(
        db.session.scalars(query.limit(limit + 1)).all(),
        limit,
        key=lambda challenge: (challenge.starts_on.isoformat(), challenge.id),
    )
    ids = [challenge.id for challenge in result["items"]]
    joined = _counts(ChallengeProgress.challenge_id, ids)
    completed = _counts(
        ChallengeCompletion.challenge_id, ids, ChallengeCompletion.revoked_at.is_(None)
    )
    result["items"] = [
        _shown(challenge, joined.get(challenge.id, 0), completed.get(challenge.id, 0))
        for challenge in result["items"]
    ]
    return result


def _counts(column: Any, ids: list[int], *where: Any) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(column, func.count()).where(column.in_(ids), *where).group_by(column)
    )
    return {challenge_id: count for challenge_id, count in rows}


def _shown(challenge: Challenge, joined: int, completed: int) -> dict[str, Any]:
    return {
        "id": challenge.id,
        "title": challenge.title,
        "starts_on": challenge.starts_on,
        "ends_on": challenge.ends_on,
        "center_id": challenge.center_id,
        "goal": {"kind": challenge.goal_kind, "count": challenge.goal_count},
        "bonus_points": challenge.bonus_points,
        "joined": joined,
        "completed": completed,
    }


def bonus_titles(source_ids: Collection[str]) -> Mapping[str, SourceTitle]:
    """The ledger's words for a bonus (its source is the completion): the challenge's title."""
    rows = db.session.execute(
        select(ChallengeCompletion.id, Challenge.title)
        .join(Challenge, Challenge.id == ChallengeCompletion.challenge_id)
        .where(ChallengeCompletion.id.in_([int(i) for i in source_ids if i.isdigit()]))
    )
    return {
        str(completion_id): SourceTitle(title=title, event_id=None, item_id=None)
        for completion_id, title in rows
    }
