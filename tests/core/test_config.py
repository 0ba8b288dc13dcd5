"""Configuration from the environment, and the production safety net."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from app import create_app
from core.config import ConfigError, database_uri, from_environment
from core.db import db
from tests.conftest import Build, app_config

STRONG = {
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "QR_SECRET_KEY": "q" * 40,
    "PUBLIC_BASE_URL": "https://jkjf.example.cn",
}
ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_production() -> None:
    config = from_environment({})

    assert config["APP_ENV"] == "production"
    assert config["TIMEZONE"] == "Asia/Shanghai"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "SQLALCHEMY_DATABASE_URI" not in config


def test_a_server_started_without_app_env_refuses_the_development_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    for name in STRONG:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("misspelt", ["prod", "Production", "staging", ""])
def test_an_unknown_app_env_refuses_to_start_naming_the_allowed_values(
    database_url: str, misspelt: str
) -> None:
    with pytest.raises(ConfigError, match="production, development, test"):
        create_app(app_config(database_url, APP_ENV=misspelt))


@pytest.mark.parametrize(
    "url",
    [
        "http://jkjf.example.cn",
        "https://127.0.0.1:5000",
        "https://localhost",
        "https://app.localhost",
        "https://[::1]",
        "https://0.0.0.0",
        "jkjf.example.cn",
    ],
)
def test_production_refuses_a_public_base_url_phones_cannot_reach_safely(
    database_url: str, url: str
) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app(
            app_config(database_url, APP_ENV="production", **{**STRONG, "PUBLIC_BASE_URL": url})
        )


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_allow_the_development_keys_and_dev_logins(
    build: Build, env: str
) -> None:
    app = build(APP_ENV=env)

    response = app.test_client().post("/api/v1/auth/wechat", json={"code": "dev:alice"})

    assert response.status_code in (200, 201)


def test_the_flask_cli_runs_in_development_from_the_repository(database_url: str) -> None:
    """``flask`` reads .flaskenv (with python-dotenv), so local commands need no APP_ENV."""
    environ = {k: v for k, v in os.environ.items() if k != "APP_ENV" and k not in STRONG}

    command = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=ROOT,
        env={**environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )

    assert command.returncode == 0, command.stderr
    assert "/api/v1/health" in command.stdout


def test_without_database_url_development_runs_on_the_embedded_server_under_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APP_ENV", "development")

    app = create_app()

    uri = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    assert (uri.drivername, uri.database) == ("postgresql+psycopg", "health_points")
    assert uri.query["host"] == str(ROOT / "instance" / "postgres")
    with app.app_context():
        assert db.session.scalar(text("SELECT current_database()")) == "health_points"
        db.session.remove()  # hand its connection back first, or dispose() leaves it open
        db.engine.dispose()


def test_production_refuses_to_start_without_database_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in STRONG.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match="DATABASE_URL must name the PostgreSQL server"):
        create_app()


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


def test_old_check_in_link_prefixes_are_read_as_a_list(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "CHECKIN_LINK_PREFIXES", " https://old.example.cn/ ,https://a.example.cn/hp,"
    )

    app = create_app(app_config(database_url, APP_ENV="production", **STRONG))

    assert app.config["CHECKIN_LINK_PREFIXES"] == (
        "https://old.example.cn",
        "https://a.example.cn/hp",
    )


@pytest.mark.parametrize(
    ("prefixes", "env"),
    [
        ("old.example.cn", "test"),
        ("ftp://old.example.cn", "test"),
        ("https://", "test"),
        ("https://old.example.cn/?from=qr", "test"),
        ("https://[old.example.cn", "test"),
        ("https://old.example.cn,http://older.example.cn", "production"),
    ],
)
def test_a_malformed_check_in_link_prefix_refuses_to_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch, prefixes: str, env: str
) -> None:
    monkeypatch.setenv("CHECKIN_LINK_PREFIXES", prefixes)

    with pytest.raises(ConfigError, match="CHECKIN_LINK_PREFIXES"):
        create_app(app_config(database_url, APP_ENV=env, **STRONG))


@pytest.mark.parametrize(
    "setting", ["8a1b2c3d.txt", ":content", "8a1b2c3d.txt:", "../app.py:x", "a/b.txt:x", "..:x"]
)
def test_a_malformed_wechat_verification_file_refuses_to_start(
    database_url: str, setting: str
) -> None:
    with pytest.raises(ConfigError, match="WECHAT_QR_VERIFY_FILE"):
        create_app(app_config(database_url, WECHAT_QR_VERIFY_FILE=setting))


def test_mail_is_off_until_an_smtp_host_is_given() -> None:
    assert from_environment({})["SMTP_HOST"] == ""
    config = from_environment(
        {"SMTP_HOST": "smtp.example.cn", "SMTP_PORT": "465", "SMTP_STARTTLS": "false"}
    )
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == (
        "smtp.example.cn",
        465,
        False,
    )
