"""``flask gamification run`` (what the worker does: cron's backstop) and ``rebuild``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gamification import queue, rebuild
from gamification.progress import GameSettings

gamification = AppGroup("gamification", help="Levels, badges, challenges.")
commands = (gamification,)


@gamification.command("run")
def run() -> None:
    """Refresh the residents whose history changed and whom no worker has refreshed yet."""
    done = queue.drain(GameSettings.from_config(current_app.config))
    click.echo(f"Refreshed {done} residents.")


@gamification.command("rebuild")
def rebuild_all() -> None:
    """Derive every badge, challenge progress and bonus again from the check-ins, gifts and
    ledger; what the check-ins did one by one comes out the same."""
    done = rebuild.rebuild(GameSettings.from_config(current_app.config))
    click.echo(f"Rebuilt {done} residents.")
