"""Events as the API shows them: lists for residents and staff, and what each event says.

An event names its center and the points attending earns (residents cannot read the earning
rules); to a resident it also says whether they checked in. A page costs the same few
queries however many events and centers it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select, true

from core.auth import Principal
from core.db import db
from core.keyset import Run, aware_moment, runs_page
from core.localtime import day_start
from events import signups
from events.models import Checkin, Event, EventSignup
from events.service import attendance_of, open_to
from identity.models import named_centers
from points import rules

#: ``when=`` of the list: events not yet ended (soonest first), or ended (newest first).
WHEN = ("upcoming", "past")
_COLUMNS = tuple(attribute.key for attribute in inspect(Event).column_attrs)


def list_events(
    actor: Principal, filters: dict[str, Any], now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """A page of the events the actor may see.

    Residents: every center's events (``center_id`` narrows), their own personal events but
    nobody else's, cancelled ones only with ``include_cancelled``; upcoming first, soonest
    first, then past ones, newest first. Staff: their center's (a district-wide role any
    center's), cancelled ones included, newest first. ``when`` picks one of the two runs.
    """
    resident = actor.kind == "resident"
    stmt = select(Event)
    center_id = filters.get("center_id")
    if not resident and not actor.is_district_wide:
        center_id = actor.center_id
    if center_id is not None:
        stmt = stmt.where(Event.center_id == center_id)
    if resident:
        stmt = stmt.where(open_to(actor.id))
    include_cancelled = filters.get("include_cancelled")
    if include_cancelled is None:
        include_cancelled = not resident  # staff manage cancelled events; residents skip them
    if not include_cancelled:
        stmt = stmt.where(Event.cancelled_at.is_(None))
    if filters.get("kind"):
        stmt = stmt.where(Event.kind == filters["kind"])
    if filters.get("from"):
        stmt = stmt.where(Event.starts_at >= day_start(filters["from"], tz))
    if filters.get("to"):
        stmt = stmt.where(Event.starts_at < day_start(filters["to"] + timedelta(days=1), tz))
    result = runs_page(
        stmt,
        _runs(filters.get("when"), resident, now),
        Event.id,
        filters["limit"],
        filters.get("cursor"),
        key=lambda event: (event.starts_at, event.id),
        parse=aware_moment,
    )
    result["items"] = described(result["items"], actor.id if resident else None)
    return result


def _runs(when: str | None, resident: bool, now: datetime) -> tuple[Run, ...]:
    upcoming = Run("upcoming", Event.ends_at > now, Event.starts_at)
    past = Run("past", Event.ends_at <= now, Event.starts_at, descending=True)
    if when == "upcoming":
        return (upcoming,)
    if when == "past":
        return (past,)
    if resident:
        return upcoming, past
    return (Run("all", true(), Event.starts_at, descending=True),)


def detail(event: Event, resident_id: int | None) -> dict[str, Any]:
    """One event as ``described``, with its live attendance."""
    return {**described([event], resident_id)[0], "attendance": attendance_of(event.id)}


def described(events: Sequence[Event], resident_id: int | None) -> list[dict[str, Any]]:
    """Each event with ``center`` ({"id", "name"}), ``earns_points`` (its own points, else its
    center's rule for the kind), ``signups`` (live sign-ups) and, for a resident,
    ``checked_in`` and ``signed_up`` (None for staff).

    Four queries for any number of events: the centers' names, their rules, the check-ins
    and the sign-ups (a count the event keeps: ``signups_taken``).
    """
    if not events:
        return []
    center_ids = {event.center_id for event in events}
    centers = named_centers(center_ids)
    rules_at = rules.rules_at(center_ids)
    checked_in = _checked_in(resident_id, [event.id for event in events])
    signed_up = signups.signed_up_to(resident_id, [event.id for event in events])
    return [
        {
            **{column: getattr(event, column) for column in _COLUMNS},
            "center": centers[event.center_id],
            "earns_points": rules.points_to_earn(
                rules_at[event.center_id][event.kind], event.points
            ),
            "checked_in": None if resident_id is None else event.id in checked_in,
            "signups": event.signups_taken,
            "signed_up": None if resident_id is None else event.id in signed_up,
        }
        for event in events
    ]


def signup(signed: EventSignup, event: Event, resident_id: int) -> dict[str, Any]:
    """A sign-up as its resident sees it, its event ``described``."""
    return _signup(signed, described([event], resident_id)[0])


def _signup(signed: EventSignup, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": signed.id,
        "event": event,
        "created_at": signed.created_at,
        "status": signups.status_of(signed),
    }


def my_signups(resident_id: int, now: datetime, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the resident's upcoming sign-ups (``signups.my_upcoming``), described."""
    result = signups.my_upcoming(resident_id, now, limit, cursor)
    pairs = result["items"]
    events = described([event for _, event in pairs], resident_id)
    result["items"] = [
        _signup(signed, event) for (signed, _), event in zip(pairs, events, strict=True)
    ]
    return result


def _checked_in(resident_id: int | None, event_ids: list[int]) -> set[int]:
    """The events among ``event_ids`` the resident holds a valid (not annulled) check-in of."""
    if resident_id is None:
        return set()
    return set(
        db.session.scalars(
            select(Checkin.event_id).where(
                Checkin.resident_id == resident_id,
                Checkin.event_id.in_(event_ids),
                Checkin.annulled_at.is_(None),
            )
        )
    )


@dataclass(frozen=True, slots=True)
class DayEvent:
    """An event of a day at a center as the desk offers it to one resident."""

    event: Event
    earns_points: int
    #: The resident's check-in there (annulled ones too: an annulled check-in is not redone).
    checkin_id: int | None
    annulled: bool


def day_at_center(center_id: int, resident_id: int, day: date, tz: ZoneInfo) -> list[DayEvent]:
    """The events starting on ``day`` at a center that the resident may attend (no other
    resident's personal event), cancelled ones included, earliest first, each with the
    points it earns and the resident's check-in there. Two queries."""
    rows = db.session.execute(
        select(Event, Checkin.id, Checkin.annulled_at)
        .outerjoin(Checkin, (Checkin.event_id == Event.id) & (Checkin.resident_id == resident_id))
        .where(
            Event.center_id == center_id,
            Event.starts_at >= day_start(day, tz),
            Event.starts_at < day_start(day + timedelta(days=1), tz),
            open_to(resident_id),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    if not rows:
        return []
    in_force = rules.rules_at([center_id])[center_id]
    return [
        DayEvent(
            event,
            rules.points_to_earn(in_force[event.kind], event.points),
            checkin_id,
            annulled_at is not None,
        )
        for event, checkin_id, annulled_at in rows
    ]
