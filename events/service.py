"""Events: creating, editing, cancelling and listing them; who attended; what looks odd."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, update

from core.api import decode_cursor, page
from core.auth import Principal
from core.codes import InvalidQr
from core.csvfiles import csv_text
from core.db import db
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from events.checkin import CheckinClosed, EventCancelled
from events.models import Checkin, Event, ScanAttempt
from identity.audit import record_audit, resident_for_staff
from identity.models import Resident, Staff, mask_phone
from points import rules

#: Check-in opens this long before the start and closes this long after the end by default.
DEFAULT_WINDOW = timedelta(minutes=30)
#: How each check-in came about, as the attendance export says it.
METHOD_NAMES = {"self": "本人扫码", "staff": "工作人员代签", "import": "纸质签到导入"}
#: One device checking in this many residents to one event is flagged for a look.
RESIDENTS_PER_DEVICE_FLAG = 3


#: Roles that create, change and cancel events (the API's and the console's).
EVENT_EDITORS = ("staff", "manager")
#: Roles that may give an event more points than the center's rule for its kind.
POINTS_ABOVE_RULE_ROLES = ("manager", "admin")
#: Kinds of event that may be made for one resident (``resident_id``).
PERSONAL_KINDS = ("followup", "revisit")


class PointsAboveRule(DomainError):
    status, code = 403, "points_above_rule"
    title = _l("Only a manager may give more points than the rule")


class EventIsPersonal(DomainError):
    status, code = 409, "event_is_personal"
    title = _l("This event was made for another resident")


class DisplayLinkRevoked(DomainError):
    status, code, title = 410, "display_link_revoked", _l("This display link was withdrawn")


@dataclass(frozen=True, slots=True)
class DeviceFlag:
    client_ip: str | None
    user_agent: str | None
    residents: int
    attempts: int


def create_event(actor: Principal, fields: dict[str, Any]) -> Event:
    center_id = fields.pop("center_id", None) or actor.center_id
    if center_id is None:
        raise ValidationFailed(errors={"center_id": [_l("Say which center holds the event.")]})
    if not actor.can_access_center(center_id):
        raise NotFound(_l("No such center."))
    if fields.get("resident_id") is not None:
        _check_personal(actor, fields["kind"], fields["resident_id"])
    event = Event(center_id=center_id, created_by_id=actor.id, **fields)
    _check_points(actor, event)
    _default_window(event)
    _check_times(event)
    db.session.add(event)
    db.session.flush()
    return event


def _check_points(actor: Principal, event: Event) -> None:
    """Desk staff may not mint points: above the center's rule for the kind needs a manager."""
    if event.points is None or actor.role in POINTS_ABOVE_RULE_ROLES:
        return
    allowed = rules.rule_for(event.center_id, event.kind).points
    if event.points > allowed:
        raise PointsAboveRule(
            _l(
                "The center's rule gives %(allowed)d points for this kind of event; "
                "only a manager may set more.",
                allowed=allowed,
            )
        )


def _check_personal(actor: Principal, kind: str, resident_id: int) -> None:
    """A personal event is a follow-up or re-visit for a resident the actor may see."""
    if kind not in PERSONAL_KINDS:
        raise ValidationFailed(
            errors={"kind": [_l("An event for one resident is a follow-up or a re-visit.")]}
        )
    resident_for_staff(actor, resident_id)


def _default_window(event: Event) -> None:
    if event.checkin_opens_at is None:
        event.checkin_opens_at = event.starts_at - DEFAULT_WINDOW
    if event.checkin_closes_at is None:
        event.checkin_closes_at = event.ends_at + DEFAULT_WINDOW


def _check_times(event: Event) -> None:
    errors = {}
    if event.ends_at <= event.starts_at:
        errors["ends_at"] = [_l("The event must end after it starts.")]
    if event.checkin_closes_at <= event.checkin_opens_at:
        errors["checkin_closes_at"] = [_l("Check-in must close after it opens.")]
    if errors:
        raise ValidationFailed(errors=errors)


