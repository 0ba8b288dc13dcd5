"""A fake WeChat's settings for the tests (pytest-httpserver plays it: the ``wechat_app``
fixture of tests/conftest.py), and a production app's settings."""

from __future__ import annotations

from typing import Any

#: Production with keys strong enough to start, and no WeChat appid.
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s3cr3t-key-for-flask-sessions-0123456789",
    "JWT_SECRET_KEY": "jwt-signing-key-abcdefghijklmnopqrstuv",
    "QR_SECRET_KEY": "qr-signing-key-ABCDEFGHIJKLMNOPQRSTUVW",
    "PUBLIC_BASE_URL": "https://jkjf.example.cn",
}


def wechat_config(api_base: str, timeout: float = 2.0) -> dict[str, Any]:
    """The settings of an app whose WeChat is at ``api_base``."""
    return {
        "WECHAT_APPID": "wx-test-app",
        "WECHAT_SECRET": "test-secret",
        "WECHAT_API_BASE": api_base.rstrip("/"),
        "WECHAT_TIMEOUT": timeout,
    }
