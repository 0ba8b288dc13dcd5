"""``flask points expire | verify | prune-keys | prune-counters``."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from core import idempotency
from core.db import db, utcnow
from core.localtime import day_start, district_zone
from points import earning
from points.expiry import PointsSettings, expire_due
from points.verify import verify

points_cli = AppGroup("points", help="The points ledger.")


@points_cli.command("expire")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Expire what is due by the start of this day (district time); default: now.",
)
def expire_command(as_of: datetime | None) -> None:
    """Write an expire transaction for every lot that is due (safe to run twice)."""
    cutoff = day_start(as_of.date(), district_zone()) if as_of else utcnow()
    written = expire_due(cutoff)
    db.session.commit()
    click.echo(f"Expired {written} lot(s) due by {cutoff.isoformat()}.")


@points_cli.command("verify")
def verify_command() -> None:
    """Check every hash chain, balance, hold and lot; exit 1 naming each broken row."""
    problems = verify()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo("The ledger verifies: every chain, balance, hold and lot agrees.")


@points_cli.command("prune-keys")
def prune_keys_command() -> None:
    """Forget Idempotency-Keys older than they must be kept."""
    removed = idempotency.prune(utcnow())
    db.session.commit()
    click.echo(f"Removed {removed} idempotency key(s).")


@points_cli.command("prune-counters")
def prune_counters_command() -> None:
    """Forget the earning caps' counters of days and months that have ended (run nightly)."""
    removed = earning.prune_counters(utcnow(), PointsSettings.from_config(current_app.config))
    db.session.commit()
    click.echo(f"Removed {removed} counter(s) of ended days and months.")


commands = (points_cli,)
