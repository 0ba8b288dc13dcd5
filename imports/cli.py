"""``flask imports resume``: carry on the imports a stopped process left unfinished."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from imports.runner import resume

imports_cli = AppGroup("imports", help="Importing paper records.")


@imports_cli.command("resume")
def resume_command() -> None:
    """Apply the rest of every import left running or failed (rows already applied stay)."""
    resumed = resume(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"Resumed {len(resumed)} import(s).")


commands = (imports_cli,)
