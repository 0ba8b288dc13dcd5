"""The scheduler (``core/jobs.py``, ``core/scheduler.py``): each due time runs once however many
schedulers run, under the job's advisory lock, and every run is recorded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select, text

from core.db import db
from core.jobs import Job, JobRun, latest_due, next_due, registered_jobs, run_job
from core.scheduler import Scheduler
from identity.models import Center

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 2026-12-04 00:05 in Shanghai: a daily "5 0 * * *" job is due.
DUE = datetime(2026, 12, 3, 16, 5, tzinfo=UTC)
DAILY = "5 0 * * *"


def scheduler(app: Flask, *jobs: Job, now: datetime = DUE) -> Scheduler:
    return Scheduler(app, jobs, clock=lambda: now)


def ran_before(app: Flask, job: Job, due_at: datetime) -> None:
    """Record that ``job`` ran for ``due_at`` (a scheduler ran it before this one started)."""
    with app.app_context():
        db.session.add(JobRun(job=job.name, due_at=due_at, started_at=due_at, outcome="ok"))
        db.session.commit()


def runs(app: Flask) -> list[tuple[str, datetime | None, str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        return [(run.job, run.due_at, run.outcome, run.summary) for run in rows]


def counting(name: str, calls: list[datetime], schedule: str = DAILY) -> Job:
    def run(now: datetime) -> str:
        calls.append(now)
        return f"call {len(calls)}"

    return Job(name, schedule, run)


def test_two_schedulers_started_at_once_run_a_due_job_once(racing_app: Flask) -> None:
    calls: list[datetime] = []
    a_tick_returned = threading.Event()

    def run(now: datetime) -> str:
        calls.append(now)
        # Hold the lock until the other scheduler has tried it and gone on.
        assert a_tick_returned.wait(30)
        return "ran"

    job = Job("race", DAILY, run)
    start = threading.Barrier(2)

    def one_scheduler() -> list[str]:
        replica = scheduler(racing_app, job)
        assert replica.tick(DUE - timedelta(seconds=1)) == []  # started before the due time
        start.wait()
        outcomes = replica.tick(DUE)
        a_tick_returned.set()
        return [outcome.outcome for outcome in outcomes]

    with ThreadPoolExecutor(max_workers=2) as pool:
        replicas = [pool.submit(one_scheduler) for _ in range(2)]
    outcomes = sorted(outcome for replica in replicas for outcome in replica.result())

    assert len(calls) == 1
    assert outcomes == ["ok", "skipped-locked"]
    assert sorted(outcome for _, due, outcome, _ in runs(racing_app) if due == DUE) == [
        "ok",
        "skipped-locked",
    ]


def test_a_due_time_run_elsewhere_is_not_run_again(app: Flask) -> None:
    calls: list[datetime] = []
    job = counting("once", calls)
    ran_before(app, job, DUE)

    outcome = run_job(app, job, due_at=DUE)

    assert outcome is None
    assert calls == []
    assert len(runs(app)) == 1


def test_a_failing_job_is_recorded_failed_its_work_undone_and_the_next_job_runs(
    app: Flask,
) -> None:
    def fails(_now: datetime) -> str:
        db.session.add(Center(name="半途"))
        db.session.flush()
        raise RuntimeError("printer on fire")

    calls: list[datetime] = []
    failing, next_job = Job("fails", DAILY, fails), counting("next", calls)
    for job in (failing, next_job):
        ran_before(app, job, DUE - timedelta(days=1))

    outcomes = scheduler(app, failing, next_job).tick(DUE)

    assert [(o.job, o.outcome) for o in outcomes] == [("fails", "failed"), ("next", "ok")]
    assert calls == [DUE]
    assert runs(app)[2:] == [
        ("fails", DUE, "failed", "RuntimeError: printer on fire"),
        ("next", DUE, "ok", "call 1"),
    ]
    with app.app_context():
        assert db.session.scalar(select(Center)) is None
        finished = db.session.scalars(select(JobRun.finished_at).where(JobRun.due_at == DUE))
        assert finished.all() == [DUE, DUE]


def test_a_job_whose_lock_is_held_is_recorded_skipped_and_not_run(app: Flask) -> None:
    calls: list[datetime] = []
    job = counting("held", calls)
    with app.app_context(), db.engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(hashtext('jobs'), hashtext('held'))"))
        try:
            by_hand = run_job(app, job, due_at=None, clock=lambda: DUE)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock_all()"))
            holder.commit()

    assert by_hand is not None and by_hand.outcome == "skipped-locked"
    assert calls == []
    assert runs(app) == [("held", None, "skipped-locked", "another run held it")]
    # The lock was the only thing in the way.
    assert run_job(app, job, due_at=None).outcome == "ok"  # type: ignore[union-attr]


def test_schedules_are_read_in_the_district_time() -> None:
    before = DUE - timedelta(seconds=1)

    assert next_due(DAILY, before, SHANGHAI) == DUE
    assert latest_due(DAILY, DUE, SHANGHAI) == DUE
    assert latest_due(DAILY, before, SHANGHAI) == DUE - timedelta(days=1)
    assert next_due(DAILY, DUE, SHANGHAI) == DUE + timedelta(days=1)
    assert latest_due("*/5 * * * *", DUE + timedelta(minutes=4), SHANGHAI) == DUE
    # Monday 09:00 in Shanghai is 01:00 UTC.
    assert next_due("0 9 * * 1", DUE, SHANGHAI) == datetime(2026, 12, 7, 1, tzinfo=UTC)


def test_a_tick_runs_a_daily_job_at_its_district_time_only(app: Flask) -> None:
    calls: list[datetime] = []
    job = counting("daily", calls)
    ran_before(app, job, DUE - timedelta(days=1))
    replica = scheduler(app, job)

    early = replica.tick(DUE - timedelta(seconds=1))
    due = replica.tick(DUE)
    again = replica.tick(DUE + timedelta(minutes=30))

    assert (early, again) == ([], [])
    assert [o.outcome for o in due] == ["ok"]
    assert runs(app)[-1][:3] == ("daily", DUE, "ok")


def test_due_times_missed_while_down_run_once_on_start_the_latest_only(app: Flask) -> None:
    calls: list[datetime] = []
    job = counting("missed", calls, schedule="*/5 * * * *")
    ran_before(app, job, DUE - timedelta(days=3))
    back_at = DUE + timedelta(minutes=7)

    first = scheduler(app, job, now=back_at).tick(back_at)

    assert [o.outcome for o in first] == ["ok"]
    assert runs(app)[-1][:3] == ("missed", DUE + timedelta(minutes=5), "ok")
    assert len(calls) == 1


def test_a_job_never_run_waits_for_its_first_due_time(app: Flask) -> None:
    calls: list[datetime] = []
    replica = scheduler(app, counting("new", calls))

    started = replica.tick(DUE + timedelta(hours=1))
    first_due = replica.tick(DUE + timedelta(days=1))

    assert started == []
    assert [o.outcome for o in first_due] == ["ok"]


def test_scheduler_once_runs_a_job_now_and_records_it(app: Flask) -> None:
    runner = app.test_cli_runner()

    ran = runner.invoke(args=["scheduler", "--once", "stats-refresh"])
    by_name = runner.invoke(args=["scheduler", "run", "prune-job-runs"])
    unknown = runner.invoke(args=["scheduler", "--once", "no-such-job"])

    assert ran.exit_code == 0, ran.output
    assert "stats-refresh: ok: Rolled up" in ran.output
    assert by_name.exit_code == 0, by_name.output
    assert unknown.exit_code != 0 and "no job 'no-such-job'" in unknown.output
    assert [(job, due, outcome) for job, due, outcome, _ in runs(app)] == [
        ("stats-refresh", None, "ok"),
        ("prune-job-runs", None, "ok"),
    ]


def test_scheduler_list_shows_every_registered_job_and_its_last_run(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["scheduler", "run", "stats-refresh"])

    listed = runner.invoke(args=["scheduler", "list"])

    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert {job.name for job in registered_jobs(app)} == {
        "prune-job-runs",
        "identity-prune-tokens",
        "points-expire",
        "points-prune-counters",
        "points-prune-keys",
        "catalog-expire-reservations",
        "stats-refresh",
        "stats-weekly-mail",
        "reminders-run",
        "imports-forget-held",
    }
    for job in registered_jobs(app):
        line = next(line for line in lines if line.startswith(f"{job.name} "))
        assert job.schedule in line
        assert ("ok Rolled up" if job.name == "stats-refresh" else "never run") in line


def test_old_job_runs_are_forgotten(app: Flask) -> None:
    old, recent = Job("old", DAILY, str), Job("recent", DAILY, str)
    ran_before(app, old, DUE - timedelta(days=91))
    ran_before(app, recent, DUE - timedelta(days=89))
    (job,) = (job for job in registered_jobs(app) if job.name == "prune-job-runs")

    outcome = run_job(app, job, due_at=None, clock=lambda: DUE)

    assert outcome is not None and outcome.summary == "Forgot 1 job run(s)."
    assert [job for job, *_ in runs(app)] == ["recent", "prune-job-runs"]


def test_a_database_errors_record_keeps_its_first_line_not_the_values(app: Flask) -> None:
    def duplicates(_now: datetime) -> str:
        db.session.add_all([Center(name="王芳 13812341234"), Center(name="王芳 13812341234")])
        db.session.flush()
        return "never"

    outcome = run_job(app, Job("duplicates", DAILY, duplicates), due_at=None)

    assert outcome is not None and outcome.outcome == "failed"
    assert outcome.summary.startswith("IntegrityError: duplicate key value violates unique")
    assert "13812341234" not in runs(app)[0][3]  # type: ignore[operator]
