"""The check-in's statement: the event read, the attendance recorded, a seat taken.

One round trip reads the event (with what the result screen shows of it: title, start,
center name) and whether the resident's account is closed, inserts the attendance (only
inside the window of an event that is not cancelled, by a resident whose account is open, at
a personal event only by its resident) and its line in the scan log, and takes a seat when the
event has a capacity. (The scan log's other lines, a repeat's and a refusal's, are
``scans.log_scan``'s: this statement saves the hot path the round trip.) It locks no
resident's row: closing an account locks the points account first, then the resident's.
The unique key on (event, resident) tells a first scan from a repeat. The statement is the
driver's SQL, sent as it is: the hot path builds, compiles and wraps nothing.

Attendance from paper (``record_past``) is the other way in: many past check-ins in one
statement, keyed by the same unique key, so a sheet imported twice records each line once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import signals
from core.db import driver_connection
from events.scans import Scanner

_ATTEND = """
    WITH event AS (
        SELECT events.center_id, kind, points, capacity, checkin_opens_at, checkin_closes_at,
               cancelled_at, resident_id, title, starts_at, centers.name AS center_name
        FROM events JOIN centers ON centers.id = events.center_id
        WHERE events.id = %(event_id)s
    ), resident AS (
        SELECT center_id, closed_at FROM residents WHERE id = %(resident_id)s
    ), attended AS (
        INSERT INTO checkins (event_id, resident_id, method, staff_id, created_at)
        SELECT %(event_id)s, %(resident_id)s, %(method)s, CAST(%(staff_id)s AS integer),
               %(now)s
        FROM event LEFT JOIN resident ON true
        WHERE cancelled_at IS NULL AND %(now)s BETWEEN checkin_opens_at AND checkin_closes_at
          AND closed_at IS NULL
          AND (event.resident_id IS NULL OR event.resident_id = %(resident_id)s)
        ON CONFLICT DO NOTHING
        RETURNING id, created_at
    ), logged AS (
        INSERT INTO scan_attempts (at, event_id, resident_id, outcome, method, staff_id,
                                   client_ip, user_agent)
        SELECT %(now)s, %(event_id)s, %(resident_id)s, 'checked_in', %(method)s,
               CAST(%(staff_id)s AS integer), %(client_ip)s, %(user_agent)s
        FROM attended
    ), seat AS (
        UPDATE events SET seats_taken = seats_taken + 1
        WHERE id = %(event_id)s AND capacity IS NOT NULL AND seats_taken < capacity
          AND EXISTS (SELECT FROM attended)
        RETURNING id
    )
    SELECT event.center_id, event.kind, event.points, event.capacity,
           event.checkin_opens_at, event.checkin_closes_at, event.cancelled_at,
           event.resident_id, event.title, event.starts_at, event.center_name,
           COALESCE((SELECT closed_at IS NOT NULL FROM resident), false),
           (SELECT center_id IS NULL FROM resident),
           attended.id, attended.created_at, EXISTS (SELECT FROM seat)
    FROM event LEFT JOIN attended ON true
"""


_RECORD_PAST = """
    INSERT INTO checkins (event_id, resident_id, method, staff_id, created_at, recorded_at)
    SELECT attended.event_id, attended.resident_id, 'import', %(staff_id)s, events.starts_at,
           %(now)s
    FROM unnest(CAST(%(event_ids)s AS integer[]), CAST(%(resident_ids)s AS integer[]))
         AS attended(event_id, resident_id)
    JOIN events ON events.id = attended.event_id
    ON CONFLICT (event_id, resident_id) DO UPDATE
    SET annulled_at = NULL, annulled_by_id = NULL, annul_reason = NULL,
        staff_id = excluded.staff_id, recorded_at = excluded.recorded_at
    WHERE checkins.method = 'import' AND checkins.annulled_at IS NOT NULL
    RETURNING id, event_id, resident_id
"""


@dataclass(frozen=True, slots=True)
class NewCheckin:
    """The check-in the statement inserted."""

    id: int
    created_at: datetime
    #: False when the event has a capacity and it is full (the request must roll back).
    seated: bool


@dataclass(frozen=True, slots=True)
class Attendance:
    """The event as the statement read it, and the new check-in if it made one."""

    center_id: int
    kind: str
    points: int | None
    capacity: int | None
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    cancelled_at: datetime | None
    #: The one resident a personal event is for; None: anyone may come.
    resident_id: int | None
    title: str
    starts_at: datetime
    center_name: str
    #: The resident closed their account: nothing was inserted.
    resident_closed: bool
    #: The resident has no home center yet (their first check-in gives them this one).
    resident_homeless: bool
    #: None when the resident had checked in already, or the event refuses check-ins now.
    new: NewCheckin | None


def attend(event_id: int, resident_id: int, scanner: Scanner, now: datetime) -> Attendance | None:
    """Run the statement; None when no such event exists."""
    params = {
        "event_id": event_id,
        "resident_id": resident_id,
        "method": scanner.method,
        "staff_id": scanner.staff_id,
        "client_ip": scanner.client_ip,
        "user_agent": scanner.user_agent,
        "now": now,
    }
    with driver_connection() as connection:
        row = connection.execute(_ATTEND, params).fetchone()
    if row is None:
        return None
    *event, checkin_id, created_at, seated = row
    new = None if checkin_id is None else NewCheckin(checkin_id, created_at, seated)
    return Attendance(*event, new=new)


def record_past(
    attended: list[tuple[int, int]], staff_id: int, now: datetime
) -> list[tuple[int, int, int]]:
    """Record ``(event, resident)`` attendances from paper, dated at their events' start:
    one statement, whatever their number. They earn no points, take no seat and log no scan
    (nobody scanned); a pair checked in already is left as it is, except a check-in from
    paper annulled since (its import undone), which stands again: the sheet, corrected, was
    imported again. Returns ``(id, event, resident)`` of the check-ins made or restored."""
    if not attended:
        return []
    params = {
        "event_ids": [event_id for event_id, _ in attended],
        "resident_ids": [resident_id for _, resident_id in attended],
        "staff_id": staff_id,
        "now": now,
    }
    with driver_connection() as connection:
        made = [tuple(row) for row in connection.execute(_RECORD_PAST, params).fetchall()]
    for checkin_id, _, resident_id in made:
        signals.checked_in.send(resident_id=resident_id, checkin_id=checkin_id)
    return made
