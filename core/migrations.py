"""``flask db``, with Flask-Migrate and Alembic loaded only when a migration command runs.

They weigh about 11 MB, which every web worker would carry for nothing (it serves requests
and never migrates: bench/RESULTS.md); the command group here loads them on first use.
"""

from __future__ import annotations

import click
from flask import Flask

from core.db import db

_DIRECTORY = "migrations_directory"


def init_app(app: Flask, directory: str) -> None:
    app.extensions[_DIRECTORY] = directory
    app.cli.add_command(_MigrationCommands(app))


def load_migrations(app: Flask) -> None:
    """Set Flask-Migrate up on ``app``: what ``flask db`` and a programmatic upgrade need."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=app.extensions[_DIRECTORY])


class _MigrationCommands(click.Group):
    """Flask-Migrate's ``db`` group, loaded when one of its commands is asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Create or migrate the schema (Flask-Migrate).")
        self._app = app

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        """The real group's context: its options (``-d``, ``-x``) and callback then run."""
        load_migrations(self._app)
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)
