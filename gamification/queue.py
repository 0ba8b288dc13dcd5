"""Gamification off the check-in's hot path: the check-in notes its resident (one keyed
upsert in its own transaction), and a worker thread in each process refreshes the noted
residents within seconds, each in a transaction of its own.

Why not in the check-in's transaction: refreshing reads the resident's whole history and
every challenge, several times the check-in's own work; a hall scanning within a minute
would wait for it. Why no broker: the notes are rows, so a crash loses nothing (``flask
gamification run`` drains what is left), and two processes share them through
``pg_try_advisory_xact_lock`` on the resident. A note is forgotten only if nothing noted
the resident again meanwhile (``noted_at`` unchanged), so a change that lands while its
resident is refreshed is looked at again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import ClassVar

from flask import Flask, current_app, has_request_context
from sqlalchemy import delete, select, text

from core.db import after_commit, db, driver_connection, utcnow
from gamification import progress
from gamification.models import PendingResident

log = logging.getLogger(__name__)

_NOTE = """
    INSERT INTO gamification_pending (resident_id, noted_at)
    VALUES (%(resident_id)s, clock_timestamp())
    ON CONFLICT (resident_id) DO UPDATE SET noted_at = EXCLUDED.noted_at
"""
#: How long the worker waits after a nudge, so a hall's check-ins are taken together.
SETTLE_SECONDS = 1.0
#: How often the worker looks even without a nudge (another process's notes).
IDLE_SECONDS = 30.0
BATCH = 200


def note(resident_id: int) -> None:
    """Note inside the caller's transaction that the resident's history changed."""
    with driver_connection() as connection:
        connection.execute(_NOTE, {"resident_id": resident_id})
    if has_request_context() and current_app.config["GAMIFICATION_WORKER"]:
        after_commit(_Worker.of(current_app._get_current_object()).nudge)  # type: ignore[attr-defined]


def drain(settings: progress.GameSettings, limit: int | None = None) -> int:
    """Refresh the noted residents (at most ``limit``), each in its own transaction, and
    commit; returns how many were refreshed. Residents another process holds are left."""
    done = 0
    while limit is None or done < limit:
        notes = db.session.execute(
            select(PendingResident.resident_id, PendingResident.noted_at)
            .order_by(PendingResident.noted_at)
            .limit(BATCH)
        ).all()
        db.session.rollback()
        refreshed = 0
        for resident_id, noted_at in notes:
            if _refresh_noted(resident_id, noted_at, settings):
                refreshed += 1
        done += refreshed
        if refreshed == 0 or len(notes) < BATCH:
            return done
    return done


def _refresh_noted(resident_id: int, noted_at: object, settings: progress.GameSettings) -> bool:
    mine = db.session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:lock_class, :resident)"),
        {"lock_class": progress.LOCK_CLASS, "resident": resident_id},
    )
    if not mine:
        db.session.rollback()
        return False
    try:
        progress.refresh(resident_id, utcnow(), settings)
        db.session.execute(
            delete(PendingResident).where(
                PendingResident.resident_id == resident_id, PendingResident.noted_at == noted_at
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not refresh resident %s; the note stays", resident_id)
        return False
    return True


class _Worker:
    """One thread per process, started by the first nudge (after a fork, in each worker)."""

    _lock = threading.Lock()
    _workers: ClassVar[dict[int, _Worker]] = {}

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gamification", daemon=True)
        self.thread.start()

    @classmethod
    def of(cls, app: Flask) -> _Worker:
        with cls._lock:
            worker = cls._workers.get(id(app))
            if worker is None or not worker.thread.is_alive():
                worker = cls._workers[id(app)] = cls(app)
            return worker

    def nudge(self) -> None:
        self.wake.set()

    def _run(self) -> None:
        settings = progress.GameSettings.from_config(self.app.config)
        while True:
            if self.wake.wait(IDLE_SECONDS):
                time.sleep(SETTLE_SECONDS)
            self.wake.clear()
            with self.app.app_context():
                try:
                    drain(settings)
                except Exception:
                    log.exception("gamification worker")
                finally:
                    db.session.remove()
