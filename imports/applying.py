"""What a batch makes, kind by kind: counted for a dry run, made for a real one.

A real run prepares in one transaction (the center's imports take turns there: residents
registered, events made, repeats set aside), then applies its rows a chunk at a time, each
chunk in its own transaction (:mod:`imports.runner`). Rows are keyed, so applying a chunk
again, or the same rows in another batch, makes nothing twice:

- residents: by phone (else by name at the center): a person is registered once;
- attendance: an event per (日期, 活动名称, 活动类型) at the center, a check-in per
  (event, resident), the check-ins' own unique key;
- balances: a ledger source per (center, resident, 积分, 说明, its n-th such line in the file);
  a line whose credit was reversed (its import undone) is keyed anew, so that the file,
  corrected, is credited again.

A dry run reaches the same counts by looking instead of writing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, text

from core.auth import Principal
from core.db import db
from core.errors import TokenRevoked
from events import attendance
from events.imported import PaperEvent, checked_in, find_paper_events, make_paper_events
from imports import matching, staging
from imports.models import ImportBatch
from imports.rows import Problem
from points.adjustments import carried_over, carry_over, reversed_carry_overs
from points.expiry import PointsSettings

#: A chunk of balances holds each resident's account lock until it commits: few at a time,
#: so a check-in of one of them waits a moment at most.
ACCOUNTS_AT_ONCE = 200
_LOCK_CENTER = text("SELECT pg_advisory_xact_lock(hashtext('imports'), :center_id)")
#: Later rows naming what an earlier row named are repeats: they make nothing more.
_SET_ASIDE_REPEATS = """
    UPDATE import_rows SET outcome = 'skipped'
    FROM (
        SELECT row, row_number() OVER (PARTITION BY {key} ORDER BY row) AS nth
        FROM import_rows WHERE batch_id = :batch_id AND outcome IS NULL
    ) AS ranked
    WHERE import_rows.batch_id = :batch_id AND import_rows.row = ranked.row AND ranked.nth > 1
"""
_REPEAT_KEYS = {
    "residents": "who",
    "attendance_by_name": "day, title, kind, who",
    "attendance": "event_id, resident_id",
}
_SETTLE = text("""
    UPDATE import_rows
    SET outcome = CASE WHEN made_resident THEN 'created' ELSE 'skipped' END,
        who = NULL, name = NULL, phone = NULL
    WHERE batch_id = :batch_id AND outcome IS NULL
""")
_EVENTS_NAMED = text("""
    SELECT DISTINCT day, title, kind FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL
""")
#: Rows given an event already keep it: a resumed batch keeps what its preparation made.
_GIVE_EVENTS = text("""
    UPDATE import_rows SET event_id = named.id, made_event = named.made
    FROM unnest(CAST(:days AS date[]), CAST(:titles AS text[]), CAST(:kinds AS text[]),
                CAST(:ids AS integer[]), CAST(:made AS boolean[]))
         AS named(day, title, kind, id, made)
    WHERE import_rows.batch_id = :batch_id AND import_rows.outcome IS NULL
      AND import_rows.event_id IS NULL
      AND import_rows.day = named.day AND import_rows.title = named.title
      AND import_rows.kind = named.kind
""")
#: Each balance line's key, once (a resumed batch keeps it): the n-th line of the same
#: resident, points and words in the file is told from the first, and is the same n-th line
#: next time. The resident, not what the row says of them: a line given with its phone in
#: one file and without it in another (matched by name) is the same line, credited once.
#: (A dry run keys only the rows of residents found: a newcomer has no credit to find.)
_KEY_LINES = text("""
    UPDATE import_rows SET source_key = keyed.key
    FROM (
        SELECT row, encode(sha256(convert_to(concat_ws('|', :center_id, 'r' || resident_id,
               points, note,
               row_number() OVER (PARTITION BY resident_id, points, note ORDER BY row)),
               'UTF8')), 'hex') AS key
        FROM import_rows WHERE batch_id = :batch_id AND resident_id IS NOT NULL
    ) AS keyed
    WHERE import_rows.batch_id = :batch_id AND import_rows.row = keyed.row
      AND import_rows.outcome IS NULL AND import_rows.source_key IS NULL
""")
_PENDING = text("""
    SELECT row, resident_id, event_id, points, note, source_key FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL
    ORDER BY row LIMIT :limit
