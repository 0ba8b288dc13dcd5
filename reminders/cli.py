"""``flask reminders run``: plan and send what is due now."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from reminders.jobs import run_reminders

reminders = AppGroup("reminders", help="Reminders through WeChat subscribe messages.")
commands = (reminders,)


@reminders.command("run")
def run() -> None:
    """Decide what is due (follow-ups, expiring points, reserved gifts), then send the
    WeChat reminders due now; outside 08:00–21:00 in the district it does nothing. Safe to
    run again at any time: nothing is decided or sent twice."""
    report = run_reminders()
    if report["quiet"]:
        click.echo("Night in the district: nothing sent.")
        return
    planned = ", ".join(f"{kind} {count}" for kind, count in report["planned"].items())
    outcomes = ", ".join(f"{status} {count}" for status, count in report["outcomes"].items())
    click.echo(f"Planned: {planned}. Settled: {report['settled']}. Sent: {outcomes or 'none'}.")
