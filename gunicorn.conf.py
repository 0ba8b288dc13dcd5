"""gunicorn's settings, read from the working directory: ``gunicorn "app:create_app()"``.

Options on the command line (``--workers``, ``--bind``) override these.
"""

import multiprocessing
import os

from core.config import from_environment

_config = from_environment(os.environ)
_longest_statement_s = (
    max(_config["DB_STATEMENT_TIMEOUT_MS"], _config["DB_REPORT_STATEMENT_TIMEOUT_MS"]) / 1000
)

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# Well above the database's timeouts: PostgreSQL cancels a stuck statement and the request
# answers 503 with Retry-After long before gunicorn would kill the worker (an HTML 500).
timeout = max(30, int(4 * _longest_statement_s))
graceful_timeout = 30
