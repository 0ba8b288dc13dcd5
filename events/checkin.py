"""Checking in: attendance recorded and points earned in one transaction, once per event.

This is the hottest path (a whole hall scans within a minute), so it reads only the columns
it needs, skips the ORM's unit of work, and leaves every lookup it can to unique keys:
the attendance statement (``attendance``) tells a first scan from a repeat, and
``points.earning.earn`` credits the points. A check-in logs its own scan in the same
transaction (the attendance statement writes a first check-in's line); a refusal is logged
by the view, after the rollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import select, update

from core import signals
from core.auth import Principal
from core.codes import InvalidQr
from core.db import db
from core.errors import Conflict, DomainError, NotFound, TokenRevoked
from core.i18n import Text, _l
from core.localtime import district_minute
from events.attendance import Attendance, attend
from events.models import CHECKIN_REASONS, Checkin, Event, FollowUp
from events.scans import Scanner, log_scan
from identity.models import Resident
from points.earning import earn
from points.expiry import PointsSettings
from points.ledger import Source, balance_of
from points.service import reverse_earned


@dataclass(frozen=True, slots=True)
class EventCenter:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class CheckinEvent:
    """What a check-in's result or refusal says of its event: the result screen needs no more."""

    id: int
    title: str
    kind: str
    starts_at: datetime
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    center: EventCenter


class CheckinRefusal(DomainError):
    """A refusal at a known event; the view names ``event`` in the problem it answers."""

    def __init__(self, detail: Text | None = None, *, event: CheckinEvent | None = None) -> None:
        super().__init__(detail)
        self.event = event


class CheckinNotOpen(CheckinRefusal):
    status, code, title = 409, "checkin_not_open", _l("Check-in has not opened yet")


class CheckinClosed(CheckinRefusal):
    status, code, title = 409, "checkin_closed", _l("Check-in has closed")


class EventCancelled(CheckinRefusal):
    status, code, title = 409, "event_cancelled", _l("The event was cancelled")


class EventFull(CheckinRefusal):
    status, code, title = 409, "event_full", _l("The event is full")


class NotYourCode(CheckinRefusal):
    status, code, title = 403, "not_your_code", _l("This code belongs to someone else")


@dataclass(frozen=True, slots=True)
class CheckinResult:
    checkin_id: int
    event_id: int
    created_at: datetime
    points_awarded: int
    balance: int
    already_checked_in: bool
    event: CheckinEvent
    #: The earning rules' caps cut the points (attendance still counts).
    capped: bool = False


def check_in(
    event_id: int,
    resident_id: int,
    *,
    now: datetime,
    settings: PointsSettings,
    scanner: Scanner,
    staff: Principal | None = None,
    code_owner: int | None = None,
) -> CheckinResult:
    """Record attendance and earn the event's points, or refuse with the contract's code.

    ``scanner``: who scanned, from where, for the scan log.
    ``staff``: who checked the resident in at the desk (None: the resident scanned).
    ``code_owner``: the resident a personal code was made for.

    The attendance statement inserts only inside the window of an open event, for an open
    account, at a personal event only for its resident; a refusal found after it (another
    center's staff, another resident's code, a full hall) rolls the request back.
    """
    attendance = attend(event_id, resident_id, scanner, now)
    if attendance is None:
        raise InvalidQr(_l("This code names no event."))
    summary = _summary(event_id, attendance)
    _refuse_if_barred(attendance, summary, resident_id, now, staff, code_owner)
    new = attendance.new
    if new is None:
        return _repeat(summary, resident_id, scanner, now)
    if attendance.capacity is not None and not new.seated:
        raise EventFull(event=summary)
    source = Source("checkin", str(new.id), CHECKIN_REASONS[attendance.kind], attendance.center_id)
    try:
        earned = earn(
            resident_id,
            source,
            staff,
            activity=attendance.kind,
            points=attendance.points,
            settings=settings,
            at=new.created_at,
        )
    except TokenRevoked:
        # The account was closed while this check-in waited for its lock.
        _refuse_closed(staff)
    if attendance.resident_homeless:
        _give_home_center(resident_id, attendance.center_id)
    if attendance.kind == "followup":
        _complete_followup(resident_id, attendance.center_id, new.id, now)
    signals.checked_in.send(resident_id=resident_id, checkin_id=new.id)
    return CheckinResult(
        checkin_id=new.id,
        event_id=event_id,
        created_at=new.created_at,
        points_awarded=earned.movement.amount,
        balance=earned.movement.balance,
        already_checked_in=False,
        event=summary,
        capped=earned.capped,
    )


