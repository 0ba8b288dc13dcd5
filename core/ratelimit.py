"""Flask-Limiter, keyed by client address; storage from ``RATELIMIT_STORAGE_URI``.

When the storage (Redis) stops answering, limits fall back to each process's memory and the
limiter logs it, so logins keep working; ``/health`` names the storage as degraded. Every 429
says when to come back (``Retry-After``). Besides the per-route limits, :func:`spend`,
:func:`seconds_locked` and :func:`forget` count named failures (a username's wrong
passwords) in the same storage, so all workers share the count.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.errors import StorageError

#: Seconds a Redis storage may take to connect or answer before the limiter falls back.
STORAGE_TIMEOUT = 0.5

limiter = Limiter(
    key_func=get_remote_address,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    retry_after="delta-seconds",
)
#: Flask-Limiter's own logger has no handler; its warnings (the storage is unreachable, the
#: limits fall back to memory) belong in the service's log.
limiter.logger = logging.getLogger("health_points.ratelimit")


def init_app(app: Flask) -> None:
    options: dict[str, object] = {"wrap_exceptions": True}  # StorageError, whatever the backend
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")):
        options |= {"socket_connect_timeout": STORAGE_TIMEOUT, "socket_timeout": STORAGE_TIMEOUT}
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        **options,
        **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
    }
    limiter.init_app(app)
    app.after_request(_say_when_to_retry)


def storage_answers() -> bool:
    """Whether the shared storage answers (the in-memory fallback serves while it does not)."""
    return not limiter.enabled or limiter.storage.check()


def seconds_locked(limit: str, scope: str, key: str) -> int | None:
    """Seconds until ``key`` may try again once its failures used up ``limit``, else None."""
    item = parse(limit)
    try:
        if not limiter.enabled or limiter.limiter.test(item, *_identifiers(scope, key)):
            return None
        reset_at = limiter.limiter.get_window_stats(item, *_identifiers(scope, key)).reset_time
    except StorageError:
        limiter.logger.warning("rate limit storage unreachable: %s not checked", scope)
        return None
    return max(1, math.ceil(reset_at - time.time()))


def spend(limit: str, scope: str, key: str) -> None:
    """Count one failure of ``key`` against ``limit``."""
    try:
        if limiter.enabled:
            limiter.limiter.hit(parse(limit), *_identifiers(scope, key))
    except StorageError:
        limiter.logger.warning("rate limit storage unreachable: %s not counted", scope)


def forget(limit: str, scope: str, key: str) -> None:
    """Start ``key``'s count afresh (a successful login)."""
    try:
        if limiter.enabled:
            limiter.limiter.clear(parse(limit), *_identifiers(scope, key))
    except StorageError:
        limiter.logger.warning("rate limit storage unreachable: %s not reset", scope)


def _identifiers(scope: str, key: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return (prefix, scope, key) if prefix else (scope, key)


def _say_when_to_retry(response: Response) -> Response:
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_seconds_until_reset())
    return response


def _seconds_until_reset() -> int:
    breached = limiter.current_limit
    if breached is None:
        return 60
    try:
        return max(1, math.ceil(breached.window.reset_time - time.time()))
    except StorageError:
        return breached.limit.get_expiry()
