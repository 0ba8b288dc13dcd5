"""``flask stats refresh``: bring the daily rollups up to date (run it from cron);
``flask stats weekly-mail``: mail the last complete week's report to managers who asked."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import db, utcnow
from core.localtime import district_zone
from stats.rollups import refresh
from stats.weekly_mail import send_weekly_reports, smtp_configured

stats_cli = AppGroup("stats", help="Statistics for managers.")


@stats_cli.command("refresh")
def refresh_command() -> None:
    """Roll up every day that ended since the last run, and any day corrected since."""
    rolled = refresh(utcnow(), district_zone())
    db.session.commit()
    click.echo(f"Rolled up {rolled} day(s).")


@stats_cli.command("weekly-mail")
def weekly_mail_command() -> None:
    """Mail the last complete week's report to each opted-in manager not yet sent it."""
    if not smtp_configured():
        click.echo("SMTP_HOST is not set: no mail sent.")
        return
    sent = send_weekly_reports(utcnow())
    db.session.commit()
    click.echo(f"Sent {sent} weekly report(s).")


commands = (stats_cli,)
