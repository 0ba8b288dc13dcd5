"""The schema comes from migrations only, and they agree with the models."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from core.db import db


def test_migrations_go_down_to_nothing_and_up_to_the_models(app: Flask) -> None:
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