def open_to(resident_id: int) -> ColumnElement[bool]:
    """The events a resident may see: every center's, except personal events of others."""
    return Event.resident_id.is_(None) | (Event.resident_id == resident_id)


def event_open_to(resident_id: int, event_id: int) -> Event:
    """An event of any center, as a resident sees it (:func:`open_to`): another resident's
    personal event does not exist."""
    event = db.session.scalar(select(Event).where(Event.id == event_id, open_to(resident_id)))
    if event is None:
        raise NotFound(_l("No such event."))
    return event


def event_for_staff(actor: Principal, event_id: int) -> Event:
    """An event of a center the actor works for: another center's does not exist to them."""
    event = db.session.get(Event, event_id)
    if event is None or not actor.can_access_center(event.center_id):
        raise NotFound(_l("No such event."))
    return event


def personal_code_holder(
    actor: Principal, event_id: int, resident_id: int
) -> tuple[Event, Resident]:
    """The event and resident of a personal code; a personal event's code is its resident's
    alone (``event_is_personal`` for anyone else)."""
    event = event_for_staff(actor, event_id)
    resident = resident_for_staff(actor, resident_id)
    if event.resident_id is not None and event.resident_id != resident.id:
        raise EventIsPersonal(
            _l("This event was made for another resident; only they can have a code for it.")
        )
    return event, resident


def update_event(actor: Principal, event_id: int, changes: dict[str, Any]) -> Event:
    event = event_for_staff(actor, event_id)
    if event.cancelled_at is not None:
        raise Conflict(_l("A cancelled event cannot be changed."))
    # Before any change: a query would flush a capacity below the places taken.
    if changes.get("capacity") is not None and changes["capacity"] < event.signups_taken:
        raise ValidationFailed(errors={"capacity": [_l("More residents have signed up already.")]})
    for field, value in changes.items():
        setattr(event, field, value)
    if "points" in changes:
        _check_points(actor, event)
    _check_times(event)
    if event.capacity is not None and event.capacity < attendance_of(event.id):
        raise ValidationFailed(errors={"capacity": [_l("More residents have checked in already.")]})
    if "capacity" in changes:
        event.seats_taken = attendance_of(event.id) if event.capacity is not None else 0
    db.session.flush()
    return event


def cancel_event(actor: Principal, event_id: int, now: datetime) -> Event:
    event = event_for_staff(actor, event_id)
    if event.cancelled_at is None:
        event.cancelled_at = now
        db.session.flush()
    return event


def event_to_display(actor: Principal, event_id: int, now: datetime) -> Event:
    """An event staff may open the projector page for: one whose check-in has not ended."""
    event = event_for_staff(actor, event_id)
    _refuse_if_over(event, now)
    return event


def revoke_display_links(actor: Principal, event_id: int) -> None:
    """Withdraw every projector link of the event issued so far (a leaked one included)."""
    event = event_for_staff(actor, event_id)
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(display_generation=Event.display_generation + 1)
        .execution_options(synchronize_session=False)
    )


def displayed_event(event_id: int, generation: int, now: datetime) -> Event:
    """The event a projector link shows, while the link holds.

    A link holds until its event's check-in closes, the event is cancelled or its links are
    withdrawn (a later generation): it never outlives the window it serves codes for.
    """
    event = db.session.get(Event, event_id)
    if event is None:
        raise InvalidQr(_l("This display link names no event."))
    if event.display_generation != generation:
        raise DisplayLinkRevoked(_l("This display link was withdrawn; open a new one."))
    _refuse_if_over(event, now)
    return event


def _refuse_if_over(event: Event, now: datetime) -> None:
    if event.cancelled_at is not None:
        raise EventCancelled()
    if now > event.checkin_closes_at:
        raise CheckinClosed()


def attendance_of(event_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(Checkin.id)).where(
                Checkin.event_id == event_id, Checkin.annulled_at.is_(None)
            )
        )
    )


def attendance_by_event(event_ids: Collection[int]) -> dict[int, int]:
    """Valid check-ins of each event, in one query (an event nobody attended is 0)."""
    counts = dict.fromkeys(event_ids, 0)
    if not counts:
        return counts
    rows = db.session.execute(
        select(Checkin.event_id, func.count(Checkin.id))
        .where(Checkin.event_id.in_(counts), Checkin.annulled_at.is_(None))
        .group_by(Checkin.event_id)
    )
    counts.update({event_id: count for event_id, count in rows})
    return counts


