"""The scan log: one line per check-in attempt, who scanned from where and what came of it.

``log_scan`` writes every line but one kind: a first check-in's, which the attendance
statement writes itself (``events.attendance``) to save the hot path a round trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db import driver_connection, utcnow, write_regardless
from core.errors import DomainError

# The driver's SQL, sent as it is: it runs on every scan.
_INSERT = """
    INSERT INTO scan_attempts (at, event_id, resident_id, outcome, method, staff_id, client_ip,
                               user_agent)
    VALUES (%(at)s, CAST(%(event_id)s AS integer), CAST(%(resident_id)s AS integer),
            %(outcome)s, %(method)s, CAST(%(staff_id)s AS integer), %(client_ip)s, %(user_agent)s)
"""


@dataclass(frozen=True, slots=True)
class Scanner:
    """Who scanned (the resident's phone, or staff at the desk) and from which device."""

    method: str
    staff_id: int | None
    client_ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, staff_id: int | None, **device: str | None) -> Scanner:
        """The resident's own phone (no ``staff_id``), or the desk of that staff member."""
        return cls("self" if staff_id is None else "staff", staff_id, **device)


@dataclass
class Attempt:
    """A check-in attempt as far as it is known: its line in the log names what it was about."""

    scanner: Scanner
    event_id: int | None = None
    resident_id: int | None = None


@contextmanager
def refusals_logged(scanner: Scanner) -> Iterator[Attempt]:
    """Log a refused attempt with the refusal's code, once its request has rolled back.

    The body fills in the attempt's event and resident as it learns them. A check-in logs its
    own scan; a refusal's line must outlive the rollback.
    """
    attempt = Attempt(scanner)
    try:
        yield attempt
    except DomainError as error:
        log_scan(scanner, attempt.event_id, attempt.resident_id, error.code, utcnow(), refused=True)
        raise


def log_scan(
    scanner: Scanner,
    event_id: int | None,
    resident_id: int | None,
    outcome: str,
    at: datetime,
    *,
    refused: bool = False,
) -> None:
    """Write the scan log's line for an attempt, in the request's transaction; a ``refused``
    attempt's line is written once the request has rolled back (it must outlive it)."""
    row = {
        "at": at,
        "event_id": event_id,
        "resident_id": resident_id,
        "outcome": outcome,
        "method": scanner.method,
        "staff_id": scanner.staff_id,
        "client_ip": scanner.client_ip,
        "user_agent": scanner.user_agent,
    }
    if refused:
        write_regardless(lambda: _write(row))
    else:
        _write(row)


def _write(row: dict[str, Any]) -> None:
    with driver_connection() as connection:
        connection.execute(_INSERT, row)
