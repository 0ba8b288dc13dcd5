"""Gamification off the check-in's hot path: a worker process (``flask gamification work``)
finds in the history itself whose check-ins, annulments, paper attendance and gifts are new,
and refreshes those residents within seconds, each in a transaction of its own.

Why not in the check-in's transaction: refreshing reads the resident's whole history and
every challenge, several times the check-in's own work; a hall scanning within a minute
would wait for it. Why not a note written by the check-in: even one more statement costs
the hot path about 5% (bench/RESULTS.md), and the history is indexed by the moments it
needs (``created_at``, ``annulled_at``, ``recorded_at``, ``fulfilled_at``). Why a process of
its own, not a thread in each web worker: its Python would hold their GIL.

Each pass reads what happened since the last pass's end (``GamificationCursor``) less
:data:`MARGIN`, for a transaction that took its moment before the last pass and committed
after; what the worker has refreshed for within the margin it skips. Refreshing is
idempotent, so a pass that dies is simply done again, and two workers only duplicate work
(a resident's refresh holds an advisory lock of their own, taken in id order).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import literal, select, union_all
from sqlalchemy.dialects.postgresql import insert

from catalog.models import Redemption
from core.db import db, utcnow
from events.models import Checkin
from gamification.models import GamificationCursor
from gamification.progress import GameSettings, Terms, refresh_many
from identity.models import Resident

log = logging.getLogger(__name__)

#: Longer than any transaction can take from the moment it writes to its commit (its
#: statements are cut at ``DB_STATEMENT_TIMEOUT_MS``, gunicorn's worker at 60 s).
MARGIN = timedelta(minutes=2)
#: Residents refreshed per transaction.
CHUNK = 50
#: What happened, by its kind and row: (kind, id) -> when it was refreshed for.
Seen = dict[tuple[str, int], datetime]


def changes(since: datetime, until: datetime) -> list[tuple[str, int, int]]:
    """(kind, row id, resident) of what happened in ``[since, until)``: two records merged
    count for both, the survivor (who holds the other's check-ins now) and the merged one
    (whose game goes)."""
    window = {
        "checkin": (Checkin.id, Checkin.resident_id, Checkin.created_at),
        "annul": (Checkin.id, Checkin.resident_id, Checkin.annulled_at),
        "paper": (Checkin.id, Checkin.resident_id, Checkin.recorded_at),
        "gift": (Redemption.id, Redemption.resident_id, Redemption.fulfilled_at),
    }
    parts = [
        select(
            literal(kind).label("kind"),
            row_id.label("row_id"),
            resident.label("resident_id"),
            at.label("at"),
        ).where(at >= since, at < until)
        for kind, (row_id, resident, at) in window.items()
    ]
    parts[3] = parts[3].where(Redemption.status == "fulfilled")
    merged = (Resident.merged_into_id.is_not(None), Resident.closed_at >= since)
    for kind, resident in (("merged into", Resident.merged_into_id), ("merged", Resident.id)):
        parts.append(
            select(literal(kind), Resident.id, resident, Resident.closed_at).where(
                *merged, Resident.closed_at < until
            )
        )
    rows = db.session.execute(union_all(*parts))
    return [(kind, row_id, resident_id) for kind, row_id, resident_id, _ in rows]


def run_once(settings: GameSettings, seen: Seen | None = None) -> int:
    """One pass: refresh the residents whose history changed since the last pass (less the
    margin) and move the cursor on; commits. Returns how many residents were refreshed."""
    seen = {} if seen is None else seen
    until = utcnow()
    cursor = db.session.get(GamificationCursor, 1)
    since = (cursor.scanned_until if cursor else until - MARGIN) - MARGIN
    residents = set()
    for kind, row_id, resident_id in changes(since, until):
        if (kind, row_id) not in seen:
            seen[(kind, row_id)] = until
            residents.add(resident_id)
    terms = Terms.current()
    db.session.rollback()
    ordered = sorted(residents)
    for start in range(0, len(ordered), CHUNK):
        refresh_many(ordered[start : start + CHUNK], utcnow(), settings, terms)
        db.session.commit()
    db.session.execute(
        insert(GamificationCursor)
        .values(id=1, scanned_until=until)
        .on_conflict_do_update(index_elements=["id"], set_={"scanned_until": until})
    )
    db.session.commit()
    for key in [key for key, at in seen.items() if at < until - 2 * MARGIN]:
        del seen[key]
    return len(residents)


def work(settings: GameSettings, every: float) -> Iterator[int]:
    """Pass after pass, ``every`` seconds apart; yields each pass's count."""
    seen: Seen = {}
    while True:
        started = time.monotonic()
        try:
            yield run_once(settings, seen)
        except Exception:
            db.session.rollback()
            log.exception("gamification pass failed; the next one does it again")
        time.sleep(max(0.0, every - (time.monotonic() - started)))
