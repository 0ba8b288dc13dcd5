"""Benchmark the app as production runs it: gunicorn on the bench database, driven by wrk.

    .venv/bin/python -m bench.run --db hp_bench_small --scale 0.01 [--reuse]

Loads a synthetic district (``bench/load.py``) unless ``--reuse``, starts gunicorn with a
production configuration (fresh random keys, rate limiting off), and measures in one run:
health (the baseline) and first check-ins at 1, 8, 32 and 64 connections, desk
redemptions, the ledger page of long histories, the stats summary (month/year, district
and one center) and last year's other reports, each worker's peak RSS, and the EXPLAIN
plans of the stats queries.
Figures go to stdout and to ``bench/RESULTS.md``. gunicorn is stopped however the run ends.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "requests.lua"
CONNECTIONS = (1, 8, 32, 64)


def production_env(db: str, workers: int) -> dict[str, str]:
    """A production configuration; keys are random per run, tokens outlive the run."""
    keys = {name: secrets.token_urlsafe(48) for name in ("SECRET_KEY", "JWT_SECRET_KEY")}
    return {
        **os.environ,
        **keys,
        "QR_SECRET_KEY": secrets.token_urlsafe(48),
        "APP_ENV": "production",
        "PUBLIC_BASE_URL": "https://bench.example.cn",  # production refuses a loopback one
        "DATABASE_URL": load.url(db),
        "RATELIMIT_ENABLED": "false",
        "ACCESS_TOKEN_TTL": "86400",
        "WEB_CONCURRENCY": str(workers),
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, half a minute to finish, then SIGKILL."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Gunicorn:
    """``gunicorn --workers N "app:create_app()"`` on loopback; stopped on exit, always."""

    def __init__(self, env: dict[str, str], workers: int, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        with socket.socket() as probe:  # another server there would answer for ours
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is taken: stop what listens there or use --port")
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers)),
                *("--bind", f"127.0.0.1:{port}", "app:create_app()"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=5):
                    return self
            except OSError:  # not listening yet, or busy starting
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"gunicorn did not start; see {self.log.name}")

    def __exit__(self, *exc: object) -> None:
        stop(self.process)
        self.log.close()

    def worker_peak_rss(self) -> dict[int, int]:
        """VmHWM (peak resident set, bytes) of each worker, from /proc."""
        peaks = {}
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            except (OSError, ValueError):
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                peaks[int(status.parent.name)] = int(fields["VmHWM"].split()[0]) * 1024
        return peaks

    def status_of(self, path: str, token: str) -> int:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


class GamificationWorker:
    """``flask gamification work`` beside gunicorn, as production runs it; stopped on exit.

    It starts as a worker that has kept up: its cursor is set to now, so its first pass
    reads only the check-ins made while it runs, not the earlier runs' backlog."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.url = env["DATABASE_URL"]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO gamification_cursor (id, scanned_until) VALUES (1, now() + "
                "interval '2 minutes') ON CONFLICT (id) DO UPDATE SET scanned_until = "
                "excluded.scanned_until"
            )
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", "gamification", "work"],
            cwd=ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},  # each pass's line in the log as it ends
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> GamificationWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.process)
        self.log.close()

    def caught_up(self, timeout: float = 300) -> float:
        """Seconds from now until a pass that began after now has finished: by then every
        check-in made before now has been counted."""
        started = time.monotonic()
        with psycopg.connect(self.url, autocommit=True) as conn:
            mark = conn.execute("SELECT now()").fetchone()[0]
            while time.monotonic() - started < timeout and self.process.poll() is None:
                # Not the moment set at the start, still ahead of now: one a pass wrote.
                done = conn.execute(
                    "SELECT scanned_until BETWEEN %s AND now() FROM gamification_cursor", (mark,)
                ).fetchone()
                if done and done[0]:
                    return time.monotonic() - started
                time.sleep(0.2)
        raise SystemExit(f"the gamification worker did not catch up; see {self.log.name}")

    def refreshed(self) -> int:
        """Residents refreshed in all, from the passes' lines in the log."""
        self.log.flush()
        return sum(
            int(line.split()[1])
            for line in Path(self.log.name).read_text().splitlines()
            if line.startswith("Refreshed ")
        )


