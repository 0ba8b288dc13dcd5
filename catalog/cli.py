"""``flask catalog expire-reservations | verify``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalog import reservations
from catalog.items import stock_problems
from core.db import db, utcnow

catalog_cli = AppGroup("catalog", help="Gifts, stock and reservations.")


@catalog_cli.command("expire-reservations")
def expire_reservations_command() -> None:
    """Release the points and stock of reservations nobody picked up (safe to run twice)."""
    released = reservations.expire_due(utcnow())
    db.session.commit()
    click.echo(f"Released {released} lapsed reservation(s).")


@catalog_cli.command("verify")
def verify_command() -> None:
    """Check every stock level against its movements; exit 1 naming each that disagrees."""
    problems = stock_problems()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo("Stock verifies: every level is the sum of its movements.")


commands = (catalog_cli,)
