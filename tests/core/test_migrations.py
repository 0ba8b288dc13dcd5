"""The schema comes from migrations only, and they agree with the models."""

from __future__ import annotations

import subprocess
import sys

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from app import ROOT
from core.db import db
from core.migrations import load_migrations


def test_migrations_go_down_to_nothing_and_up_to_the_models(app: Flask) -> None:
    load_migrations(app)
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        flask_migrate.upgrade()

        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        assert {t.name for t in db.metadata.sorted_tables} <= set(
            inspect(db.engine).get_table_names()
        )


def test_a_web_worker_does_not_load_alembic(database_url: str) -> None:
    # In a process of its own: the suite itself has loaded Alembic long before.
    served = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from app import create_app; "
            f"create_app({{'SQLALCHEMY_DATABASE_URI': {database_url!r}, 'APP_ENV': 'test'}}); "
            "print(sorted(m for m in ('alembic', 'flask_migrate') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert served.stdout.strip() == "[]"


def test_the_db_commands_load_on_first_use(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "current"])

    assert result.exit_code == 0, result.output
    assert "Context impl PostgresqlImpl" in result.output
