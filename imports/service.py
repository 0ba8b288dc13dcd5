"""Importing a file: checked and staged in the request, applied by the runner (real runs).

Managers import for their own center; a district manager names any center. A dry run stops
after counting what the file would make, and writes nothing but its record and its staged
rows, held for :data:`HOLD` so that confirming it (:func:`confirm_import`) imports them
without the file again; a real run with ``all_or_nothing`` is refused (``import_invalid``)
while any row has a problem. Each batch is recorded with who, when, the file's name and
SHA-256, and what came of it, and audited.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import _l
from core.localtime import local_date
from identity.audit import record_audit
from identity.models import Center, Staff, center_of, named_centers
from imports import applying, matching, staging
from imports.models import ImportBatch, ImportProblem, describe
from imports.rows import COLUMNS, MESSAGES
from imports.sheets import open_sheet

#: Problems a batch's answer lists; every one is stored, and counted in ``invalid``.
PROBLEMS_SHOWN = 1000
#: How long a dry run's rows are held for its confirmation: long enough to read its problems,
#: short, since they are names and numbers nobody has imported yet.
HOLD = timedelta(hours=1)


class ImportInvalid(DomainError):
    status, code, title = 422, "import_invalid", _l("Some rows cannot be imported")


class ImportExpired(DomainError):
    status, code, title = 409, "import_expired", _l("This check can no longer be imported")


def start_import(
    actor: Principal,
    *,
    kind: str,
    center_id: int | None,
    stream: IO[bytes],
    file_name: str,
    dry_run: bool,
    all_or_nothing: bool,
    now: datetime,
    tz: ZoneInfo,
) -> ImportBatch:
    """Read and check the file, and record the batch: counted (a dry run, ``checked``) or
    staged to be applied (``running``: the caller hands it to ``runner.launch``)."""
    center = _center_for(actor, center_id)
    forget_unconfirmed(now)
    digest = _sha256(stream)
    sheet = open_sheet(stream, file_name, *COLUMNS[kind])
    batch = ImportBatch(
        kind=kind,
        center_id=center,
        staff_id=actor.id,
        created_at=now,
        file_name=file_name[:200],
        file_sha256=digest,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        status="checked" if dry_run else "running",
    )
    db.session.add(batch)
    db.session.flush()
    batch.rows, batch.invalid = staging.stage(batch.id, kind, sheet, local_date(now, tz))
    batch.invalid += matching.match(batch.id, center)
    if all_or_nothing and batch.invalid and not dry_run:
        raise ImportInvalid(
            _l("%(count)d rows have problems; nothing was imported.", count=batch.invalid),
            extensions={"errors": problems_of(batch.id)},
        )
    if dry_run:
        _count(batch, tz)
        batch.processed, batch.finished_at = batch.rows, now
    record_audit(actor, "import.check" if dry_run else "import.start", None, describe(batch))
    return batch


def forget_unconfirmed(now: datetime) -> int:
    """Forget the rows of dry runs checked over :data:`HOLD` ago and not confirmed (the
    ``imports-forget-held`` job, and each import as it starts); returns how many rows."""
    return staging.forget_held(now - HOLD)


def _count(batch: ImportBatch, tz: ZoneInfo) -> None:
    """Count what a real run would make (``applying.count``) inside a savepoint, then roll
    it back: the rows stay as staged and matched, for :func:`confirm_import`."""
    savepoint = db.session.begin_nested()
    applying.count(batch, tz)
    counts = staging.outcomes(batch.id)
    made = batch.residents_created, batch.events_created
    savepoint.rollback()
    batch.residents_created, batch.events_created = made
    batch.created, batch.skipped = counts[None], counts["skipped"]


def confirm_import(actor: Principal, checked_id: int, now: datetime) -> ImportBatch:
    """Import the rows a dry run checked, without the file again: a real run of the same
    kind, center and file (``running``: the caller hands it to ``runner.launch``). Its rows
    are matched to residents anew when applied, as any real run's are. A dry run is
    imported once, within :data:`HOLD` (``import_expired``)."""
    checked = batch_for(actor, checked_id)
    db.session.refresh(checked, with_for_update=True)
    if not checked.dry_run:
        raise Conflict(_l("Only a dry run is confirmed; this import ran already."))
    if not held_for_confirmation(checked, now):
        raise ImportExpired(
            _l("It was imported already, or checked over an hour ago: choose the file again.")
        )
    if checked.all_or_nothing and checked.invalid:
        raise ImportInvalid(
            _l("%(count)d rows have problems; nothing was imported.", count=checked.invalid),
            extensions={"errors": problems_of(checked.id)},
        )
    batch = ImportBatch(
        kind=checked.kind,
        center_id=checked.center_id,
        staff_id=actor.id,
        created_at=now,
        file_name=checked.file_name,
        file_sha256=checked.file_sha256,
        dry_run=False,
        all_or_nothing=checked.all_or_nothing,
        status="running",
        rows=checked.rows,
        invalid=checked.invalid,
    )
    db.session.add(batch)
    db.session.flush()
    staging.take_over(checked.id, batch.id)
    record_audit(actor, "import.start", None, f"{describe(batch)} checked={checked.id}"[:255])
    return batch


def held_for_confirmation(batch: ImportBatch, now: datetime) -> bool:
    """Whether a dry run's rows are still held, to be imported by confirming it."""
    return batch.dry_run and batch.created_at >= now - HOLD and staging.held(batch.id)


