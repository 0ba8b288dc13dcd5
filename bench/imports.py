"""Import benchmark: attendance rows from paper through the real service on PostgreSQL.

    .venv/bin/python -m bench.imports [--db hp_bench_import] [--rows 100000] [--format csv]

Recreates the database (its name must start with ``hp_bench``), migrates it, and writes a
sheet of ``--rows`` attendance lines: two years of lectures at one center, ``--people``
residents coming by turns (each lecture a few hundred of them). A child process (so its peak
RSS is the import's) makes the center and its manager, sends the sheet to
``POST /api/v1/imports`` as the console would, and polls ``GET /api/v1/imports/{id}`` until
the batch is done, on the app's own background runner; then imports the same sheet again
(every row skipped). ``flask points verify`` runs last. Figures go to stdout and to the
"Imports" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import load

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["日期", "活动名称", "活动类型", "姓名", "手机号"]


def write_sheet(path: Path, rows: int, people: int, per_lecture: int, form: str) -> int:
    """Attendance lines, streamed to ``path``; returns how many lectures they name."""
    lectures = -(-rows // per_lecture)
    first = date.today() - timedelta(days=730)
    step = max(1, 720 // lectures)

    def lines() -> Any:
        yield HEADER
        for n in range(rows):
            lecture, seat = divmod(n, per_lecture)
            person = (lecture * 37 + seat) % people
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
            csv.writer(out).writerows(lines())
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for line in lines():
            sheet.append(line)
        workbook.save(path)
    return lectures


def measure(db: str, sheet: Path) -> dict[str, Any]:
    """In the child: import the sheet twice through the API; times, counts and peak RSS."""
    from app import create_app
    from core.db import db as database
    from identity import service as identity
    from identity import sessions, staff_accounts

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": load.url(db).replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "APP_ENV": "development",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        center = identity.create_center("基准中心")
        staff = staff_accounts.create_staff(
            "bench-manager", "bench-password-2026", "manager", center.id
        )
        token = sessions.start(staff)["access_token"]
        database.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    runs = []
    for attempt in ("dry run", "first", "again"):
        started = time.perf_counter()
        dry_run = "true" if attempt == "dry run" else "false"
        with sheet.open("rb") as content:
            response = client.post(
                "/api/v1/imports",
                headers=headers,
                data={"kind": "attendance", "dry_run": dry_run, "file": (content, sheet.name)},
                content_type="multipart/form-data",
            )
        answered = time.perf_counter() - started
        assert response.status_code == 201, response.json
        batch = response.json
        while batch["status"] == "running":
            time.sleep(0.2)
            batch = client.get(f"/api/v1/imports/{batch['id']}", headers=headers).json
        runs.append(
            {
                "attempt": attempt,
                "answered_s": round(answered, 2),
                "done_s": round(time.perf_counter() - started, 2),
                **{
                    key: batch[key]
                    for key in (
                        "status",
                        "rows",
                        "created",
                        "skipped",
                        "invalid",
                        "residents_created",
                        "events_created",
                        "failure",
                    )
                },
            }
        )
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    return {"runs": runs, "peak_rss_mb": round(peak / 1024, 1)}


def section(args: argparse.Namespace, lectures: int, size: int, result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"## Imports ({args.rows:,} attendance rows, .{args.format})",
            "",
            f"Measured {date.today()} by `python -m bench.imports --rows {args.rows} "
            f"--format {args.format}`: one center, {lectures:,} lectures over two years, "
            f"{args.people:,} residents, a {size / 1e6:.1f} MB file, through "
            "`POST /api/v1/imports` and the app's background runner, on PostgreSQL.",
            "",
            "| run | answered (s) | done (s) | created | skipped | residents made | events made |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *(
                f"| {run['attempt']} | {run['answered_s']} | {run['done_s']} | "
                f"{run['created']:,} | {run['skipped']:,} | {run['residents_created']:,} | "
                f"{run['events_created']:,} |"
                for run in result["runs"]
            ),
            "",
            f"Peak RSS of the process (upload, parse, apply; all three runs): "
            f"{result['peak_rss_mb']} MB. `flask points verify`: passed. Target: ≤ 60 s.",
            "",
        ]
    )


def write_results(path: Path, text: str) -> None:
    """Replace the Imports section of the results (or add it at the end)."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    kept = re.sub(r"\n## Imports .*?(?=\n## |\Z)", "", current, flags=re.S)
    path.write_text(kept.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="hp_bench_import")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--per-lecture", type=int, default=250)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db, args.measure)))
        return
    load.recreate_database(args.db)
    load.flask(args.db, "db", "upgrade")
    with tempfile.TemporaryDirectory() as work:
        sheet = Path(work) / f"签到.{args.format}"
        lectures = write_sheet(sheet, args.rows, args.people, args.per_lecture, args.format)
        child = subprocess.run(
            [sys.executable, "-m", "bench.imports", "--db", args.db, "--measure", str(sheet)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        size = sheet.stat().st_size
    load.flask(args.db, "points", "verify")
    text = section(args, lectures, size, result)
    print(text)
    write_results(args.results, text)


if __name__ == "__main__":
    main()