def _summary(event_id: int, attendance: Attendance) -> CheckinEvent:
    return CheckinEvent(
        id=event_id,
        title=attendance.title,
        kind=attendance.kind,
        starts_at=attendance.starts_at,
        checkin_opens_at=attendance.checkin_opens_at,
        checkin_closes_at=attendance.checkin_closes_at,
        center=EventCenter(attendance.center_id, attendance.center_name),
    )


def _refuse_if_barred(
    attendance: Attendance,
    summary: CheckinEvent,
    resident_id: int,
    now: datetime,
    staff: Principal | None,
    code_owner: int | None,
) -> None:
    """Raise the contract's refusal for another center's, cancelled or closed event, a closed
    account, or someone else's personal code or attendance."""
    if staff is not None and not staff.can_access_center(attendance.center_id):
        raise NotFound(_l("No such event."))
    if attendance.resident_closed:
        _refuse_closed(staff)
    if code_owner is not None and code_owner != resident_id:
        raise NotYourCode(_l("This code was made for another resident."), event=summary)
    if attendance.resident_id is not None and attendance.resident_id != resident_id:
        # Its title is staff's words about one resident: the desk may read it, nobody else.
        shown = summary if staff is not None else None
        raise NotYourCode(_l("This event was made for another resident."), event=shown)
    if attendance.cancelled_at is not None:
        raise EventCancelled(event=summary)
    if now < attendance.checkin_opens_at:
        raise CheckinNotOpen(
            _l(
                "Check-in opens at %(opens_at)s.",
                opens_at=district_minute(attendance.checkin_opens_at),
            ),
            event=summary,
        )
    if now > attendance.checkin_closes_at:
        raise CheckinClosed(event=summary)


def _refuse_closed(staff: Principal | None) -> NoReturn:
    if staff is not None:
        # Not 401: that would sign the desk out.
        raise NotFound(_l("No such resident."))
    raise TokenRevoked(_l("This account was closed."))


def _repeat(
    event: CheckinEvent, resident_id: int, scanner: Scanner, now: datetime
) -> CheckinResult:
    log_scan(scanner, event.id, resident_id, "already_checked_in", now)
    checkin = db.session.execute(
        select(Checkin.id, Checkin.created_at).where(
            Checkin.event_id == event.id, Checkin.resident_id == resident_id
        )
    ).one()
    balance, _ = balance_of(resident_id)
    return CheckinResult(checkin.id, event.id, checkin.created_at, 0, balance, True, event)


def _give_home_center(resident_id: int, center_id: int) -> None:
    """A resident's first check-in makes its center their home, unless they chose one since.

    After the earn: like closing an account, it takes the points account's lock before the
    resident's row."""
    db.session.execute(
        update(Resident)
        .where(Resident.id == resident_id, Resident.center_id.is_(None))
        .values(center_id=center_id)
        .execution_options(synchronize_session=False)
    )


def _complete_followup(resident_id: int, center_id: int, checkin_id: int, now: datetime) -> None:
    """Attending a follow-up session completes the resident's earliest open follow-up there."""
    earliest = (
        select(FollowUp.id)
        .where(
            FollowUp.resident_id == resident_id,
            FollowUp.center_id == center_id,
            FollowUp.done_at.is_(None),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(1)
        .scalar_subquery()
    )
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == earliest)
        .values(done_at=now, checkin_id=checkin_id)
        .execution_options(synchronize_session=False)
    )


def annul(checkin_id: int, actor: Principal, reason: str, now: datetime) -> Checkin:
    """Undo a check-in: its points come back out by a reversing transaction; the row stays."""
    checkin = db.session.get(Checkin, checkin_id)
    event = db.session.get(Event, checkin.event_id) if checkin else None
    if checkin is None or event is None or not actor.can_access_center(event.center_id):
        raise NotFound(_l("No such check-in."))
    if checkin.annulled_at is not None:
        raise Conflict(_l("This check-in was annulled already."))
    reverse_earned("checkin", str(checkin.id), "签到作废", actor)
    # The staff's reason stays with the check-in: it may say more than a resident should read.
    annul_checkin(checkin, event, actor.id, reason, now)
    return checkin


def annul_checkin(
    checkin: Checkin, event: Event, staff_id: int, reason: str, now: datetime
) -> None:
    """Annul a valid check-in in the name of ``staff_id``, the points it earned settled by
    the caller: its seat freed, the follow-up it completed open again."""
    checkin.annulled_at, checkin.annulled_by_id, checkin.annul_reason = now, staff_id, reason
    if event.capacity is not None and checkin.method != "import":  # paper took no seat
        # In the database: a check-in taking a seat meanwhile counts (never a stale count).
        db.session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(event, ["seats_taken"])
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.checkin_id == checkin.id)
        .values(done_at=None, checkin_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    signals.checkin_annulled.send(resident_id=checkin.resident_id, checkin_id=checkin.id)
