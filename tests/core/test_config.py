"""Configuration from the environment, and the production safety net."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import create_app
from core.config import ConfigError, database_uri, from_environment
from core.db import db
from tests.conftest import app_config

STRONG = {
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "QR_SECRET_KEY": "q" * 40,
}


def test_defaults_are_safe_for_a_laptop() -> None:
    config = from_environment({})

    assert config["APP_ENV"] == "development"
    assert config["TIMEZONE"] == "Asia/Shanghai"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "SQLALCHEMY_DATABASE_URI" not in config


def test_the_default_database_is_a_sqlite_file_under_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/health_points.db")


def test_postgresql_urls_use_psycopg_3() -> None:
    assert database_uri("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert (
        from_environment({"DATABASE_URL": "postgresql://u@h/db"})["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://u@h/db"
    )


@pytest.mark.parametrize("weak", ["SECRET_KEY", "JWT_SECRET_KEY", "QR_SECRET_KEY"])
def test_production_refuses_development_or_short_keys(database_url: str, weak: str) -> None:
    with pytest.raises(ConfigError, match=weak):
        create_app(app_config(database_url, APP_ENV="production", **{**STRONG, weak: "short"}))
    dev_defaults = {k: v for k, v in STRONG.items() if k != weak}
    with pytest.raises(ConfigError, match=weak):
        create_app({**app_config(database_url, APP_ENV="production"), **dev_defaults})


def test_production_starts_with_strong_distinct_keys(database_url: str) -> None:
    app = create_app(app_config(database_url, APP_ENV="production", **STRONG))

    assert app.config["APP_ENV"] == "production"


def test_production_refuses_one_key_used_twice(database_url: str) -> None:
    with pytest.raises(ConfigError, match="differ"):
        create_app(
            app_config(database_url, APP_ENV="production", **{**STRONG, "QR_SECRET_KEY": "s" * 40})
        )


def test_an_unknown_time_zone_is_refused(database_url: str) -> None:
    with pytest.raises(ConfigError, match="TIMEZONE"):
        create_app(app_config(database_url, TIMEZONE="Mars/Olympus"))


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path) -> None:
    app = create_app(app_config(f"sqlite:///{tmp_path / 'pragmas.db'}"))

    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
