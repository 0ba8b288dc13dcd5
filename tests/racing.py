"""Real threads against the database, for the concurrency tests: released together, or one
holding its locks while another waits for them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask
from sqlalchemy import text

from core.db import db

T = TypeVar("T")


def race(app: Flask, threads: int, work: Callable[[int], T]) -> list[T | Exception]:
    """Run ``work(i)`` in ``threads`` threads released together, each in its own transaction."""
    barrier = threading.Barrier(threads)

    def one(i: int) -> T | Exception:
        with app.app_context():
            db.session.connection()  # hold a connection before the start line
            barrier.wait()
            try:
                result = work(i)
                db.session.commit()
                return result
            except Exception as error:  # the race reports refusals as results
                db.session.rollback()
                return error

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(threads)))


def while_held(
    app: Flask,
    hold: Callable[[], object],
    then: Callable[[], T],
    finish: Callable[[], object] = lambda: None,
) -> T:
    """``hold()`` in a thread's transaction, left open; meanwhile ``then()`` here, which
    waits for a lock ``hold`` took. Once the thread sees a request waiting for a lock, it runs
    ``finish()`` and commits (re-raising here what failed there); ``then``'s answer is
    returned."""
    held = threading.Event()

    def holder() -> None:
        with app.app_context():
            try:
                hold()
                held.set()
                _until_someone_waits_for_a_lock()
                finish()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                held.set()

    with ThreadPoolExecutor(max_workers=1) as pool:
        holding = pool.submit(holder)
        assert held.wait(30)
        answer = then()
        holding.result(timeout=30)
    return answer


def _until_someone_waits_for_a_lock(seconds: float = 10) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + seconds
    while not db.session.scalar(waiting) and time.monotonic() < deadline:
        time.sleep(0.02)
