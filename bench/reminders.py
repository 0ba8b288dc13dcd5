"""Reminder benchmark: 10,000 follow-ups due in three days, each resident with WeChat and a
grant, planned and sent to a local fake WeChat by ``run_reminders``.

    .venv/bin/python -m bench.reminders [--db hp_bench_reminders] [--residents 10000]

Recreates the database (its name must be ``hp_*bench*``), migrates it and loads the
residents, their follow-ups and grants with plain SQL. A fake WeChat (a threaded HTTP server
on loopback, in a process of its own) answers ``stable_token`` and every send with ok after
``--latency`` ms. A child process runs the job as the scheduler would, at 10:00 in the
district, with ``REMINDER_SENDERS`` threads; the run is checked (every reminder sent once,
one message each at the fake, every grant spent). Figures go to stdout and to the
"Reminders" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
#: The issue's target: 10,000 due reminders sent in at most 60 s.
TARGET_REMINDERS, TARGET_S = 10_000, 60


class FakeWeChat(BaseHTTPRequestHandler):
    """``stable_token`` and ``message/subscribe/send``, ok after ``latency`` seconds;
    ``GET /count`` tells how many messages came."""

    protocol_version = "HTTP/1.1"  # keep-alive: the senders reuse their connections
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK (40 ms a call), which measures the fake, not the senders.
    disable_nagle_algorithm = True
    latency = 0.0
    messages = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.latency)
        if self.path.startswith("/cgi-bin/stable_token"):
            self._json({"access_token": "bench-token", "expires_in": 7200})
            return
        with FakeWeChat.lock:
            FakeWeChat.messages += 1
        self._json({"errcode": 0, "errmsg": "ok", "msgid": FakeWeChat.messages})

    def do_GET(self) -> None:
        self._json({"messages": FakeWeChat.messages})

    def _json(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def serve(port: int, latency_ms: float) -> None:
    FakeWeChat.latency = latency_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", port), FakeWeChat)
    server.daemon_threads = True
    server.serve_forever()


def load_district(db: str, residents: int, due_on: str) -> None:
    with psycopg.connect(load.url(db)) as conn:
        conn.execute("INSERT INTO centers (id, name, created_at) VALUES (1, '基准中心', now())")
        conn.execute(
            "INSERT INTO staff (id, username, password_hash, role, center_id, active,"
            " token_version, created_at) VALUES (1, 'bench-desk', '-', 'staff', 1, true, 0, now())"
        )
        conn.execute(
            "INSERT INTO residents (id, openid, name, center_id, member_secret, created_at)"
            " SELECT n, 'o-bench-' || n, '居民' || n, 1, md5(n::text), now()"
            " FROM generate_series(1, %s) n",
            (residents,),
        )
        conn.execute(
            "INSERT INTO followups (resident_id, center_id, condition, due_on, created_by_id,"
            " created_at) SELECT n, 1, 'hypertension', %s, 1, now()"
            " FROM generate_series(1, %s) n",
            (due_on, residents),
        )
        conn.execute(
            "INSERT INTO reminder_subscriptions (resident_id, template, remaining, updated_at)"
            " SELECT n, 'followup_due', 1, now() FROM generate_series(1, %s) n",
            (residents,),
        )
        conn.execute("SELECT setval('residents_id_seq', %s)", (residents,))
        conn.execute("ANALYZE")


#: The child: the job, timed by phase, on the bench database.
CHILD = """
import json, sys, time
from datetime import datetime
from zoneinfo import ZoneInfo
from app import create_app
from core.db import db
from reminders.planning import plan_reminders
from reminders.settling import settle_stale
from reminders.sender import send_due
from reminders.settings import ReminderSettings
now = datetime.fromisoformat(sys.argv[1])
app = create_app()
with app.app_context():
    settings = ReminderSettings.from_config(app.config)
    started = time.perf_counter()
    planned = plan_reminders(now, settings)
    settle_stale(now, settings)
    db.session.commit()
    planned_s = time.perf_counter() - started
    outcomes = send_due(now, settings)
    sent_s = time.perf_counter() - started - planned_s
print(json.dumps({"planned": planned, "outcomes": outcomes, "plan_s": planned_s,
                  "send_s": sent_s}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="hp_bench_reminders")
    parser.add_argument("--residents", type=int, default=TARGET_REMINDERS)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--latency", type=float, default=5.0, help="the fake's ms per call")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, default=ROOT / "bench/RESULTS.md")
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.latency)
        return

    from datetime import date, datetime, timedelta
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    now = datetime.combine(date.today(), clock(10), ZoneInfo("Asia/Shanghai"))
    load.recreate_database(args.db)
    load.flask(args.db, "db", "upgrade")
    load_district(args.db, args.residents, (now.date() + timedelta(days=3)).isoformat())
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.reminders",
            "--serve",
            "--port",
            str(args.port),
            "--latency",
            str(args.latency),
        ],
        cwd=ROOT,
    )
    try:
        time.sleep(1)  # the fake's socket is listening
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": load.url(args.db),
            "WECHAT_APPID": "wx-bench",
            "WECHAT_SECRET": "bench-secret",
            "WECHAT_API_BASE": f"http://127.0.0.1:{args.port}",
            "WECHAT_TEMPLATE_FOLLOWUP_DUE": "tpl-bench",
            "REMINDER_SENDERS": str(args.senders),
            "LOG_LEVEL": "WARNING",
        }
        child = subprocess.run(
            [sys.executable, "-c", CHILD, now.isoformat()],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        import httpx

        received = httpx.get(f"http://127.0.0.1:{args.port}/count").json()["messages"]
    finally:
        fake.terminate()
        fake.wait()
    with psycopg.connect(load.url(args.db)) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM reminders GROUP BY 1"))
        left = conn.execute("SELECT sum(remaining) FROM reminder_subscriptions").fetchone()[0]
    ok = statuses == {"sent": args.residents} and received == args.residents and left == 0
    rate = args.residents / figures["send_s"]
    text = (
        f"## Reminders ({args.residents:,} follow-ups due, {args.senders} senders)\n\n"
        f"Measured {date.today()} on {report.machine(load.url(args.db))}; the fake WeChat "
        f"answers each call after {args.latency:g} ms, in a process of its own.\n\n"
        f"| phase | seconds |\n| --- | --- |\n"
        f"| plan (`plan_reminders`, one statement a kind) | {figures['plan_s']:.2f} |\n"
        f"| send (`send_due`: claim, grant, WeChat, record) | {figures['send_s']:.2f} |\n\n"
        f"{rate:,.0f} messages a second; target {TARGET_REMINDERS:,} in ≤ {TARGET_S} s: "
        f"{'**met**' if figures['send_s'] + figures['plan_s'] <= TARGET_S else '**missed**'}. "
        f"Checked: {statuses}, {received:,} messages at the fake, grants left {left}: "
        f"{'ok' if ok else '**wrong**'}.\n\n"
    )
    print(text)
    report.save(args.results, "reminders", text)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
