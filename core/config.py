"""Configuration from environment variables, with defaults that are safe on a laptop.

A server started without ``APP_ENV`` is production: it refuses to start with the built-in
development keys, a public address that is not https, or no ``DATABASE_URL``. ``development``
and ``test`` (set by ``make run``, ``.flaskenv`` and the test suite) allow them; without
``DATABASE_URL`` they run on the embedded PostgreSQL (core/embedded_db.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEV_SECRET_KEY = "dev-only-secret-key--set-SECRET_KEY-in-production"
DEV_JWT_SECRET_KEY = "dev-only-jwt-key--set-JWT_SECRET_KEY-in-production"
DEV_QR_SECRET_KEY = "dev-only-qr-key--set-QR_SECRET_KEY-in-production"
MIN_PRODUCTION_KEY_LENGTH = 32
PRODUCTION = "production"
#: Where the development keys and ``dev:`` logins are allowed.
DEVELOPMENT_ENVS = ("development", "test")
APP_ENVS = (PRODUCTION, *DEVELOPMENT_ENVS)
#: What a privacy-policy version may be (the column that records acceptances holds this many).
MAX_PRIVACY_VERSION_LENGTH = 20


class ConfigError(RuntimeError):
    pass


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def database_uri(url: str) -> str:
    """Route plain ``postgresql://`` URLs to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    get = environ.get
    config: dict[str, Any] = {
        "APP_ENV": get("APP_ENV", PRODUCTION),
        "SECRET_KEY": get("SECRET_KEY", DEV_SECRET_KEY),
        "JWT_SECRET_KEY": get("JWT_SECRET_KEY", DEV_JWT_SECRET_KEY),
        "JWT_ISSUER": get("JWT_ISSUER", "health-points"),
        "JWT_AUDIENCE": get("JWT_AUDIENCE", "health-points-api"),
        "ACCESS_TOKEN_TTL": int(get("ACCESS_TOKEN_TTL", "900")),
        "REFRESH_TOKEN_TTL": int(get("REFRESH_TOKEN_TTL", str(30 * 24 * 3600))),
        "QR_SECRET_KEY": get("QR_SECRET_KEY", DEV_QR_SECRET_KEY),
        "QR_KEY_ID": int(get("QR_KEY_ID", "1")),
        "QR_OLD_KEYS": get("QR_OLD_KEYS", ""),
        "QR_ROTATION_SECONDS": int(get("QR_ROTATION_SECONDS", "20")),
        "PUBLIC_BASE_URL": get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "CHECKIN_LINK_PREFIXES": tuple(
            prefix.strip().rstrip("/")
            for prefix in get("CHECKIN_LINK_PREFIXES", "").split(",")
            if prefix.strip()
        ),
        "WECHAT_QR_VERIFY_FILE": get("WECHAT_QR_VERIFY_FILE", ""),
        "WECHAT_APPID": get("WECHAT_APPID", ""),
        "WECHAT_SECRET": get("WECHAT_SECRET", ""),
        "WECHAT_API_BASE": get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        "WECHAT_TIMEOUT": float(get("WECHAT_TIMEOUT", "5")),
        "TIMEZONE": get("TIMEZONE", "Asia/Shanghai"),
        "POINTS_EXPIRY": get("POINTS_EXPIRY", "end_of_next_year"),
        "RATELIMIT_ENABLED": _flag(get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": get("LOGIN_RATE_LIMIT", "10 per minute"),
        "REFRESH_RATE_LIMIT": get("REFRESH_RATE_LIMIT", "10 per minute"),
        "LOGIN_LOCKOUT": get("LOGIN_LOCKOUT", "5 per 15 minutes"),
        "WECHAT_LOGIN_RATE_LIMIT": get("WECHAT_LOGIN_RATE_LIMIT", "300 per minute"),
        "LINK_CODE_TTL": int(get("LINK_CODE_TTL", "600")),
        "LINK_CODE_LOCKOUT": get("LINK_CODE_LOCKOUT", "5 per 15 minutes"),
        "LOG_LEVEL": get("LOG_LEVEL", "INFO"),
        "DB_STATEMENT_TIMEOUT_MS": int(get("DB_STATEMENT_TIMEOUT_MS", "5000")),
        "DB_LOCK_TIMEOUT_MS": int(get("DB_LOCK_TIMEOUT_MS", "2000")),
        "DB_REPORT_STATEMENT_TIMEOUT_MS": int(get("DB_REPORT_STATEMENT_TIMEOUT_MS", "15000")),
        "MEDIA_DIR": get("MEDIA_DIR", ""),
        "MAX_CONTENT_LENGTH": int(get("MAX_CONTENT_LENGTH", str(64 * 1024))),
        "MAX_IMAGE_BYTES": int(get("MAX_IMAGE_BYTES", str(2 * 1024 * 1024))),
        "MAX_IMPORT_BYTES": int(get("MAX_IMPORT_BYTES", str(20 * 1024 * 1024))),
        # Apply an import's rows in the request's thread once it has answered (tests).
        "IMPORTS_INLINE": _flag(get("IMPORTS_INLINE"), False),
        # Gamification inside the check-in's transaction (tests); otherwise the worker
        # process finds the change within seconds (`flask gamification work`).
        "GAMIFICATION_INLINE": _flag(get("GAMIFICATION_INLINE"), False),
        # Levels by lifetime earned points: "points:name,..." from 0 up.
        "GAMIFICATION_LEVELS": get(
            "GAMIFICATION_LEVELS", "0:健康新手,100:健康学徒,300:健康能手,800:健康标兵,2000:健康达人"
        ),
        # A streak survives one month without activity a calendar year.
        "STREAK_GRACE": _flag(get("STREAK_GRACE"), True),
        "RESERVATION_DAYS": int(get("RESERVATION_DAYS", "7")),
        "PICKUP_RATE_LIMIT": get("PICKUP_RATE_LIMIT", "20 per minute"),
        "PRIVACY_POLICY_VERSION": get("PRIVACY_POLICY_VERSION", "2026-12").strip(),
        "CONSOLE_IDLE_MINUTES": float(get("CONSOLE_IDLE_MINUTES", "120")),
        "CONSOLE_SESSION_HOURS": float(get("CONSOLE_SESSION_HOURS", "12")),
        # Subscribe-message templates chosen in the mini-program's admin (empty: not sent).
        "WECHAT_TEMPLATE_EVENT_REMINDER": get("WECHAT_TEMPLATE_EVENT_REMINDER", ""),
        "WECHAT_TEMPLATE_FOLLOWUP_DUE": get("WECHAT_TEMPLATE_FOLLOWUP_DUE", ""),
        "WECHAT_TEMPLATE_POINTS_EXPIRING": get("WECHAT_TEMPLATE_POINTS_EXPIRING", ""),
        "WECHAT_TEMPLATE_PICKUP_EXPIRING": get("WECHAT_TEMPLATE_PICKUP_EXPIRING", ""),
        # formal, trial or developer: which build of the mini-program a message opens.
        "WECHAT_MINIPROGRAM_STATE": get("WECHAT_MINIPROGRAM_STATE", "formal"),
        "REMINDER_SENDERS": int(get("REMINDER_SENDERS", "8")),
        "REMINDER_MAX_ATTEMPTS": int(get("REMINDER_MAX_ATTEMPTS", "4")),
        "REMINDER_RETRY_SECONDS": float(get("REMINDER_RETRY_SECONDS", "1")),
        # Mail (the weekly report): nothing is sent while SMTP_HOST is empty.
        "SMTP_HOST": get("SMTP_HOST", ""),
        "SMTP_PORT": int(get("SMTP_PORT", "587")),
        "SMTP_USERNAME": get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": get("SMTP_PASSWORD", ""),
        "SMTP_FROM": get("SMTP_FROM", ""),
        "SMTP_STARTTLS": _flag(get("SMTP_STARTTLS"), True),
        # Implicit TLS from the first byte (port 465, as many providers in China offer).
        "SMTP_SSL": _flag(get("SMTP_SSL"), get("SMTP_PORT", "587") == "465"),
    }
    if get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_uri(get("DATABASE_URL", ""))
    return config


def check(config: Mapping[str, Any]) -> None:
    """Refuse a configuration that would be unsafe or cannot work."""
    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE {config['TIMEZONE']!r} is not a known time zone") from None
    if not 1 <= len(config["PRIVACY_POLICY_VERSION"]) <= MAX_PRIVACY_VERSION_LENGTH:
        raise ConfigError(
            f"PRIVACY_POLICY_VERSION must be 1-{MAX_PRIVACY_VERSION_LENGTH} characters, "
            "e.g. 2026-12"
        )
    if config["APP_ENV"] not in APP_ENVS:
        raise ConfigError(
            f"APP_ENV {config['APP_ENV']!r} is unknown; use one of {', '.join(APP_ENVS)}"
        )
    wechat_verify_file(config)
    for prefix in config["CHECKIN_LINK_PREFIXES"]:
        _check_link_prefix(prefix, https=not is_development(config))
    if is_development(config):
        return
    if config["SMTP_USERNAME"] and not (config["SMTP_STARTTLS"] or config["SMTP_SSL"]):
        raise ConfigError(
            "SMTP_USERNAME is set but neither SMTP_STARTTLS nor SMTP_SSL: the mail password "
            "would cross the network in clear text"
        )
    dev_values = {
        "SECRET_KEY": DEV_SECRET_KEY,
        "JWT_SECRET_KEY": DEV_JWT_SECRET_KEY,
        "QR_SECRET_KEY": DEV_QR_SECRET_KEY,
    }
    for name, dev_value in dev_values.items():
        value = config[name]
        if value == dev_value or len(value) < MIN_PRODUCTION_KEY_LENGTH:
            raise ConfigError(
                f"{name} must be set to a random value of at least "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters when APP_ENV=production"
            )
    if len({config[name] for name in dev_values}) != len(dev_values):
        raise ConfigError("SECRET_KEY, JWT_SECRET_KEY and QR_SECRET_KEY must differ")
    _check_public_base_url(config["PUBLIC_BASE_URL"])
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError(
            "DATABASE_URL must name the PostgreSQL server when APP_ENV=production "
            "(the embedded one is for development and tests)"
        )


def wechat_verify_file(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """``WECHAT_QR_VERIFY_FILE=<name>:<content>`` as (name, content); None when unset.

    WeChat fetches the file under the scanned-link prefix to verify the rule is ours.
    """
    setting = config["WECHAT_QR_VERIFY_FILE"]
    if not setting:
        return None
    name, _, content = setting.partition(":")
    if not _FILE_NAME.fullmatch(name) or name.strip(".") == "" or not content:
        raise ConfigError(
            "WECHAT_QR_VERIFY_FILE must be <name>:<content>, the file name WeChat gave "
            "(letters, digits, '.', '_' or '-') and its content"
        )
    return name, content


_FILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


def _check_link_prefix(prefix: str, *, https: bool) -> None:
    """An old origin of check-in links: scheme, host and perhaps a path, nothing more."""
    try:
        parts = urlsplit(prefix)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed "[" in the host
        host = None
    schemes = ("https",) if https else ("https", "http")
    if not host or parts.scheme not in schemes or parts.query or parts.fragment:
        raise ConfigError(
            f"CHECKIN_LINK_PREFIXES: {prefix!r} must be a base URL like "
            f"https://old.example.cn{'' if https else ' (or http:// outside production)'}"
        )


def is_development(config: Mapping[str, Any]) -> bool:
    """Whether development keys and ``dev:`` logins are allowed."""
    return config["APP_ENV"] in DEVELOPMENT_ENVS


def _check_public_base_url(url: str) -> None:
    """QR links go to phones: they must reach this server over https, never a loopback."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
        loopback = address.is_loopback or address.is_unspecified
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if parts.scheme != "https" or not host or loopback:
        raise ConfigError(
            f"PUBLIC_BASE_URL {url!r} must be the https origin phones reach "
            "(not a loopback address) when APP_ENV=production"
        )
