"""One log line per request, tagged with a request id that is also sent back.

The line names the method, the path without its query string (a search may carry a phone
number), the status, the duration and who asked; never a token or a phone number.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

logger = logging.getLogger("health_points.request")

#: An incoming X-Request-ID is kept only if it cannot smuggle anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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
        request.path,
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
