"""Applying a real run's rows after the request that checked them, a chunk at a time.

Why a thread and not the request: 100,000 rows take tens of seconds, past any proxy's
patience and the request's statement timeout. Why not a queue: the house runs no broker,
and needs none for this: the rows are staged and keyed, so a batch is its own job. The
request that checks a file starts a thread of its own app context once its work is
committed; each chunk is a transaction that locks the batch row (one runner per batch),
applies up to ``staging.CHUNK_ROWS`` pending rows and moves ``processed`` on, so
``GET /api/v1/imports/{id}`` reads the progress while it runs. If the process dies
mid-batch, the batch stays ``running`` and ``flask imports resume`` carries on where it
stopped: what was applied stays, and keyed rows are never made twice. ``IMPORTS_INLINE``
(tests) applies the rows in the request's own thread, once its response is ready.

Undoing a batch of balances (``undoing``) runs here the same way, a chunk of accounts per
transaction, the batch's ``processed`` counting the rows undone (:mod:`imports.undo`).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from flask import Flask, current_app
from sqlalchemy import case, select, update

from core.auth import Principal
from core.db import after_commit, db, lift_timeouts, utcnow
from core.errors import DomainError
from core.localtime import zone_of
from identity.audit import record_audit
from identity.models import Staff
from imports import applying, staging, undo
from imports.models import ImportBatch, describe
from points.expiry import PointsSettings

log = logging.getLogger(__name__)


def launch(batch_id: int, actor: Principal) -> None:
    """Apply the batch (``running``), or undo it (``undoing``), once the request that
    staged it, or started its undo, has committed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["IMPORTS_INLINE"]:
        after_commit(lambda: run(app, batch_id, actor))
    else:
        thread = threading.Thread(
            target=run, args=(app, batch_id, actor), name=f"import-{batch_id}", daemon=True
        )
        after_commit(thread.start)


def run(app: Flask, batch_id: int, actor: Principal) -> None:
    """Apply a running batch, or undo an undoing one, to the end, in its own app context and
    transactions; a failure is recorded on the batch (``failed``; an undo stays ``undoing``,
    its ``failure`` saying why), never raised."""
    with app.app_context():
        try:
            batch = _locked(batch_id)
            if batch is not None and batch.status == "undoing":
                _undo(batch_id, actor)
            elif batch is not None:
                _apply(batch_id, actor, PointsSettings.from_config(app.config), app)
        except Exception as error:
            db.session.rollback()
            lift_timeouts()
            batch = db.session.get(ImportBatch, batch_id, with_for_update=True)
            if isinstance(error, DomainError):
                failure = f"{error.code}: {error.detail}"
            else:
                log.exception("import batch %s failed", batch_id)
                failure = f"{type(error).__name__}: {error}"
            if batch is not None and batch.status in ("running", "undoing"):
                batch.failure = failure[:200]
                if batch.status == "running":
                    batch.status = "failed"
            db.session.commit()
        finally:
            db.session.remove()


def _apply(batch_id: int, actor: Principal, settings: PointsSettings, app: Flask) -> None:
    tz = zone_of(app.config)
    batch = _locked(batch_id, "running")
    if batch is None:
        return
    applying.prepare(batch, tz, utcnow())
    _count(batch)
    db.session.commit()
    while (batch := _locked(batch_id, "running")) is not None:
        outcomes = applying.apply_chunk(batch, actor, settings, utcnow())
        if outcomes:
            _tally(batch, outcomes)
        else:
            _count(batch)
            batch.status, batch.finished_at = "done", utcnow()
            staging.blank(batch.id)
            record_audit(actor, "import.done", None, describe(batch))
        db.session.commit()


def _undo(batch_id: int, actor: Principal) -> None:
    """Reverse an undoing batch's credits a chunk of accounts at a time, then finish it."""
    after: int | None = None
    while (batch := _locked(batch_id, "undoing")) is not None:
        if after is None:
            after = undo.resumed_after(batch)
        after = undo.reverse_chunk(batch, actor, after, applying.ACCOUNTS_AT_ONCE)
        if after is None:
            undo.finish(batch, actor, utcnow())
        db.session.commit()


def _locked(batch_id: int, status: str | None = None) -> ImportBatch | None:
    """The batch, locked for this transaction, if it is still to be applied (or undone;
    or, given ``status``, in that one). Each of the runner's transactions starts here, and
    is a job's, not a request's: it waits for the batch and for the center's turn however
    long another import holds them (under a request's lock timeout the second import at a
    center failed after two seconds)."""
    lift_timeouts()
    wanted = (status,) if status else ("running", "undoing")
    batch = db.session.scalar(
        select(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status.in_(wanted))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return batch


def _tally(batch: ImportBatch, outcomes: Counter[str]) -> None:
    """Add a chunk's outcomes to the batch's counts: counting all its rows again after each
    chunk would read the whole batch as often as it has chunks."""
    batch.processed += outcomes.total()
    batch.created += outcomes["created"]
    batch.skipped += outcomes["skipped"]
    batch.invalid += outcomes["invalid"]


def _count(batch: ImportBatch) -> None:
    """Count the batch's rows by outcome, all of them: after its preparation (which sets
    repeats aside) and once it is applied."""
    counts = staging.outcomes(batch.id)
    batch.processed = batch.rows - counts[None]
    batch.created, batch.skipped, batch.invalid = (
        counts["created"],
        counts["skipped"],
        counts["invalid"],
    )


def resume(app: Flask) -> list[int]:
    """Carry on every batch left ``running`` or ``failed`` (after a crash, or once what made
    it fail is mended), as the staff member who started it, and every undo left ``undoing``,
    as the one who started that; returns their ids. A batch is taken up in the one
    statement that checks it is still to be carried on: one undone meanwhile (an undo may
    take a failed batch) is never revived."""
    undoing = ImportBatch.status == "undoing"
    taken = (
        update(ImportBatch)
        .where(
            ImportBatch.status.in_(("running", "failed", "undoing")),
            ImportBatch.dry_run.is_(False),
        )
        .values(status=case((undoing, "undoing"), else_="running"), failure=None)
        .returning(
            ImportBatch.id,
            case((undoing, ImportBatch.undone_by_id), else_=ImportBatch.staff_id).label("by"),
        )
        .cte("taken")
    )
    rows = db.session.execute(
        select(taken.c.id, Staff.id, Staff.role, Staff.center_id)
        .join(Staff, Staff.id == taken.c.by)
        .order_by(taken.c.id)
    ).all()
    db.session.commit()
    for batch_id, staff_id, role, center_id in rows:
        run(app, batch_id, Principal(kind="staff", id=staff_id, role=role, center_id=center_id))
    return [row[0] for row in rows]