def _center_for(actor: Principal, center_id: int | None) -> int:
    """The center to import for: a center's manager's own; a district manager's choice."""
    center_id = center_id if center_id is not None else actor.center_id
    if center_id is None:
        raise ValidationFailed(errors={"center_id": [_l("Say for which center to import.")]})
    if not actor.can_access_center(center_id) or db.session.get(Center, center_id) is None:
        raise NotFound(_l("No such center."))
    return center_id


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def batch_for(actor: Principal, batch_id: int) -> ImportBatch:
    """A batch of a center the actor manages, or 404."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or not actor.can_access_center(batch.center_id):
        raise NotFound(_l("No such import."))
    return batch


def problems_of(batch_id: int, limit: int = PROBLEMS_SHOWN) -> list[dict[str, Any]]:
    """The batch's first problems, by row and column, in the reader's language."""
    problems = db.session.scalars(
        select(ImportProblem)
        .where(ImportProblem.batch_id == batch_id)
        .order_by(ImportProblem.row, ImportProblem.id)
        .limit(limit)
    )
    return [
        {
            "row": problem.row,
            "column": problem.column,
            "code": problem.code,
            "message": str(MESSAGES[problem.code](problem.count)),
        }
        for problem in problems
    ]


def report(batch: ImportBatch) -> dict[str, Any]:
    """The batch as its answer shows it: its record, its center and its first problems."""
    return _fields(batch) | {
        "center": center_of(batch.center_id),
        "staff_name": db.session.scalar(select(Staff.name).where(Staff.id == batch.staff_id)),
        "errors": problems_of(batch.id),
    }


def _fields(batch: ImportBatch) -> dict[str, Any]:
    return {column.key: getattr(batch, column.key) for column in ImportBatch.__table__.columns}


def batches_page(
    actor: Principal, center_id: int | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The batches of the actor's center (a district manager's: all, or one center's),
    newest first."""
    stmt = (
        select(ImportBatch, Staff.name)
        .join(Staff, Staff.id == ImportBatch.staff_id)
        .order_by(ImportBatch.id.desc())
        .limit(limit + 1)
    )
    if not actor.is_district_wide:
        center_id = actor.center_id
    if center_id is not None:
        stmt = stmt.where(ImportBatch.center_id == center_id)
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(ImportBatch.id < last_id)
    result = page(list(db.session.execute(stmt)), limit, key=lambda found: (found[0].id,))
    centers = named_centers(batch.center_id for batch, _ in result["items"])
    result["items"] = [
        _fields(batch) | {"center": centers[batch.center_id], "staff_name": staff_name}
        for batch, staff_name in result["items"]
    ]
    return result
