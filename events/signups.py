"""Sign-ups (报名): a resident takes a place at a lecture or screening ahead of it.

A sign-up is open for an event the resident may see (``service.open_to``), made for anyone
(not a personal follow-up), not cancelled and not started. Signing up twice gives the live
sign-up back. The place is taken by a conditional update of ``events.signups_taken``, after
the insert that the partial unique key (one live sign-up per resident and event) lets through
once, so neither a crowd nor a resident tapping twice takes more places than the capacity.
A refusal after the insert rolls the request back with it.

Locks: the resident's row (shared here; closing an account and merging records update it),
then sign-ups, then the event's row, as closing and merging take them. A first check-in of
a resident with no home center takes them the other way round (the event's seats, then
the resident's center): should the one resident sign up and check in to one event at the
same instant, PostgreSQL ends one of the two as a deadlock, answered 503 ``unavailable``
with ``Retry-After``, and nothing is half-written. Signals
(``signed_up``, ``signup_cancelled``) go out in the same transaction, for the reminders.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from core import signals
from core.api import decode_cursor, page
from core.db import db
from core.errors import DomainError, NotFound, TokenRevoked
from core.i18n import _l
from core.keyset import Run, aware_moment, runs_page
from events.checkin import EventCancelled, EventFull
from events.models import Checkin, Event, EventSignup
from events.service import event_open_to
from identity.models import Resident, mask_phone

#: A sign-up's ``status``: it holds a place, or was called off.
STATUSES = ("signed_up", "cancelled")


class SignupClosed(DomainError):
    status, code = 409, "signup_closed"
    title = _l("Sign-up has closed: the event has started")


class SignupNotNeeded(DomainError):
    status, code = 409, "signup_not_needed"
    title = _l("This event was made for you: there is nothing to sign up for")


@dataclass(frozen=True, slots=True)
class SignedUp:
    signup: EventSignup
    event: Event
    #: False: the resident had signed up already (the same sign-up, nothing taken).
    new: bool


def sign_up(resident_id: int, event_id: int, now: datetime) -> SignedUp:
    """Sign the resident up, or give back their live sign-up; refuse with the contract's
    code (404 for an event they cannot see, ``signup_not_needed``, ``event_cancelled``,
    ``signup_closed``, ``event_full``; ``token_revoked`` for a closed account)."""
    _hold_open_account(resident_id)
    event = event_open_to(resident_id, event_id)
    existing = _live(resident_id, event.id)
    if existing is not None:
        return SignedUp(existing, event, new=False)
    _refuse_if_closed(event, now)
    signup_id = db.session.scalar(
        insert(EventSignup)
        .values(event_id=event.id, resident_id=resident_id, created_at=now)
        .on_conflict_do_nothing(
            index_elements=["event_id", "resident_id"],
            index_where=EventSignup.cancelled_at.is_(None),
        )
        .returning(EventSignup.id)
    )
    if signup_id is None:  # the same resident's other request signed up meanwhile
        return SignedUp(_live_or_gone(resident_id, event.id), event, new=False)
    _take_place(event, now)
    signals.signed_up.send(resident_id=resident_id, signup_id=signup_id, event_id=event.id)
    return SignedUp(db.session.get_one(EventSignup, signup_id), event, new=True)


def _hold_open_account(resident_id: int) -> None:
    """Share-lock the resident's row, so a closing or merge waits for this sign-up (and
    cancels it) or this one sees the account closed; a closed account is ``token_revoked``
    (residents' tokens are not checked against the database)."""
    closed_at = db.session.execute(
        select(Resident.closed_at).where(Resident.id == resident_id).with_for_update(read=True)
    ).one_or_none()
    if closed_at is None or closed_at[0] is not None:
        raise TokenRevoked(_l("This account was closed."))


def _refuse_if_closed(event: Event, now: datetime) -> None:
    if event.resident_id is not None:
        raise SignupNotNeeded(_l("Staff made this event for you alone; just come."))
    if event.cancelled_at is not None:
        raise EventCancelled()
    if now >= event.starts_at:
        raise SignupClosed()


def _take_place(event: Event, now: datetime) -> None:
    """One more place taken, in the database, only while one is left: else the refusal
    that holds now (the event may have been cancelled or started meanwhile)."""
    taken = db.session.scalar(
        update(Event)
        .where(
            Event.id == event.id,
            Event.cancelled_at.is_(None),
            Event.starts_at > now,
            Event.capacity.is_(None) | (Event.signups_taken < Event.capacity),
        )
        .values(signups_taken=Event.signups_taken + 1)
        .returning(Event.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(event)
    if taken is None:
        _refuse_if_closed(event, now)
        raise EventFull(_l("Every place has been taken."))


def _live(resident_id: int, event_id: int) -> EventSignup | None:
    return db.session.scalar(_live_signups(resident_id).where(EventSignup.event_id == event_id))


def _live_or_gone(resident_id: int, event_id: int) -> EventSignup:
    signup = _live(resident_id, event_id)
    if signup is None:  # cancelled between the two statements: as if never there
        raise NotFound(_l("No such sign-up."))
    return signup


def _live_signups(resident_id: int) -> Any:
    return select(EventSignup).where(
        EventSignup.resident_id == resident_id, EventSignup.cancelled_at.is_(None)
    )


def cancel(resident_id: int, event_id: int, now: datetime) -> None:
    """Call off the resident's sign-up, freeing its place; nothing live is nothing to do
    (a repeated DELETE). After the start the list is the record: ``signup_closed``."""
    _hold_open_account(resident_id)
    event = event_open_to(resident_id, event_id)
    if _live(resident_id, event.id) is None:
        return
    if now >= event.starts_at:
        raise SignupClosed(_l("The event has started; its sign-ups no longer change."))
    _cancel_where(
        (EventSignup.resident_id == resident_id) & (EventSignup.event_id == event.id), now
    )
    db.session.expire(event, ["signups_taken"])


def _cancel_where(which: ColumnElement[bool], now: datetime) -> list[int]:
    """Cancel the live sign-ups ``which`` selects, each freeing its place; their ids."""
    cancelled = db.session.execute(
        update(EventSignup)
        .where(which, EventSignup.cancelled_at.is_(None))
        .values(cancelled_at=now)
        .returning(EventSignup.id, EventSignup.event_id, EventSignup.resident_id)
        .execution_options(synchronize_session=False)
    ).all()
    for signup_id, event_id, resident_id in sorted(cancelled, key=lambda row: row.event_id):
        # In the database: a place taken meanwhile counts (never a stale count).
        db.session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(signups_taken=Event.signups_taken - 1)
            .execution_options(synchronize_session=False)
        )
        signals.signup_cancelled.send(
            resident_id=resident_id, signup_id=signup_id, event_id=event_id
        )
    return [row.id for row in cancelled]


def status_of(signup: EventSignup) -> str:
    return "signed_up" if signup.cancelled_at is None else "cancelled"


def my_upcoming(resident_id: int, now: datetime, limit: int, cursor: str | None) -> dict[str, Any]:
    """The resident's live sign-ups for events not yet ended, soonest first: ``{"items":
    [(signup, event)], "next_cursor"}`` (an event cancelled since is listed: its
    ``cancelled_at`` tells the resident)."""
    events = (
        select(Event)
        .join(EventSignup, EventSignup.event_id == Event.id)
        .where(EventSignup.resident_id == resident_id, EventSignup.cancelled_at.is_(None))
    )
    result = runs_page(
        events,
        (Run("upcoming", Event.ends_at > now, Event.starts_at),),
        Event.id,
        limit,
        cursor,
        key=lambda event: (event.starts_at, event.id),
        parse=aware_moment,
    )
    shown: Sequence[Event] = result["items"]
    signups = {
        signup.event_id: signup
        for signup in db.session.scalars(
            _live_signups(resident_id).where(EventSignup.event_id.in_([e.id for e in shown]))
        )
    }
    result["items"] = [(signups[event.id], event) for event in shown]
    return result


def signed_up_to(resident_id: int | None, event_ids: Collection[int]) -> set[int]:
    """The events among ``event_ids`` the resident holds a live sign-up for."""
    if resident_id is None or not event_ids:
        return set()
    return set(
        db.session.scalars(
            select(EventSignup.event_id).where(
                EventSignup.resident_id == resident_id,
                EventSignup.event_id.in_(event_ids),
                EventSignup.cancelled_at.is_(None),
            )
        )
    )


def signups_page(event: Event, limit: int, cursor: str | None) -> dict[str, Any]:
    """Who holds a place at the event, in the order they signed up: name, masked phone, and
    whether they checked in (a valid check-in)."""
    stmt = (
        select(
            EventSignup,
            Resident.name,
            Resident.phone,
            Checkin.id.label("checkin_id"),
        )
        .join(Resident, Resident.id == EventSignup.resident_id)
        .outerjoin(
            Checkin,
            (Checkin.event_id == EventSignup.event_id)
            & (Checkin.resident_id == EventSignup.resident_id)
            & Checkin.annulled_at.is_(None),
        )
        .where(EventSignup.event_id == event.id, EventSignup.cancelled_at.is_(None))
        .order_by(EventSignup.id)
        .limit(limit + 1)
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(EventSignup.id > last_id)
    result = page(db.session.execute(stmt).all(), limit, key=lambda row: (row.EventSignup.id,))
    result["items"] = [
        {
            "id": row.EventSignup.id,
            "resident_id": row.EventSignup.resident_id,
            "name": row.name,
            "phone_masked": mask_phone(row.phone),
            "created_at": row.EventSignup.created_at,
            "checked_in": row.checkin_id is not None,
        }
        for row in result["items"]
    ]
    return result


def end_for_closed_account(resident_id: int, now: datetime) -> None:
    """Closing an account: its live sign-ups for events not yet ended are cancelled (their
    places free); those of past events stay, as their check-ins do, under the anonymous row."""
    _lock_residents((resident_id,))
    upcoming = select(Event.id).where(Event.ends_at > now)
    _cancel_where(
        (EventSignup.resident_id == resident_id) & EventSignup.event_id.in_(upcoming), now
    )


def repoint_resident(from_id: int, to_id: int, now: datetime) -> None:
    """Merging: ``from_id``'s sign-ups become ``to_id``'s. Where both hold a live sign-up
    for one event, the survivor's stands and the absorbed record's is cancelled and stays
    behind with it (as a check-in made twice does)."""
    _lock_residents((from_id, to_id))
    survivors = aliased(EventSignup)
    twice = db.session.scalars(
        select(EventSignup.id)
        .join(
            survivors,
            (survivors.event_id == EventSignup.event_id)
            & (survivors.resident_id == to_id)
            & survivors.cancelled_at.is_(None),
        )
        .where(EventSignup.resident_id == from_id)
    ).all()
    staying = _cancel_where(EventSignup.id.in_(twice), now) if twice else []
    db.session.execute(
        update(EventSignup)
        .where(EventSignup.resident_id == from_id, EventSignup.id.not_in(staying))
        .values(resident_id=to_id)
        .execution_options(synchronize_session=False)
    )


def _lock_residents(resident_ids: Collection[int]) -> None:
    """Lock the residents' rows (lower id first) so no sign-up of theirs is under way."""
    db.session.execute(
        select(Resident.id)
        .where(Resident.id.in_(resident_ids))
        .order_by(Resident.id)
        .with_for_update()
    ).all()
