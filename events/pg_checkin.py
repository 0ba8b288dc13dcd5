"""Check-in on PostgreSQL in two statements: this one claims the seat, ``points.hot_credit``
writes the credit.

It reads the event (with what the result screen shows of it: title, start, center name),
the resident's account state and the earning rule in force, inserts the attendance (only
inside the window of an event that is not cancelled, by a resident whose account is open, at
a personal event only by its resident) and its line in the scan log, takes a seat when the
event has a capacity, gives a resident with no home center the event's, locks the resident's
account by upsert and reserves the ledger transaction's id, so the entry's hash can be
computed before anything of the ledger is written. The statement is the driver's SQL, sent
as it is: the hot path builds, compiles and wraps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.db import driver_connection
from events.scans import Scanner
from points.models import GENESIS_HASH
from points.service import LockedAccount

_CLAIM = """
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
    ), homed AS (
        UPDATE residents SET center_id = (SELECT center_id FROM event)
        WHERE id = %(resident_id)s AND center_id IS NULL
          AND EXISTS (SELECT FROM attended) AND (SELECT center_id FROM resident) IS NULL
    ), account AS (
        INSERT INTO points_accounts (resident_id, balance, reserved, version, chain_head,
                                     updated_at)
        SELECT %(resident_id)s, 0, 0, 0, %(genesis)s, %(now)s FROM attended
        ON CONFLICT (resident_id) DO UPDATE SET resident_id = EXCLUDED.resident_id
        RETURNING balance, reserved, version, chain_head, closed_at
    )
    SELECT event.center_id, event.kind, event.points, event.capacity,
           event.checkin_opens_at, event.checkin_closes_at, event.cancelled_at,
           event.resident_id, event.title, event.starts_at, event.center_name,
           (SELECT closed_at IS NOT NULL FROM resident) OR account.closed_at IS NOT NULL,
           attended.id, attended.created_at, EXISTS (SELECT FROM seat),
           account.balance, account.reserved, account.version, account.chain_head,
           CASE WHEN attended.id IS NOT NULL THEN nextval('ledger_transactions_id_seq') END,
           rule.points, rule.daily_cap, rule.monthly_cap
    FROM event
    LEFT JOIN attended ON true
    LEFT JOIN account ON true
    LEFT JOIN LATERAL (
        SELECT points, daily_cap, monthly_cap FROM earning_rules
        WHERE activity = event.kind AND (center_id = event.center_id OR center_id IS NULL)
        ORDER BY center_id NULLS LAST LIMIT 1
    ) rule ON true
"""


@dataclass(frozen=True, slots=True)
class Attendance:
    """A check-in the first statement inserted, with what the credit needs."""

    checkin_id: int
    created_at: datetime
    #: False when the event has a capacity and it is full (the request must roll back).
    seated: bool
    account: LockedAccount
    transaction_id: int


@dataclass(frozen=True, slots=True)
class Claim:
    """The event as the first statement read it, and the new check-in if it made one."""

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
    #: The resident closed their account: nothing was inserted, or (when the closing held the
    #: account's lock as this statement waited for it) the request must roll back.
    resident_closed: bool
    #: None when the resident had checked in already, or the event refuses check-ins now.
    new: Attendance | None
    #: The earning rule in force (center's, else district's); None: built-in defaults.
    rule: tuple[int, int | None, int | None] | None


def claim(event_id: int, resident_id: int, scanner: Scanner, now: datetime) -> Claim | None:
    """Run the first statement; None when no such event exists."""
    params = {
        "event_id": event_id,
        "resident_id": resident_id,
        "method": scanner.method,
        "staff_id": scanner.staff_id,
        "client_ip": scanner.client_ip,
        "user_agent": scanner.user_agent,
        "now": now,
        "genesis": GENESIS_HASH,
    }
    with driver_connection() as connection:
        row = connection.execute(_CLAIM, params).fetchone()
    if row is None:
        return None
    (*event, checkin_id, created_at, seated, balance, reserved, version, chain_head) = row[:19]
    transaction_id, rule_points, daily_cap, monthly_cap = row[19:]
    new = None
    if checkin_id is not None:
        account = LockedAccount(resident_id, balance, reserved, version, chain_head)
        new = Attendance(checkin_id, created_at, seated, account, transaction_id)
    rule = None if rule_points is None else (rule_points, daily_cap, monthly_cap)
    return Claim(*event, new=new, rule=rule)
