"""``flask scheduler``: runs every registered job (``core/jobs.py``) at its times, until
stopped; ``flask scheduler run JOB`` (or ``--once JOB``) runs one now; ``list`` shows them.

One process runs its jobs one after another. Start one beside the web workers (a systemd
service); a second (another replica) is harmless: each due time still runs once. A due time
missed while no scheduler ran is run once when one starts, the latest only (a job due every
five minutes runs once, not once for each missed five minutes); a job that never ran waits
for its first due time.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from core.db import utcnow
from core.jobs import (
    Clock,
    Job,
    Outcome,
    job_named,
    last_due,
    last_runs,
    latest_due,
    next_due,
    registered_jobs,
    run_job,
)
from core.localtime import zone_of

log = logging.getLogger(__name__)

#: The longest the loop sleeps: a suspended machine or a clock set forward is noticed by then.
MAX_SLEEP_SECONDS = 60.0


class Scheduler:
    """Runs ``jobs`` at their due times: :meth:`tick` runs what is due at a given moment."""

    def __init__(self, app: Flask, jobs: Iterable[Job] | None = None, clock: Clock = utcnow):
        self.app = app
        self.jobs = list(registered_jobs(app) if jobs is None else jobs)
        self.clock = clock
        self.tz = zone_of(app.config)
        #: Each job's latest due time this scheduler has seen to (run, or found run).
        self.handled: dict[str, datetime] = {}

    def tick(self, now: datetime) -> list[Outcome]:
        """Run each job whose latest due time at ``now`` is not seen to yet, once, in the
        order registered; returns how the runs went (one already run elsewhere is left out).
        A job first seen here starts from its last recorded due time: one missed since runs
        now, the latest only; with none recorded it waits for its next."""
        ran = []
        for job in self.jobs:
            due = latest_due(job.schedule, now, self.tz)
            try:
                if job.name not in self.handled:
                    self.handled[job.name] = self._last_due(job) or due
                if due <= self.handled[job.name]:
                    continue
                outcome = run_job(self.app, job, due_at=due, clock=self.clock)
            except SQLAlchemyError:
                log.exception("job %s: the database did not answer; tried again later", job.name)
                continue
            self.handled[job.name] = due
            if outcome is not None:
                ran.append(outcome)
        return ran

    def seconds_to_next(self, now: datetime) -> float:
        """How long until the next due time of any job (at most :data:`MAX_SLEEP_SECONDS`)."""
        soonest = min((next_due(job.schedule, now, self.tz) for job in self.jobs), default=None)
        if soonest is None:
            return MAX_SLEEP_SECONDS
        return min(max((soonest - now).total_seconds(), 0.0), MAX_SLEEP_SECONDS)

    def serve(self, stop: threading.Event) -> Iterable[Outcome]:
        """Tick at every due time until ``stop`` is set, yielding how each run went."""
        while not stop.is_set():
            yield from self.tick(self.clock())
            stop.wait(self.seconds_to_next(self.clock()))

    def _last_due(self, job: Job) -> datetime | None:
        with self.app.app_context():
            return last_due(job.name)


@click.group("scheduler", cls=AppGroup, invoke_without_command=True)
@click.option("--once", metavar="JOB", default=None, help="Run the job JOB now and exit.")
@with_appcontext
@click.pass_context
def scheduler_cli(context: click.Context, once: str | None) -> None:
    """Run the periodic jobs at their times, until stopped (or one job now: --once JOB)."""
    if context.invoked_subcommand is not None:
        return
    if once is not None:
        _run_once(once)
    else:
        _serve()


@scheduler_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run the job NAME now, under its lock, and record the run (exit 1 unless it ran ok)."""
    _run_once(name)


@scheduler_cli.command("list")
def list_command() -> None:
    """Every job: its schedule (district time), its next due time and its last run."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tz, now, runs = zone_of(app.config), utcnow(), last_runs()
    for job in registered_jobs(app):
        due = next_due(job.schedule, now, tz).strftime("%Y-%m-%d %H:%M")
        run = runs.get(job.name)
        last = (
            f"{run.started_at.astimezone(tz):%Y-%m-%d %H:%M} {run.outcome or 'running'}"
            f" {run.summary or ''}".rstrip()
            if run
            else "never run"
        )
        click.echo(f"{job.name:<28} {job.schedule:<14} next {due}  last {last}")
        if job.description:
            click.echo(f"{'':<28} {job.description}")


def _run_once(name: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = job_named(app, name)
    if job is None:
        known = ", ".join(job.name for job in registered_jobs(app))
        raise click.BadParameter(f"no job {name!r}; the jobs: {known}", param_hint="JOB")
    outcome = run_job(app, job, due_at=None)
    assert outcome is not None  # only a scheduled run finds its due time already run
    click.echo(f"{outcome.job}: {outcome.outcome}: {outcome.summary}")
    if outcome.outcome != "ok":
        raise click.exceptions.Exit(1)


def _serve() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    # systemd stops a service with SIGTERM: finish the run in progress, then stop.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = Scheduler(app)
    click.echo(f"Scheduling {len(scheduler.jobs)} job(s) in {scheduler.tz.key}.")
    try:
        for outcome in scheduler.serve(stop):
            click.echo(f"{outcome.job}: {outcome.outcome}: {outcome.summary}")
    except KeyboardInterrupt:
        pass


commands = (scheduler_cli,)
