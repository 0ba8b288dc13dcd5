"""One log line per request, tagged with a request id that is also sent back.

The line names the method, the path without its query string (a search may carry a phone
number), the status, the duration and who asked; never a token or a phone number. Paths
that carry a signed code (registered with :func:`hide_secret_segment`) are logged with the
code masked, and control characters in a path are escaped, so a ``%0A`` cannot forge a line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, current_app, g, request

logger = logging.getLogger("health_points.request")

#: An incoming X-Request-ID is kept only if it cannot smuggle anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: What stands in the log for a secret path segment.
MASK = "***"
#: Characters that could end or rewrite a log line (C0 and C1 controls, Unicode line and
#: paragraph separators) and the backslash, so an escaped ``\n`` is told from a literal one.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_SECRET_PREFIXES = "requestlog.secret_prefixes"


def hide_secret_segment(app: Flask, *prefixes: str) -> None:
    """Log the path segment right after each prefix (e.g. ``/display/``) as ``***``."""
    app.extensions.setdefault(_SECRET_PREFIXES, []).extend(prefixes)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def loggable_path(path: str, secret_prefixes: list[str]) -> str:
    """The path as the log shows it: secret segments masked, control characters escaped."""
    for prefix in secret_prefixes:
        if path.startswith(prefix):
            _secret, slash, rest = path[len(prefix) :].partition("/")
            path = f"{prefix}{MASK}{slash}{rest}"
            break
    return _UNSAFE.sub(_escape, path)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    principal = g.get("principal")
    logger.info(
        "%s %s %s %.1fms rid=%s user=%s",
        request.method,
        loggable_path(request.path, current_app.extensions.get(_SECRET_PREFIXES, [])),
        response.status_code,
        elapsed_ms,
        request_id,
        f"{principal.kind}:{principal.id}" if principal else "-",
    )
    return response


def init_app(app: Flask) -> None:
    level = app.config.get("LOG_LEVEL", "INFO")
    root = logging.getLogger("health_points")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    # The dev server's own access log prints query strings; ours replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.before_request(_start)
    app.after_request(_finish)
