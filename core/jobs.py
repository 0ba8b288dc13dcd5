"""Periodic jobs: each package registers its own (:func:`register_job`, in its ``init_app``),
and ``flask scheduler`` (``core/scheduler.py``) runs them at their times.

A run (:func:`run_job`) holds a PostgreSQL advisory lock of the job's own on a connection
of its own for as long as it runs, so two schedulers (replicas started at once, or one by
hand beside the service) never run one job twice at once: the second records its run as
``skipped-locked``. Holding the lock, it looks for a run of the same due time, so a
scheduler arriving just after another finished does not run it again. The job runs in the
app context and its work is committed at its end, or rolled back when it raises. Every run
is recorded in ``job_runs`` (on the lock's connection, apart from the job's transaction, so
a failed job is recorded too).

Schedules are cron lines (minute hour day-of-month month day-of-week) in the district's
``TIMEZONE``, read by croniter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask
from sqlalchemy import CheckConstraint, Connection, Index, String, Text, delete, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

log = logging.getLogger(__name__)

OUTCOMES = ("ok", "failed", "skipped-locked")
#: Runs are recorded this long; the ``prune-job-runs`` job forgets older ones.
KEEP_RUNS = timedelta(days=90)
#: What a failed run's record keeps of its error at most (the log has the traceback).
ERROR_CHARS = 500
_EXTENSION = "core.jobs"
_TRY_LOCK = text("SELECT pg_try_advisory_lock(hashtext('jobs'), hashtext(:job))")
_UNLOCK = text("SELECT pg_advisory_unlock(hashtext('jobs'), hashtext(:job))")

Clock = Callable[[], datetime]


class JobRun(db.Model):
    """One run of a periodic job: by the scheduler for a due time, or by hand."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'failed', 'skipped-locked')", name="outcome_known"),
        Index("ix_job_runs_job_started_at", "job", "started_at"),
        Index("ix_job_runs_job_due_at", "job", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    #: The scheduled time this run was for; empty for a run by hand.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Empty while it runs (or if its process died running it).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``ok``, ``failed`` or ``skipped-locked`` (another run held the job); empty while running.
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: What the job said it did, or the error it failed with.
    summary: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Job:
    """A periodic job: ``run(now)`` does the work in the app context (flush, never commit:
    the run commits) and returns a line saying what it did."""

    name: str
    schedule: str
    run: Callable[[datetime], str]
    description: str = ""


@dataclass(frozen=True)
class Outcome:
    """How one run went."""

    job: str
    outcome: str
    summary: str


def register_job(
    app: Flask,
    *,
    name: str,
    schedule: str,
    run: Callable[[datetime], str],
    description: str = "",
) -> Job:
    """Have the scheduler run ``run(now)`` at ``schedule``, a cron line in the district's
    time (``"5 0 * * *"``: 00:05 every day; ``"*/5 * * * *"``: every five minutes).

    ``run`` gets the moment its run started (aware, UTC), works in the app context through
    ``db.session`` (flushing; the run commits when it returns and rolls back when it raises)
    and returns a short line for the run's record (``"Expired 3 lot(s)."``). It should be
    safe to run twice: a run by hand may follow the scheduler's. Names are unique
    (``package-what``), at most 64 characters.
    """
    jobs = app.extensions.setdefault(_EXTENSION, {})
    if name in jobs:
        raise ValueError(f"job {name!r} is registered twice")
    if len(name) > 64:
        raise ValueError(f"job name {name!r} is longer than 64 characters")
    if not croniter.is_valid(schedule):
        raise ValueError(f"job {name!r}: {schedule!r} is not a cron schedule")
    jobs[name] = Job(name, schedule, run, description)
    return jobs[name]


def registered_jobs(app: Flask) -> list[Job]:
    """Every job registered, in the order registered."""
    return list(app.extensions.get(_EXTENSION, {}).values())


def job_named(app: Flask, name: str) -> Job | None:
    return app.extensions.get(_EXTENSION, {}).get(name)


def latest_due(schedule: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The latest time at or before ``now`` that ``schedule`` (in ``tz``) names."""
    # croniter's prev is strictly before its start; a microsecond on makes it "at or before".
    after = (now + timedelta(microseconds=1)).astimezone(tz)
    return croniter(schedule, after).get_prev(datetime)


def next_due(schedule: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The first time after ``now`` that ``schedule`` (in ``tz``) names."""
    return croniter(schedule, now.astimezone(tz)).get_next(datetime)


def run_job(
    app: Flask, job: Job, *, due_at: datetime | None, clock: Clock = utcnow
) -> Outcome | None:
    """Run ``job`` now under its lock, and record the run. ``due_at`` is the due time a
    scheduled run is for (None by hand): when a run for it was started already, elsewhere,
    nothing runs and None is returned."""
    with app.app_context(), db.engine.connect() as lock:
        lock = lock.execution_options(isolation_level="AUTOCOMMIT")
        if not lock.scalar(_TRY_LOCK, {"job": job.name}):
            now, summary = clock(), "another run held it"
            lock.execute(
                JobRun.__table__.insert().values(
                    job=job.name,
                    due_at=due_at,
                    started_at=now,
                    finished_at=now,
                    outcome="skipped-locked",
                    summary=summary,
                )
            )
            log.info("job %s skipped: another run holds it", job.name)
            return Outcome(job.name, "skipped-locked", summary)
        try:
            if due_at is not None and _ran_for(lock, job.name, due_at):
                return None
            return _run_locked(lock, job, due_at, clock)
        finally:
            lock.execute(_UNLOCK, {"job": job.name})


def _run_locked(lock: Connection, job: Job, due_at: datetime | None, clock: Clock) -> Outcome:
    started_at = clock()
    run_id = lock.scalar(
        JobRun.__table__.insert()
        .values(job=job.name, due_at=due_at, started_at=started_at)
        .returning(JobRun.id)
    )
    try:
        summary = str(job.run(started_at))
        db.session.commit()
        outcome = "ok"
        log.info("job %s ok: %s", job.name, summary)
    except Exception as error:  # a failing job is recorded; the scheduler goes on
        db.session.rollback()
        outcome, summary = "failed", _error_line(error)
        log.exception("job %s failed", job.name)
    finally:
        db.session.remove()
    lock.execute(
        JobRun.__table__.update()
        .where(JobRun.id == run_id)
        .values(finished_at=clock(), outcome=outcome, summary=summary)
    )
    return Outcome(job.name, outcome, summary)


def _error_line(error: Exception) -> str:
    """The error's type and first line: a database error's DETAIL and parameters (which may
    name a resident) stay in the log."""
    message = str(getattr(error, "orig", None) or error).partition("\n")[0]
    return f"{type(error).__name__}: {message}"[:ERROR_CHARS]


def _ran_for(lock: Connection, job: str, due_at: datetime) -> bool:
    """Whether a run for ``due_at`` started (done, failed, or still running in a process
    that died): a skipped one does not count."""
    ran = select(JobRun.id).where(
        JobRun.job == job,
        JobRun.due_at == due_at,
        JobRun.outcome.is_distinct_from("skipped-locked"),
    )
    return lock.scalar(ran.limit(1)) is not None


def last_due(job: str) -> datetime | None:
    """The latest due time a run of ``job`` was recorded for (skipped ones too: the run that
    held the lock ran it)."""
    return db.session.scalar(
        select(JobRun.due_at)
        .where(JobRun.job == job, JobRun.due_at.is_not(None))
        .order_by(JobRun.due_at.desc())
        .limit(1)
    )


def last_runs() -> dict[str, JobRun]:
    """Each job's latest recorded run."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job)
    return {run.job: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(latest)))}


def prune_runs(now: datetime) -> int:
    """Forget runs started more than :data:`KEEP_RUNS` ago; returns how many."""
    result: Any = db.session.execute(delete(JobRun).where(JobRun.started_at < now - KEEP_RUNS))
    return int(result.rowcount)


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="prune-job-runs",
        schedule="40 3 * * *",
        run=lambda now: f"Forgot {prune_runs(now)} job run(s).",
        description=f"forget job runs older than {KEEP_RUNS.days} days",
    )
