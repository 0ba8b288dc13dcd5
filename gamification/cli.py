"""``flask gamification work`` (the worker), ``run`` (one pass of it) and ``rebuild``."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from gamification import rebuild, worker
from gamification.progress import GameSettings

gamification = AppGroup("gamification", help="Levels, badges, challenges.")
commands = (gamification,)


@gamification.command("work")
@click.option("--every", default=2.0, show_default=True, help="Seconds between passes.")
@click.option(
    "--niceness",
    default=10,
    type=click.IntRange(0, 19),
    show_default=True,
    help="Added to the process's nice value: in a rush the web workers come first.",
)
def work(every: float, niceness: int) -> None:
    """Refresh residents whose history changed, pass after pass, until stopped: run one
    beside the web workers (systemd, supervisord). It yields the processor to them: in a
    hall's rush the check-ins come first and the worker catches up after."""
    os.nice(niceness)
    for refreshed in worker.work(GameSettings.from_config(current_app.config), every):
        if refreshed:
            click.echo(f"Refreshed {refreshed} residents.")


@gamification.command("run")
def run() -> None:
    """One pass of the worker: refresh the residents whose history changed since the last."""
    done = worker.run_once(GameSettings.from_config(current_app.config))
    click.echo(f"Refreshed {done} residents.")


@gamification.command("rebuild")
def rebuild_all() -> None:
    """Derive every badge, challenge progress and bonus again from the check-ins, gifts and
    ledger; what the check-ins did one by one comes out the same."""
    done = rebuild.rebuild(GameSettings.from_config(current_app.config))
    click.echo(f"Rebuilt {done} residents.")
