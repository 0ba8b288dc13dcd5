"""Load a synthetic district into a fresh PostgreSQL database, fast enough for full scale.

    .venv/bin/python -m bench.load --db hp_bench_small --scale 0.01

The schema comes from the migrations (``flask db upgrade``), never from ``create_all``.
Bulk loading into 40M-row tables with their indexes in place would take hours, so the
loader notes every primary key, unique key, foreign key and index the migrations made,
drops them, streams all tables at once through ``COPY ... FREEZE`` (one connection per
table, each TRUNCATEd in the same transaction so the rows arrive frozen and the first read
does not rewrite 30 GB of hint bits), then rebuilds them from their own definitions and
checks the schema came back identical. Check constraints stay in place during the load, so
every row is checked; foreign keys are validated when they are re-added.

Metadata about the load (scale, row counts, timings, size) is kept as the database's
comment, so ``bench/run.py --reuse`` can report it later.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
from argon2 import PasswordHasher

from bench.district import District

ROOT = Path(__file__).resolve().parent.parent

SERVER = "postgresql://postgres@127.0.0.1:5432"
#: Units of every gift left on every center's shelf: enough for the redemption benchmark.
SPARE_STOCK = 100_000
#: Staff accounts' password (all share one hash; the benchmark mints tokens instead).
STAFF_PASSWORD = "bench-pass-2026"
_FLUSH_ROWS = 2000

#: Every table the district fills, with its columns in the order rows are written.
COLUMNS = {
    "centers": "id name address created_at",
    "staff": "id username password_hash display_name role center_id active created_at",
    "residents": "id openid unionid name phone center_id registered_by_id created_at member_secret",
    "catalog_items": "id name description points_cost image_path active limit_quantity "
    "limit_period created_at updated_at",
    "events": "id center_id title kind location starts_at ends_at checkin_opens_at "
    "checkin_closes_at points capacity seats_taken cancelled_at created_by_id created_at",
    "checkins": "id event_id resident_id method staff_id created_at annulled_at annulled_by_id "
    "annul_reason",
    "scan_attempts": "id at event_id resident_id outcome method staff_id client_ip user_agent",
    "followups": "id resident_id center_id condition due_on done_at checkin_id created_by_id "
    "created_at",
    "consents": "id resident_id purpose version granted_at withdrawn_at",
    "resident_conditions": "resident_id condition consent_id recorded_by_id recorded_at",
    "ledger_transactions": "id resident_id kind amount reason source_type source_id center_id "
    "actor_kind actor_id reverses_id created_at",
    "ledger_entries": "id transaction_id resident_id seq delta balance_after prev_hash hash "
    "created_at",
    "points_lots": "id resident_id transaction_id amount remaining expires_at",
    "lot_allocations": "id lot_id transaction_id amount",
    "points_accounts": "resident_id balance reserved version chain_head updated_at",
    "earning_counters": "resident_id activity period points",
    "redemptions": "id resident_id item_id center_id quantity points_spent status staff_id "
    "transaction_id created_at expires_at pickup_code_hash fulfilled_at cancelled_at "
    "cancelled_by_id cancel_reason",
    "stock_movements": "id item_id center_id kind on_hand_delta reserved_delta note staff_id "
    "redemption_id created_at",
    "stock_levels": "item_id center_id on_hand reserved low_threshold",
}


def url(db: str) -> str:
    return f"{SERVER}/{db}"


def recreate_database(db: str) -> None:
    if not re.fullmatch(r"hp_\w*bench\w*", db):
        raise SystemExit(f"refusing to drop {db!r}: benchmark databases are named hp_*bench*")
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')


def flask(db: str, *command: str) -> None:
    """``flask --app app COMMAND`` on the bench database."""
    env = {**os.environ, "DATABASE_URL": url(db)}
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "app", *command], cwd=ROOT, env=env, check=True
    )


def schema_objects(conn: psycopg.Connection) -> dict[str, list[tuple[str, str, str]]]:
    """Keys and indexes of the app's tables as ``(table, name, definition)``, by kind.

    All tables, not just the loaded ones: the empty ones' foreign keys point at loaded tables.
    """
    keys = conn.execute(
        """SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace
             AND conrelid::regclass::text <> 'alembic_version'
             AND contype IN ('p', 'u', 'f') ORDER BY 1, 2"""
    ).fetchall()
    indexes = conn.execute(
        """SELECT c.relname, i.relname, pg_get_indexdef(i.oid)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class c ON c.oid = x.indrelid
           WHERE c.relnamespace = 'public'::regnamespace AND NOT EXISTS (
               SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid
                 AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u'))
             AND c.relname <> 'alembic_version'
           ORDER BY 1, 2"""
    ).fetchall()
    return {
        "keys": [(t, n, d) for t, n, kind, d in keys if kind != "f"],
        "foreign": [(t, n, d) for t, n, kind, d in keys if kind == "f"],
        "indexes": list(indexes),
    }


def drop(conn: psycopg.Connection, objects: dict[str, list[tuple[str, str, str]]]) -> None:
    for table, name, _ in objects["foreign"] + objects["keys"]:
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for _, name, _ in objects["indexes"]:
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()


def rebuild(db: str, objects: dict[str, list[tuple[str, str, str]]]) -> None:
    """Keys, then indexes, then foreign keys (added unvalidated, validated in parallel)."""

    def run(statement: str) -> None:
        with psycopg.connect(url(db), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute(statement)

    keys = [f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for t, n, d in objects["keys"]]
    indexes = [d for _, _, d in objects["indexes"]]
    with ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        for step in (keys, indexes):
            # Biggest first, so the long builds start early and overlap the short ones.
            list(pool.map(run, sorted(step, key=_size_rank)))
        with psycopg.connect(url(db), autocommit=True) as conn:
            for table, name, definition in objects["foreign"]:
                conn.execute(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID'
                )
        validate = [
            f'ALTER TABLE "{t}" VALIDATE CONSTRAINT "{n}"' for t, n, _ in objects["foreign"]
        ]
        list(pool.map(run, sorted(validate, key=_size_rank)))


def _size_rank(statement: str) -> int:
    for rank, table in enumerate(("ledger_entries", "ledger_transactions", "earning_counters")):
        if f'"{table}"' in statement or f" {table} " in statement:
            return rank
    return 9


class Copier:
    """One ``COPY ... FROM STDIN (FREEZE)`` per table, all streaming at once."""

    def __init__(self, db: str) -> None:
        self.db, self.stack = db, ExitStack()
        self.copies: dict[str, Any] = {}
        self.buffers: dict[str, list[str]] = {table: [] for table in COLUMNS}
        self.rows: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    def __enter__(self) -> Copier:
        for table, columns in COLUMNS.items():
            conn = self.stack.enter_context(psycopg.connect(url(self.db)))
            cursor = conn.cursor()
            # No triggers: the follow-ups' change log would read tables other streams hold
            # truncated (and wait on them forever); the first refresh rolls everything up.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(f'TRUNCATE "{table}"')
            column_list = ", ".join(columns.split())
            self.copies[table] = self.stack.enter_context(
                cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN (FREEZE)')
            )
        return self

    def put(self, table: str, *values: Any) -> None:
        buffer = self.buffers[table]
        buffer.append("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
        if len(buffer) >= _FLUSH_ROWS:
            self.flush(table)

    def flush(self, table: str) -> None:
        self.copies[table].write("".join(self.buffers[table]))
        self.rows[table] += len(self.buffers[table])
        self.buffers[table].clear()

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            for table in COLUMNS:
                self.flush(table)
        # Each copy ends, then its connection commits (or, after an error, rolls back).
        self.stack.__exit__(*exc)


def reset_sequences(conn: psycopg.Connection) -> None:
    for table, columns in COLUMNS.items():
        if columns.split()[0] == "id":
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'GREATEST((SELECT max(id) FROM "{table}"), 1))'
            )
    conn.commit()


def load(db: str, scale: float, seed: int) -> dict[str, Any]:
    started = time.monotonic()
    timings: dict[str, float] = {}
    recreate_database(db)
    flask(db, "db", "upgrade")
    with psycopg.connect(url(db)) as conn:
        objects = schema_objects(conn)
        drop(conn, objects)
    timings["schema"] = time.monotonic() - started
    end = int(time.time()) // 60 * 60
    password_hash = PasswordHasher().hash(STAFF_PASSWORD)
    with Copier(db) as copier:
        district = District(scale, end, seed, copier.put, password_hash)
        for resident_id in range(1, district.residents + 1):
            district.resident(resident_id)
            if resident_id % 50_000 == 0:
                print(f"  {resident_id:,} residents, {time.monotonic() - started:.0f}s", flush=True)
        district.desk.stock_rows(district.centers, SPARE_STOCK)
    timings["copy"] = time.monotonic() - started - sum(timings.values())
    rebuild(db, objects)
    with psycopg.connect(url(db)) as conn:
        if schema_objects(conn) != objects:
            raise SystemExit("the rebuilt keys and indexes differ from the migrations' schema")
        reset_sequences(conn)
    timings["keys_and_indexes"] = time.monotonic() - started - sum(timings.values())
    with psycopg.connect(url(db), autocommit=True) as conn:
        conn.execute("ANALYZE")
        timings["analyze"] = time.monotonic() - started - sum(timings.values())
        # A live district's rollups are kept current by cron: build them as it would have.
        flask(db, "stats", "refresh")
        timings["stats_refresh"] = time.monotonic() - started - sum(timings.values())
        # The rollups were empty at the first ANALYZE: a planner that thinks them tiny scans
        # every rolled-up row for an event ranking (0.3-0.5 s instead of 30-80 ms). VACUUM
        # as a live district's autovacuum would have (servers here may run without it): its
        # pages marked all-visible, an index-only scan does not visit the table.
        conn.execute("VACUUM (ANALYZE)")
        timings["vacuum"] = time.monotonic() - started - sum(timings.values())
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        meta = {
            "scale": scale,
            "seed": seed,
            "end": end,
            "rows": copier.rows,
            "seconds": {k: round(v, 1) for k, v in timings.items()},
            "total_seconds": round(time.monotonic() - started, 1),
            "bytes": size,
        }
        conn.execute(f"COMMENT ON DATABASE \"{db}\" IS '{json.dumps(meta)}'")
    return meta


def load_metadata(db: str) -> dict[str, Any]:
    """What ``load`` recorded about the database (for ``run.py --reuse``)."""
    with psycopg.connect(url(db)) as conn:
        comment = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).fetchone()[0]
    if not comment:
        raise SystemExit(f"{db} was not made by bench/load.py; run without --reuse")
    return json.loads(comment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="hp_bench_small")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    meta = load(args.db, args.scale, args.seed)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
