"""Undoing a batch as a whole: what it made is reversed, never deleted, except residents it
registered whom nothing refers to.

- Check-ins it recorded are annulled (they earned nothing, so nothing is paid back), and the
  events it made that nobody else attended are called off: statistics count neither again.
  That is a few statements whatever the batch's size, done in the request.
- Balances it carried over are reversed through the ledger, each once, by the runner
  (``undoing``, a chunk of accounts per transaction: one reversal is a few milliseconds,
  and 100,000 of them in a request would outlast any proxy). A resident who has spent
  them since stops the undo at their row (``import_undo_blocked``, in ``failure``): points
  are money, and taking them below zero is not an undo a manager may do in bulk. What was
  reversed stays reversed; once the balance is corrected, undoing again carries on.
- Residents it registered are removed when no record refers to them (a register imported
  by mistake); a resident something refers to stays: their annulled check-ins, a login,
  a card, a later check-in or points, or a staff member who has read their record since.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import delete, exists, select, update

from core.auth import Principal
from core.db import db
from core.errors import Conflict, DomainError
from core.i18n import _l
from events.imported import annul_recorded, call_off_unattended
from identity.audit import record_audit
from identity.models import Resident
from imports.models import ImportBatch, ImportRow, describe
from imports.service import batch_for
from imports.staging import CHUNK_ROWS
from points.service import AlreadyReversed, InsufficientPoints, reverse

#: What the resident's ledger says of a reversed balance.
REVERSAL_REASON = "撤销纸质积分结转"


class ImportUndone(DomainError):
    status, code, title = 409, "import_undone", _l("This import was undone already")


class ImportRunning(DomainError):
    status, code, title = 409, "import_running", _l("This import is still running")


class ImportUndoBlocked(DomainError):
    status, code, title = 409, "import_undo_blocked", _l("This import cannot be undone")


def undo(actor: Principal, batch_id: int, now: datetime) -> ImportBatch:
    """Undo the batch: at once (``undone``), or, for balances, ``undoing``: the caller hands
    it to ``runner.launch``, which reverses its credits and then :func:`finish` es it."""
    batch = batch_for(actor, batch_id)
    db.session.refresh(batch, with_for_update=True)
    if batch.status == "undone":
        raise ImportUndone()
    if batch.dry_run:
        raise Conflict(_l("A dry run wrote nothing to undo."))
    if batch.status == "running" or (batch.status == "undoing" and batch.failure is None):
        raise ImportRunning(_l("Undo it once it has finished."))
    if batch.kind == "balances":
        if batch.status != "undoing":  # else: carry on where it stopped
            batch.status, batch.processed = "undoing", 0
        batch.failure, batch.undone_by_id = None, actor.id
        db.session.flush()
        return batch
    if batch.kind == "attendance":
        reason = f"撤销导入 #{batch.id}"
        for chunk in _made(batch.id):
            annul_recorded([made_id for _, made_id in chunk], actor.id, reason, now)
        events = db.session.scalars(
            select(ImportRow.event_id)
            .where(ImportRow.batch_id == batch.id, ImportRow.made_event)
            .distinct()
        ).all()
        call_off_unattended(list(events), now)
    finish(batch, actor, now)
    return batch


def reverse_chunk(batch: ImportBatch, actor: Principal, after: int, limit: int) -> int | None:
    """Reverse the credits of the batch's next rows after row ``after`` (up to ``limit``
    rows, in the file's order), moving ``processed`` on; returns the last row handled (None:
    none left). A credit reversed already (by an undo that stopped, or by hand) is passed."""
    rows = db.session.execute(
        select(ImportRow.row, ImportRow.made_id, ImportRow.outcome)
        .where(ImportRow.batch_id == batch.id, ImportRow.row > after)
        .order_by(ImportRow.row)
        .limit(limit)
    ).all()
    if not rows:
        return None
    for row, transaction_id, outcome in rows:
        if outcome == "created" and transaction_id is not None:
            _reverse(row, transaction_id, actor)
    batch.processed += len(rows)
    return int(rows[-1].row)


def resumed_after(batch: ImportBatch) -> int:
    """The last row an undo that stopped had handled (0: none): it carries on after it."""
    if not batch.processed:
        return 0
    return int(
        db.session.scalar(
            select(ImportRow.row)
            .where(ImportRow.batch_id == batch.id)
            .order_by(ImportRow.row)
            .offset(batch.processed - 1)
            .limit(1)
        )
        or 0
    )


def finish(batch: ImportBatch, actor: Principal, now: datetime) -> None:
    """What ends every undo: the residents it registered that nothing refers to removed,
    the batch ``undone`` and audited."""
    removed = _remove_residents(batch.id)
    batch.status, batch.undone_at, batch.undone_by_id = "undone", now, actor.id
    batch.processed, batch.failure = batch.rows, None
    record_audit(actor, "import.undo", None, f"{describe(batch)} residents_removed={removed}")
    db.session.flush()


def _made(batch_id: int) -> Iterator[list[tuple[int, int]]]:
    """``(row, what it made)`` of each row that made a check-in or a ledger transaction, a
    chunk at a time (a batch may have made 100,000)."""
    after = 0
    while chunk := db.session.execute(
        select(ImportRow.row, ImportRow.made_id)
        .where(
            ImportRow.batch_id == batch_id,
            ImportRow.row > after,
            ImportRow.outcome == "created",
            ImportRow.made_id.is_not(None),
        )
        .order_by(ImportRow.row)
        .limit(CHUNK_ROWS)
    ).all():
        after = chunk[-1][0]
        yield [(row, made_id) for row, made_id in chunk]


def _reverse(row: int, transaction_id: int, actor: Principal) -> None:
    try:
        reverse(transaction_id, REVERSAL_REASON, actor)
    except AlreadyReversed:
        pass  # a manager reversed this line by hand already
    except InsufficientPoints:
        raise ImportUndoBlocked(
            _l(
                "The resident of row %(row)d has spent some of these points; "
                "correct their balance by hand, then undo again.",
                row=row,
            ),
            extensions={"row": row},
        ) from None


def _remove_residents(batch_id: int) -> int:
    """Remove the residents the batch registered that no record refers to; returns how many.

    "No record" is read from the schema: every foreign key onto a resident, in any package
    (the batch's own rows name them by id only, and forget them)."""
    resident_ids = Resident.__table__.c.id
    unreferenced = [
        ~exists().where(key.parent == Resident.id)
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column is resident_ids
    ]
    made = select(ImportRow.resident_id).where(
        ImportRow.batch_id == batch_id, ImportRow.made_resident
    )
    removable = db.session.scalars(
        select(Resident.id).where(Resident.id.in_(made), *unreferenced)
    ).all()
    for chunk in _chunks(list(removable)):
        db.session.execute(
            update(ImportRow)
            .where(ImportRow.batch_id == batch_id, ImportRow.resident_id.in_(chunk))
            .values(resident_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(Resident)
            .where(Resident.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    return len(removable)


def _chunks(values: list[int]) -> list[list[int]]:
    return [values[i : i + CHUNK_ROWS] for i in range(0, len(values), CHUNK_ROWS)]