""")
_PAIRS_KNOWN = text("""
    SELECT row, event_id, resident_id FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL AND row > :after
      AND event_id IS NOT NULL AND resident_id IS NOT NULL
    ORDER BY row LIMIT :limit
""")
_KEYS_KNOWN = text("""
    SELECT row, source_key FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL AND row > :after AND resident_id IS NOT NULL
    ORDER BY row LIMIT :limit
""")
_RECORD = text("""
    UPDATE import_rows
    SET outcome = CASE WHEN done.made_id IS NULL THEN done.outcome ELSE 'created' END,
        made_id = done.made_id, who = NULL, name = NULL, phone = NULL
    FROM unnest(CAST(:rows AS integer[]), CAST(:made_ids AS integer[]),
                CAST(:outcomes AS text[])) AS done(row, made_id, outcome)
    WHERE import_rows.batch_id = :batch_id AND import_rows.row = done.row
""")
_MADE_EVENTS = text("""
    SELECT count(DISTINCT event_id) FROM import_rows WHERE batch_id = :batch_id AND made_event
""")
_MADE_RESIDENTS = text("""
    SELECT count(DISTINCT resident_id) FROM import_rows
    WHERE batch_id = :batch_id AND made_resident
""")


def _set_aside_repeats(batch_id: int, key: str) -> None:
    db.session.execute(
        text(_SET_ASIDE_REPEATS.format(key=_REPEAT_KEYS[key])), {"batch_id": batch_id}
    )


def _record(batch_id: int, done: list[tuple[int, int | None, str]]) -> Counter[str]:
    """Write each row's outcome: ``(row, what it made or None, outcome if it made none)``;
    returns how many rows came to each."""
    if done:
        rows, made_ids, outcomes = (list(column) for column in zip(*done, strict=True))
        db.session.execute(
            _RECORD,
            {"batch_id": batch_id, "rows": rows, "made_ids": made_ids, "outcomes": outcomes},
        )
    return Counter(outcome if made_id is None else "created" for _, made_id, outcome in done)


# -- a dry run: what the batch would make -------------------------------------------------


def count(batch: ImportBatch, tz: ZoneInfo) -> None:
    """Set aside the staged rows the real run would make nothing of, writing nothing outside
    the batch: those left would each make one thing."""
    batch.residents_created = matching.newcomers(batch.id)
    if batch.kind == "residents":
        _set_aside_repeats(batch.id, "residents")
        _settle_matched(batch.id)
    elif batch.kind == "attendance":
        _set_aside_repeats(batch.id, "attendance_by_name")
        named = _events_named(batch.id)
        found = find_paper_events(batch.center_id, named, tz)
        batch.events_created = len(set(named) - set(found))
        _give_events(batch.id, {event: (event_id, False) for event, event_id in found.items()})
        _count_known(batch.id, _PAIRS_KNOWN, _attended)
    else:
        db.session.execute(_KEY_LINES, {"batch_id": batch.id, "center_id": batch.center_id})
        _count_known(batch.id, _KEYS_KNOWN, _carried)


def _settle_matched(batch_id: int) -> None:
    """Residents: a row naming a resident found is there already."""
    db.session.execute(
        text("""
            UPDATE import_rows SET outcome = 'skipped'
            WHERE batch_id = :batch_id AND outcome IS NULL AND resident_id IS NOT NULL
        """),
        {"batch_id": batch_id},
    )


def _count_known(batch_id: int, stmt: TextClause, there: Callable[[list[Any]], list[int]]) -> None:
    """Set aside, a chunk at a time, the rows whose resident (and event) exist and which
    made their thing already."""
    after = 0
    while rows := db.session.execute(
        stmt, {"batch_id": batch_id, "after": after, "limit": staging.CHUNK_ROWS}
    ).all():
        after = rows[-1][0]
        _record(batch_id, [(row, None, "skipped") for row in there(rows)])


def _attended(rows: list[Any]) -> list[int]:
    known = checked_in([(event_id, resident_id) for _, event_id, resident_id in rows])
    return [row for row, event_id, resident_id in rows if (event_id, resident_id) in known]


def _carried(rows: list[Any]) -> list[int]:
    keys = _standing_keys([key for _, key in rows])
    known = carried_over(keys.values())
    return [row for row, key in rows if keys[key] in known]


def _standing_keys(keys: Collection[str]) -> dict[str, str]:
    """Each line's key as this run credits it: its own, or, where the credit made under it
    was reversed (the batch undone, the file then corrected), the next one after it. A credit
    that stands keeps its key: a line is never credited twice while its credit stands."""
    standing = {key: key for key in keys}
    while undone := reversed_carry_overs(set(standing.values())):
        for line, key in standing.items():
            if key in undone:
                standing[line] = hashlib.sha256(f"{key}|again".encode()).hexdigest()
    return standing


def _events_named(batch_id: int) -> list[PaperEvent]:
    return [PaperEvent(*row) for row in db.session.execute(_EVENTS_NAMED, {"batch_id": batch_id})]


def _give_events(batch_id: int, events: dict[PaperEvent, tuple[int, bool]]) -> None:
    if not events:
        return
    named = list(events.items())
    db.session.execute(
        _GIVE_EVENTS,
        {
            "batch_id": batch_id,
            "days": [event.day for event, _ in named],
            "titles": [event.title for event, _ in named],
            "kinds": [event.kind for event, _ in named],
            "ids": [event_id for _, (event_id, _) in named],
            "made": [made for _, (_, made) in named],
        },
    )


# -- a real run ----------------------------------------------------------------------------


def prepare(batch: ImportBatch, tz: ZoneInfo, now: datetime) -> None:
    """Register the residents the rows name and nobody is, make the events they attended,
    and set repeats aside: after this, each pending row makes at most one thing."""
    db.session.execute(_LOCK_CENTER, {"center_id": batch.center_id})
    matching.match(batch.id, batch.center_id)  # someone may have registered them since
    if batch.kind == "residents":
        _set_aside_repeats(batch.id, "residents")
    matching.register(batch.id, batch.center_id, batch.staff_id, now)
    batch.residents_created = db.session.scalar(_MADE_RESIDENTS, {"batch_id": batch.id}) or 0
    if batch.kind == "residents":
        _settle_matched_or_made(batch.id)
    elif batch.kind == "attendance":
        named = _events_named(batch.id)
        found = find_paper_events(batch.center_id, named, tz)
        made = make_paper_events(batch.center_id, set(named) - set(found), batch.staff_id, tz, now)
        _give_events(
            batch.id,
            {e: (i, False) for e, i in found.items()} | {e: (i, True) for e, i in made.items()},
        )
        batch.events_created = db.session.scalar(_MADE_EVENTS, {"batch_id": batch.id}) or 0
        _set_aside_repeats(batch.id, "attendance")
    else:
        db.session.execute(_KEY_LINES, {"batch_id": batch.id, "center_id": batch.center_id})


def _settle_matched_or_made(batch_id: int) -> None:
    db.session.execute(_SETTLE, {"batch_id": batch_id})


def apply_chunk(
    batch: ImportBatch, actor: Principal, settings: PointsSettings, now: datetime
) -> Counter[str]:
    """Apply the next chunk of pending rows; returns how many of them came to each outcome
    (empty: none left)."""
    limit = staging.CHUNK_ROWS if batch.kind == "attendance" else ACCOUNTS_AT_ONCE
    rows = db.session.execute(_PENDING, {"batch_id": batch.id, "limit": limit}).all()
    if not rows:
        return Counter()
    if batch.kind == "attendance":
        made = attendance.record_past(
            [(row.event_id, row.resident_id) for row in rows], batch.staff_id, now
        )
        by_pair = {(event_id, resident_id): made_id for made_id, event_id, resident_id in made}
        return _record(
            batch.id,
            [(row.row, by_pair.get((row.event_id, row.resident_id)), "skipped") for row in rows],
        )
    return _carry_over(batch, rows, actor, settings.expires_at(now))


def _carry_over(
    batch: ImportBatch, rows: list[Any], actor: Principal, expires_at: datetime | None
) -> Counter[str]:
    done: list[tuple[int, int | None, str]] = []
    closed: list[Problem] = []
    keys = _standing_keys([row.source_key for row in rows])
    for row in rows:
        try:
            movement = carry_over(
                row.resident_id,
                row.points,
                row.note,
                actor,
                key=keys[row.source_key],
                center_id=batch.center_id,
                expires_at=expires_at,
            )
        except TokenRevoked:
            closed.append(Problem(row.row, None, "resident_closed"))
            done.append((row.row, None, "invalid"))
            continue
        done.append((row.row, None if movement.duplicate else movement.transaction_id, "skipped"))
    if closed:
        staging.record_problems(batch.id, closed)
    return _record(batch.id, done)
