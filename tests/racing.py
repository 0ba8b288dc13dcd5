"""Real threads released together against the database, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask

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
