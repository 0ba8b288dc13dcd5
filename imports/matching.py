"""Whom a batch's rows name: the center's residents found by phone (then name), and the
ones to register.

Only the batch's center's residents are matched: a center sees its own residents, and an
import is no way to learn whether a number is known elsewhere, nor to credit points or
attendance to another center's resident (a district manager imports into one center too).
A row with a phone names the center's resident holding that number under the row's name;
where several do (numbers typed at a desk may repeat), the one WeChat verified it for. A
number held only under other names is a problem of the row (``name_mismatch``): a typo in
a number would otherwise give one person's points to another. A row without a phone names
the center's resident of that name. Several of them, with nothing to tell them apart, is a
problem of the row (``ambiguous_resident``): guessing would give one person's history to
another. Nobody is a new resident, registered at the center the way the desk registers
one: name and number only, the number unverified, no condition and no consent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from core.db import db

#: Matched person by person, not row by row: 100,000 rows of a sign-in sheet name some
#: 15,000 people, each joined to the residents once and given to all their rows at once
#: (row by row, a plan misjudging the residents took minutes). A person is whom the row
#: names with the name it gives (two names on one number may be two desk records). The rows
#: of a person nobody can be told apart for are refused, with their problem, in the same
#: statement: no list of rows passes through Python. A number the file gives first under
#: one name is that name's: later rows giving it under another are ``name_mismatch`` too
#: (one resident would be registered for it, and credited for both).
_MATCH = text("""
    WITH person AS MATERIALIZED (
        SELECT DISTINCT who, name, phone FROM import_rows
        WHERE batch_id = :batch_id AND outcome IS NULL AND resident_id IS NULL
          AND who IS NOT NULL
    ), first_named AS MATERIALIZED (
        SELECT DISTINCT ON (who) who, name FROM import_rows
        WHERE batch_id = :batch_id AND outcome IS NULL
          AND who IN (SELECT who FROM person WHERE phone IS NOT NULL
                      GROUP BY who HAVING count(*) > 1)
        ORDER BY who, row
    ), candidate AS (
        SELECT p.who, p.name, res.id, res.phone_verified_at IS NOT NULL AS verified,
               res.name IS NOT DISTINCT FROM p.name AS same_name, false AS by_name
        FROM person p
        JOIN residents res ON res.phone = p.phone AND res.center_id = :center_id
                          AND res.closed_at IS NULL
        WHERE p.phone IS NOT NULL
        UNION ALL
        SELECT p.who, p.name, res.id, false, true, true
        FROM person p
        JOIN residents res ON res.name = p.name AND res.center_id = :center_id
                          AND res.closed_at IS NULL
        WHERE p.phone IS NULL
        UNION ALL
        SELECT p.who, p.name, NULL, false, false, false
        FROM person p
        JOIN first_named f ON f.who = p.who AND f.name <> p.name
    ), resolved AS MATERIALIZED (
        SELECT who, name, bool_and(by_name) AS by_name,
               count(*) FILTER (WHERE same_name) AS matches,
               CASE WHEN count(*) FILTER (WHERE same_name) = 1
                        THEN min(id) FILTER (WHERE same_name)
                    WHEN count(*) FILTER (WHERE same_name AND verified) = 1
                        THEN min(id) FILTER (WHERE same_name AND verified)
               END AS id
        FROM candidate
        GROUP BY who, name
    ), matched AS (
        UPDATE import_rows SET resident_id = resolved.id
        FROM resolved
        WHERE import_rows.batch_id = :batch_id AND import_rows.outcome IS NULL
          AND import_rows.resident_id IS NULL
          AND import_rows.who = resolved.who AND import_rows.name = resolved.name
          AND resolved.id IS NOT NULL
    ), refused AS (
        UPDATE import_rows SET outcome = 'invalid'
        FROM resolved
        WHERE import_rows.batch_id = :batch_id AND import_rows.outcome IS NULL
          AND import_rows.resident_id IS NULL
          AND import_rows.who = resolved.who AND import_rows.name = resolved.name
          AND resolved.id IS NULL
        RETURNING import_rows.row, resolved.by_name, resolved.matches
    ), noted AS (
        INSERT INTO import_problems (batch_id, row, "column", code, count)
        SELECT :batch_id, row,
               CASE WHEN by_name OR matches = 0 THEN '姓名' ELSE '手机号' END,
               CASE WHEN matches = 0 THEN 'name_mismatch' ELSE 'ambiguous_resident' END,
               nullif(matches, 0)
        FROM refused
        RETURNING 1
    )
    SELECT count(*) FROM noted
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
    ), named AS (
        UPDATE import_rows SET resident_id = wanted.id, made_resident = true
        FROM wanted
        WHERE import_rows.batch_id = :batch_id AND import_rows.who = wanted.who
          AND import_rows.outcome IS NULL AND import_rows.resident_id IS NULL
    )
    SELECT count(*) FROM wanted
""")
#: How many residents the planner last counted (-1: never analyzed).
_RESIDENTS_PLANNED = text("""
    SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = CAST('residents' AS regclass)
""")
_PLAN_FOR_RESIDENTS = text("ANALYZE residents")
_NEWCOMERS = text("""
    SELECT count(DISTINCT who) FROM import_rows
    WHERE batch_id = :batch_id AND outcome IS NULL AND resident_id IS NULL
""")


def match(batch_id: int, center_id: int) -> int:
    """Give each row still unmatched the resident it names, if one does; a row naming
    several is ``invalid`` with its problem. Returns how many rows that refused."""
    params = {"batch_id": batch_id, "center_id": center_id}
    return int(db.session.scalar(_MATCH, params) or 0)


def newcomers(batch_id: int) -> int:
    """How many residents the batch would register: the people its rows name and no
    resident is."""
    return int(db.session.scalar(_NEWCOMERS, {"batch_id": batch_id}) or 0)


def register(batch_id: int, center_id: int, staff_id: int, now: datetime) -> int:
    """Register the residents the rows name and nobody is (see the module); returns how
    many it registered."""
    params = {"batch_id": batch_id, "center_id": center_id, "staff_id": staff_id, "now": now}
    registered = int(db.session.scalar(_REGISTER, params) or 0)
    if registered > 50 + 0.1 * float(db.session.scalar(_RESIDENTS_PLANNED) or 0):
        # What autovacuum would do in a minute or so, done now: the same file imported
        # again at once was planned for the few residents there had been, and its
        # matching, a nested loop over the rows per resident, ran for minutes.
        db.session.execute(_PLAN_FOR_RESIDENTS)
    return registered
