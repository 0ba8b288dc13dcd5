"""``flask stats refresh``: bring the daily rollups up to date (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import db, utcnow
from core.localtime import district_zone
from stats.rollups import refresh

stats_cli = AppGroup("stats", help="Statistics for managers.")


@stats_cli.command("refresh")
def refresh_command() -> None:
    """Roll up every day that ended since the last run, and any day corrected since."""
    rolled = refresh(utcnow(), district_zone())
    db.session.commit()
    click.echo(f"Rolled up {rolled} day(s).")


commands = (stats_cli,)
