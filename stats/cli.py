"""``flask stats refresh``: bring the daily rollups up to date (run it from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core.db import db, utcnow
from points.expiry import PointsSettings
from stats.rollups import refresh

stats_cli = AppGroup("stats", help="Statistics for managers.")


@stats_cli.command("refresh")
def refresh_command() -> None:
    """Roll up every day that ended since the last run, and any day corrected since."""
    tz = PointsSettings.from_config(current_app.config).tz
    rolled = refresh(utcnow(), tz)
    db.session.commit()
    click.echo(f"Rolled up {rolled} day(s).")


commands = (stats_cli,)
