"""Import benchmark: attendance rows from paper through the real service on PostgreSQL.

    .venv/bin/python -m bench.imports [--db hp_bench_import] [--rows 100000] [--format csv]

Recreates the database (its name must be ``hp_*bench*``), migrates it, and writes a sheet
of ``--rows`` attendance lines: two years of lectures at one center, ``--people`` residents
coming by turns (each lecture a few hundred of them). A child process (so its peak RSS is
the import's) makes the center and its manager, sends the sheet to ``POST /api/v1/imports``
as the console would, and polls ``GET /api/v1/imports/{id}`` until the batch is done, on
the app's own background runner: a dry run, the real run, then the same sheet again (every
row skipped). The runs are checked (every row made once, nothing made again, by the
batches' counts and by what the database holds) and ``flask points verify`` runs last.
Figures go to stdout and to the "Imports" section of ``bench/RESULTS.md`` (one per format).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["日期", "活动名称", "活动类型", "姓名", "手机号"]
#: The issue's target: 100,000 rows in 60 s, the first run and the same file again.
TARGET_ROWS, TARGET_S = 100_000, 60
#: What each run's batch answers with, kept for the report.
FIGURES = (
    "status",
    "rows",
    "created",
    "skipped",
    "invalid",
    "residents_created",
    "events_created",
    "failure",
)


def write_sheet(
    path: Path, lines: range, rows: int, people: int, per_lecture: int, form: str
) -> int:
    """Lines ``lines`` of a center's sign-in sheets, of which the first file holds ``rows``:
    the lines past it are later lectures, where a fifth more people come (new residents
    among them). Streamed to ``path``; returns how many lectures they name."""
    lectures = -(-rows // per_lecture)
    first = date.today() - timedelta(days=730)
    step = max(1, 720 // lectures)

    def cells() -> Any:
        yield HEADER
        for n in lines:
            lecture, seat = divmod(n, per_lecture)
            person = (lecture * 37 + seat) % (people if n < rows else people * 6 // 5)
            day = first + timedelta(days=(lecture * step) % 725)
            yield [
                day.isoformat(),
                f"健康讲座第{lecture + 1}期",
                "讲座",
                f"居民{person}",
                f"13{person:09d}",
            ]

    if form == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(cells())
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for line in cells():
            sheet.append(line)
        workbook.save(path)
    return len(range(lines.start // per_lecture, (lines.stop - 1) // per_lecture + 1))


def measure(db: str, sheet: Path, overlapping: Path) -> dict[str, Any]:
    """In the child: import the sheet through the API (a dry run, the real run, the same
    file again), then the overlapping one; times, counts, progress seen, what the database
    holds, and peak RSS."""
    from sqlalchemy import func, select

    from app import create_app
    from core.db import db as database
    from events.models import Checkin, Event
    from identity import service as identity
    from identity import sessions, staff_accounts
    from identity.models import Resident

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": load.url(db).replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "APP_ENV": "development",
            "RATELIMIT_ENABLED": False,
        }
    )
    # A line per progress poll would drown the figures; problems still show.
    logging.getLogger("health_points.request").setLevel(logging.WARNING)
    with app.app_context():
        center = identity.create_center("基准中心")
        staff = staff_accounts.create_staff(
            "bench-manager", "bench-password-2026", "manager", center.id
        )
        token = sessions.start(staff)["access_token"]
        database.session.commit()

    def held() -> dict[str, int]:
        with app.app_context():
            return {
                model.__tablename__: database.session.scalar(
                    select(func.count()).select_from(model)
                )
                for model in (Checkin, Event, Resident)
            }

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    runs = []
    attempts = (
        ("dry run", sheet),
        ("first", sheet),
        ("again", sheet),
        ("overlapping", overlapping),
    )
    for attempt, path in attempts:
        started = time.perf_counter()
        dry_run = "true" if attempt == "dry run" else "false"
        with path.open("rb") as content:
            response = client.post(
                "/api/v1/imports",
                headers=headers,
                data={"kind": "attendance", "dry_run": dry_run, "file": (content, path.name)},
                content_type="multipart/form-data",
            )
        answered = time.perf_counter() - started
        assert response.status_code == 201, response.json
        batch = response.json
        progress, slowest_read = set(), 0.0
        while batch["status"] == "running":
            progress.add(batch["processed"])
            time.sleep(0.2)
            read_at = time.perf_counter()
            batch = client.get(f"/api/v1/imports/{batch['id']}", headers=headers).json
            slowest_read = max(slowest_read, time.perf_counter() - read_at)
        runs.append(
            {
                "attempt": attempt,
                "answered_s": round(answered, 2),
                "done_s": round(time.perf_counter() - started, 2),
                "progress_seen": len(progress - {0, batch["rows"]}),
                "slowest_read_ms": round(slowest_read * 1000, 1),
                "held": held(),
                **{key: batch[key] for key in FIGURES},
            }
        )
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    return {"runs": runs, "peak_rss_mb": round(peak / 1024, 1)}


def check(rows: int, runs: list[dict[str, Any]]) -> None:
    """The figures are of imports that did what they should: every row made once, the same
    file again made nothing, and the overlapping file only its later half (by the batches'
    counts and by what the database holds)."""
    dry, first, again, overlapping = runs
    assert (dry["status"], dry["created"], dry["invalid"]) == ("checked", rows, 0), dry
    assert (first["status"], first["created"], first["invalid"]) == ("done", rows, 0), first
    assert first["held"]["checkins"] == rows, first
    assert (first["residents_created"], first["events_created"]) == (
        dry["residents_created"],
        dry["events_created"],
    ), (dry, first)
    assert (again["status"], again["created"], again["skipped"]) == ("done", 0, rows), again
    assert (again["residents_created"], again["events_created"]) == (0, 0), again
    assert again["held"] == first["held"], (first["held"], again["held"])
    new = overlapping["rows"] - rows // 2
    assert (overlapping["status"], overlapping["created"], overlapping["skipped"]) == (
        "done",
        new,
        rows // 2,
    ), overlapping
    assert overlapping["held"]["checkins"] == rows + new, overlapping
    assert overlapping["held"]["residents"] == (
        first["held"]["residents"] + overlapping["residents_created"]
    ), overlapping


def section(args: argparse.Namespace, sizes: dict[str, Any], result: dict[str, Any]) -> str:
    runs = {run["attempt"]: run for run in result["runs"]}
    worst = max(runs["first"]["done_s"], runs["again"]["done_s"])
    if args.rows < TARGET_ROWS:
        verdict = "not judged at this size"
    else:
        verdict = "**met**" if worst <= TARGET_S else "**missed**"
    held = runs["again"]["held"]
    return "\n".join(
        [
            f"## Imports ({args.rows:,} attendance rows, .{args.format})",
            "",
            f"- Run: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, `python -m bench.imports "
            f"--rows {args.rows} --people {args.people} --format {args.format}`",
            f"- Machine: {sizes['machine']}; load average {result['load']} as it started (the "
            "machine is shared)",
            f"- File: one center, {sizes['lectures']:,} lectures over two years, "
            f"{args.people:,} people coming by turns, {sizes['bytes'] / 1e6:.1f} MB. The "
            "overlapping file: its later half, then as many lines again of later lectures "
            "where a fifth more people come.",
            "- Sent to `POST /api/v1/imports` in-process, applied by the app's background "
            "runner, `GET /api/v1/imports/{id}` polled every 0.2 s.",
            "",
            "| run | rows | answered (s) | done (s) | rows/s | created | skipped "
            "| residents made | events made | progress readings | slowest read (ms) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *(
                f"| {run['attempt']} | {run['rows']:,} | {run['answered_s']} | "
                f"{run['done_s']} | {run['rows'] / run['done_s']:,.0f} | {run['created']:,} | "
                f"{run['skipped']:,} | {run['residents_created']:,} | "
                f"{run['events_created']:,} | {run['progress_seen']} | "
                f"{run['slowest_read_ms']} |"
                for run in result["runs"]
            ),
            "",
            f"- Target (issue #16): {TARGET_ROWS:,} rows in ≤ {TARGET_S} s, the first run "
            f"and again: {verdict}.",
            "- *answered*: the request read, checked, staged (`COPY`) and matched the rows; "
            "*done*: the runner has applied them too, 5,000 to a transaction. *progress "
            "readings*: polls that found the batch part-way.",
            f"- The same file again made nothing: {held['checkins']:,} check-ins, "
            f"{held['events']:,} events and {held['residents']:,} residents after it, as "
            "after the first run. `flask points verify` passed after all four.",
            f"- Peak RSS of the process (VmHWM; upload, parse, apply; all four runs): "
            f"{result['peak_rss_mb']} MB.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="hp_bench_import")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=15_000)
    parser.add_argument("--per-lecture", type=int, default=250)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--measure", type=Path, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db, *args.measure)))
        return
    load.recreate_database(args.db)
    load.flask(args.db, "db", "upgrade")
    with tempfile.TemporaryDirectory() as work:
        sheet, overlapping = (Path(work) / f"{name}.{args.format}" for name in ("签到", "续"))
        sizes = {
            "lectures": write_sheet(sheet, range(args.rows), *sheet_args(args)),
            "bytes": sheet.stat().st_size,
            "machine": report.machine(load.url(args.db)),
        }
        later = range(args.rows // 2, args.rows + args.rows // 2)
        write_sheet(overlapping, later, *sheet_args(args))
        started_load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        child = subprocess.run(
            [
                *(sys.executable, "-m", "bench.imports", "--db", args.db),
                *("--measure", str(sheet), str(overlapping)),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1]) | {"load": started_load}
    check(args.rows, result["runs"])
    load.flask(args.db, "points", "verify")
    text = section(args, sizes, result)
    print(text)
    report.save(args.results, f"imports={args.format}", text)


def sheet_args(args: argparse.Namespace) -> tuple[int, int, int, str]:
    return args.rows, args.people, args.per_lecture, args.format


if __name__ == "__main__":
    main()