def attendance_page(event: Event, limit: int, cursor: str | None) -> dict[str, Any]:
    stmt = (
        select(Checkin, Resident.name, Resident.phone)
        .join(Resident, Resident.id == Checkin.resident_id)
        .where(Checkin.event_id == event.id)
        .order_by(Checkin.id)
        .limit(limit + 1)
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Checkin.id > last_id)
    rows = db.session.execute(stmt).all()
    result = page(rows, limit, key=lambda row: (row.Checkin.id,))
    result["items"] = [_attendee(row) for row in result["items"]]
    return result


def export_attendance(actor: Principal, event: Event, tz: ZoneInfo) -> str:
    """The whole attendance list as CSV; each resident on it is an audited export."""
    rows = _attendance_rows(event)
    for row in rows:
        record_audit(actor, "attendance.export", row["resident_id"], f"event {event.id}")
    return _attendance_csv(rows, tz)


def _attendance_rows(event: Event) -> list[dict[str, Any]]:
    """Everyone who checked in, with the name of the staff member who checked them in."""
    rows = db.session.execute(
        select(Checkin, Resident.name, Resident.phone, Staff.name.label("staff_name"))
        .join(Resident, Resident.id == Checkin.resident_id)
        .outerjoin(Staff, Staff.id == Checkin.staff_id)
        .where(Checkin.event_id == event.id)
        .order_by(Checkin.id)
    ).all()
    return [{**_attendee(row), "staff_name": row.staff_name} for row in rows]


def _attendance_csv(attendees: list[dict[str, Any]], tz: ZoneInfo) -> str:
    """The attendance list for Excel; phones stay masked (a list of names, not a call list)."""
    return csv_text(
        [
            "签到编号",
            "居民编号",
            "姓名",
            "电话",
            "方式",
            "经办人",
            "签到时间",
            "作废时间",
            "作废原因",
        ],
        (
            [
                a["checkin_id"],
                a["resident_id"],
                a["name"],
                a["phone_masked"],
                METHOD_NAMES[a["method"]],
                a["staff_name"],
                a["created_at"],
                a["annulled_at"],
                a["annul_reason"],
            ]
            for a in attendees
        ),
        tz=tz,
    )


def _attendee(row: Any) -> dict[str, Any]:
    checkin: Checkin = row.Checkin
    return {
        "checkin_id": checkin.id,
        "resident_id": checkin.resident_id,
        "name": row.name,
        "phone_masked": mask_phone(row.phone),
        "method": checkin.method,
        "staff_id": checkin.staff_id,
        "created_at": checkin.created_at,
        "annulled_at": checkin.annulled_at,
        "annul_reason": checkin.annul_reason,
    }


def device_flags(event_id: int) -> list[DeviceFlag]:
    """Devices (address and browser) that checked in several residents to this event."""
    rows = db.session.execute(
        select(
            ScanAttempt.client_ip,
            ScanAttempt.user_agent,
            func.count(func.distinct(ScanAttempt.resident_id)),
            func.count(ScanAttempt.id),
        )
        .where(ScanAttempt.event_id == event_id, ScanAttempt.method == "self")
        .group_by(ScanAttempt.client_ip, ScanAttempt.user_agent)
        .having(func.count(func.distinct(ScanAttempt.resident_id)) >= RESIDENTS_PER_DEVICE_FLAG)
        .order_by(func.count(func.distinct(ScanAttempt.resident_id)).desc())
    ).all()
    return [DeviceFlag(*row) for row in rows]


def scan_log(event_id: int, limit: int, cursor: str | None) -> dict[str, Any]:
    stmt = (
        select(ScanAttempt)
        .where(ScanAttempt.event_id == event_id)
        .order_by(ScanAttempt.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(ScanAttempt.id < last_id)
    return page(list(db.session.scalars(stmt)), limit, key=lambda s: (s.id,))
