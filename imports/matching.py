"""Whom a batch's rows name: residents found by phone (then name), and the ones to register.

A row with a phone names the resident holding that number, anywhere in the district (a
phone is a person); where several hold it (numbers typed at a desk may repeat), the one
WeChat verified it for, else the one of the same name. A row without a phone names the
center's resident of that name. Several of them, with nothing to tell them apart, is a
problem of the row (``ambiguous_resident``): guessing would give one person's history to
another. Nobody is a new resident, registered at the center the way the desk registers
one: name and number only, the number unverified, no condition and no consent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from core.db import db
from imports import staging
from imports.rows import Problem

_MATCH = text("""
    WITH candidate AS (
        SELECT r.row, res.id, res.phone_verified_at IS NOT NULL AS verified,
               res.name IS NOT DISTINCT FROM r.name AS same_name, false AS by_name
        FROM import_rows r
        JOIN residents res ON res.phone = r.phone AND res.closed_at IS NULL
        WHERE r.batch_id = :batch_id AND r.outcome IS NULL AND r.resident_id IS NULL
          AND r.phone IS NOT NULL
        UNION ALL
        SELECT r.row, res.id, false, true, true
        FROM import_rows r
        JOIN residents res ON res.name = r.name AND res.center_id = :center_id
                          AND res.closed_at IS NULL
        WHERE r.batch_id = :batch_id AND r.outcome IS NULL AND r.resident_id IS NULL
          AND r.phone IS NULL
    ), counted AS (
        SELECT row, id, verified, same_name, by_name,
               count(*) OVER same_row AS matches,
               count(*) FILTER (WHERE verified) OVER same_row AS verified_matches,
               count(*) FILTER (WHERE same_name) OVER same_row AS named_matches
        FROM candidate
        WINDOW same_row AS (PARTITION BY row)
    ), chosen AS (
        SELECT row, id FROM counted
        WHERE matches = 1 OR (verified_matches = 1 AND verified)
           OR (verified_matches = 0 AND named_matches = 1 AND same_name)
    ), matched AS (
        UPDATE import_rows SET resident_id = chosen.id
        FROM chosen
        WHERE import_rows.batch_id = :batch_id AND import_rows.row = chosen.row
    )
    SELECT row, bool_and(by_name), max(matches)
    FROM counted
    WHERE row NOT IN (SELECT row FROM chosen)
    GROUP BY row
""")
_REFUSE = text("""
    UPDATE import_rows SET outcome = 'invalid'
    WHERE batch_id = :batch_id AND row = ANY(CAST(:rows AS integer[]))
""")
#: One new resident per person the rows name and nobody is; every row naming them gets them.
_REGISTER = text("""
    WITH wanted AS MATERIALIZED (
        SELECT nextval('residents_id_seq') AS id, who, name, phone
        FROM (
            SELECT DISTINCT ON (who) row, who, name, phone
            FROM import_rows
            WHERE batch_id = :batch_id AND outcome IS NULL AND resident_id IS NULL
              AND who IS NOT NULL
            ORDER BY who, row
        ) AS first_rows
        ORDER BY row
    ), registered AS (
        INSERT INTO residents (id, name, phone, center_id, registered_by_id, member_secret,
                               created_at)
        SELECT id, name, phone, :center_id, :staff_id,
               replace(CAST(gen_random_uuid() AS text), '-', ''), :now
        FROM wanted
    )
    UPDATE import_rows SET resident_id = wanted.id, made_resident = true
    FROM wanted
    WHERE import_rows.batch_id = :batch_id AND import_rows.who = wanted.who
      AND import_rows.outcome IS NULL AND import_rows.resident_id IS NULL
""")
_NEWCOMERS = text("""
    SELECT count(DISTINCT who) FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL AND resident_id IS NULL
""")


def match(batch_id: int, center_id: int) -> int:
    """Give each row still unmatched the resident it names, if one does; a row naming
    several is ``invalid`` with its problem. Returns how many rows that refused."""
    params = {"batch_id": batch_id, "center_id": center_id}
    ambiguous = db.session.execute(_MATCH, params).all()
    if ambiguous:
        staging.record_problems(
            batch_id,
            (
                Problem(row, "姓名" if by_name else "手机号", "ambiguous_resident", matches)
                for row, by_name, matches in ambiguous
            ),
        )
        db.session.execute(_REFUSE, {**params, "rows": [row for row, _, _ in ambiguous]})
    return len(ambiguous)


def newcomers(batch_id: int) -> int:
    """How many residents the batch would register: the people its rows name and no
    resident is."""
    return int(db.session.scalar(_NEWCOMERS, {"batch_id": batch_id}) or 0)


def register(batch_id: int, center_id: int, staff_id: int, now: datetime) -> int:
    """Register the residents the rows name and nobody is (see the module); returns how
    many rows now name one."""
    params = {"batch_id": batch_id, "center_id": center_id, "staff_id": staff_id, "now": now}
    result = db.session.execute(_REGISTER, params)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