def wrk(url: str, requests: Path, connections: int, seconds: int) -> dict[str, Any]:
    """One wrk run replaying ``requests``; its figures (req/s, latency in ms, statuses)."""
    threads = min(connections, 2)
    output = subprocess.run(
        [
            *("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s"),
            *("-s", str(SCRIPT), url, "--", str(requests), str(threads)),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    result["rps"] = result["requests"] / result["seconds"]
    result["connections"] = connections
    return result


def gamified_checkins(
    args: argparse.Namespace, env: dict[str, str], work: Path, url: str, cast: Any, count: int
) -> dict[str, Any]:
    """First check-ins at 32 connections with the gamification worker beside gunicorn, then
    as many again without it (issue #17: the worker costs check-in at most 5%); how soon
    after the last check-in of the rush the worker had counted them all, and how soon it
    counts one check-in on its own, as in a hall. A district challenge is running."""
    from bench import fixtures

    fixtures.winter_challenge(cast, date.today())
    residents = fixtures.resident_tokens(args.residents, args.seed + 1)
    with_worker = fixtures.checkins(work / "gamified.txt", cast, residents, count)
    without = fixtures.checkins(work / "plain.txt", cast, residents, count)
    alone = fixtures.checkins(work / "alone.txt", cast, residents, 1)
    completed = fixtures.challenge_completions()
    with GamificationWorker(env, work / "gamification.log") as worker:
        figures: dict[str, Any] = {"with": wrk(url, with_worker, 32, args.seconds)}
        figures["caught_up_s"] = worker.caught_up()
        figures["refreshed"] = worker.refreshed()
        send_line(url, alone)
        figures["alone_s"] = worker.caught_up()
    figures["completed"] = fixtures.challenge_completions() - completed
    figures["without"] = wrk(url, without, 32, args.seconds)
    return figures


def send_line(url: str, requests: Path) -> None:
    """The first request of a request file, sent on its own."""
    method, path, token, body = requests.read_text().splitlines()[0].split("\t")
    request = urllib.request.Request(
        url + path,
        data=body.encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status >= 300:
            raise SystemExit(f"{method} {path} answered {response.status}")


def measure(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    """Every figure of one run, with gunicorn up only while it is needed."""
    os.environ.update(env)  # the in-process app (tokens, codes, EXPLAIN) uses the same keys
    from app import create_app
    from bench import explain, fixtures

    app = create_app()
    with Gunicorn(env, args.workers, args.port, work / "gunicorn.log") as server:
        health = fixtures.write(work / "health.txt", [("GET", "/api/v1/health", "-", "-")])
        figures: dict[str, Any] = {
            "health": {conns: wrk(server.url, health, conns, args.seconds) for conns in CONNECTIONS}
        }
        with app.app_context():
            cast = fixtures.Cast.find()
            paths = fixtures.stats_paths(cast, date.today())
            dashboard = fixtures.dashboard_paths(app, cast)
            figures["rollups"] = fixtures.rollups_cover()
            figures["today"] = fixtures.a_typical_day_so_far(app, cast, args.seed)
        # Reads before writes: this year's dashboard counts today live from the check-ins,
        # and the runs below write many busy days' check-ins and gifts into today.
        figures.update(reads(args, work, server, paths, dashboard))
        with app.app_context():
            figures.update(writes(args, env, work, server, app, cast, figures["health"]))
        figures["rss"] = server.worker_peak_rss()
    # A few keep RESULTS.md readable: the summary's year district-wide (the target) and a
    # month for one center, and the follow-ups' year (the one report without rollups).
    chosen = [
        label
        for label in paths
        if label.startswith(("summary (year, district", "summary (month, center", "followups"))
    ]
    figures["plans"] = explain.plans_of(app, {label: paths[label] for label in chosen})
    return figures


def reads(
    args: argparse.Namespace,
    work: Path,
    server: Gunicorn,
    paths: dict[str, tuple[str, str]],
    dashboard: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """The reports, one connection each, and the dashboard's first load: the page, then the
    widget it fetches as it loads."""
    from bench import fixtures

    figures: dict[str, Any] = {"stats": {}, "dashboard": {}}
    for label, (path, token) in paths.items():
        lines = fixtures.write(work / "stats.txt", [("GET", path, token, "-")])
        figures["stats"][label] = result = wrk(server.url, lines, 1, args.seconds)
        if result["requests"] == 0:  # slower than a wrk run: time one request
            started = time.monotonic()
            status = server.status_of(path, token)
            elapsed = (time.monotonic() - started) * 1000
            result.update(p50=elapsed, p95=elapsed, p99=elapsed, statuses={str(status): 1})
    for label, (path, credentials) in dashboard.items():
        lines = fixtures.write(work / "dashboard.txt", [("GET", path, credentials, "-")])
        figures["dashboard"][label] = wrk(server.url, lines, 1, args.seconds)
    return figures


def writes(
    args: argparse.Namespace,
    env: dict[str, str],
    work: Path,
    server: Gunicorn,
    app: Any,
    cast: Any,
    health: dict[int, dict[str, Any]],
) -> dict[str, Any]:
    """Check-ins (alone, then with the gamification worker), desk redemptions, the desk's
    scans and the ledger pages; in the app's context."""
    from bench import fixtures

    figures: dict[str, Any] = {"checkin": {}}
    residents = fixtures.resident_tokens(args.residents, args.seed)
    for connections in CONNECTIONS:
        # Enough fresh check-ins for the run: check-in can at best match health.
        count = int(health[connections]["rps"] * args.seconds * 1.2) + 100
        path = fixtures.checkins(work / f"checkins-{connections}.txt", cast, residents, count)
        figures["checkin"][connections] = wrk(server.url, path, connections, args.seconds)
    count = int(health[32]["rps"] * args.seconds * 1.2) + 100
    figures["gamification"] = gamified_checkins(args, env, work, server.url, cast, count)
    desk = fixtures.redemptions(work / "redemptions.txt", cast, count)
    figures["redemption"] = wrk(server.url, desk, 32, args.seconds)
    # The desk at the counter: a scanned member code opens the resident's card. One clerk's
    # wait (the target), and eight desks scanning at once with no pause. Member codes live
    # a minute: each run scans codes minted just before it.
    figures["desk_scan"] = {
        connections: wrk(
            server.url,
            fixtures.desk_scans(work / f"scans-{connections}.txt", app, cast, 20000),
            connections,
            args.seconds,
        )
        for connections in (1, 8)
    }
    ledger, mean_entries = fixtures.ledgers(work / "ledgers.txt")
    figures["ledger"] = {**wrk(server.url, ledger, 8, args.seconds), "mean_entries": mean_entries}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="hp_bench_small")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="skip loading; use --db as it is")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=int, default=15, help="per wrk run")
    parser.add_argument("--residents", type=int, default=20000, help="residents checking in")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    meta = load.load_metadata(args.db) if args.reuse else load.load(args.db, args.scale, args.seed)
    with tempfile.TemporaryDirectory(prefix="hp-bench-") as work:
        figures = measure(args, production_env(args.db, args.workers), Path(work))
    text = report.render(figures, meta, args.workers, load.url(args.db))
    print(text)
    report.save(args.results, f"scale={meta['scale']:g}", text)


if __name__ == "__main__":
    main()
