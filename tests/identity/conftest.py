"""A fake WeChat for the identity tests, and a production app's settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from pytest_httpserver import HTTPServer

from tests.conftest import Build

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


@pytest.fixture
def wechat_app(build: Build, httpserver: HTTPServer) -> Flask:
    """The app, with pytest-httpserver on loopback playing WeChat."""
    return build(**wechat_config(httpserver.url_for("")))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port held bound but never listening: connecting to it is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]
