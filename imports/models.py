"""Import batches: who brought which file in and what came of it, its problems by row and
column, and each row as read, matched and applied.

A batch's rows are staged here first (read, checked, matched to residents), then applied in
chunks, each in its own transaction; a row knows what it made (a resident, an event, a
check-in or a ledger transaction), so a batch can be resumed where it stopped and undone
exactly. Once a batch is applied, the names and numbers its rows carried are blanked (the
residents' records hold them); a dry run's rows are held an hour, for its confirmation,
then dropped; the file itself is never kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

KINDS = ("residents", "attendance", "balances")
#: ``checked``: a dry run, done; ``running``: being applied; ``done``; ``failed`` (see
#: ``failure``; ``flask imports resume`` carries on); ``undoing``: balances being reversed
#: in the background (stopped where ``failure`` says; undo again to carry on); ``undone``.
STATUSES = ("checked", "running", "done", "failed", "undoing", "undone")
#: What a row came to: it made something new, it made nothing (there already, or a repeat
#: of an earlier row), or it could not be used (the batch's problems say why).
OUTCOMES = ("created", "skipped", "invalid")


class ImportBatch(db.Model):
    """One file brought in by a manager for a center: checked only (a dry run) or applied."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        Index("ix_import_batches_center_id", "center_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the file as uploaded (hex): which file this was, without keeping it.
    file_sha256: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool]
    #: Write nothing unless every row is valid.
    all_or_nothing: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(12))
    #: Data rows in the file (the header and blank lines not counted).
    rows: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Rows applied so far: the progress of a running batch (``rows`` when done).
    processed: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Rows that made something new (would, in a dry run), made nothing, or were unusable.
    created: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    skipped: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    invalid: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: New residents and events it made (would make), besides what its rows count.
    residents_created: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    events_created: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why a batch failed while applying (for staff; its rows so far stay applied).
    failure: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ImportProblem(db.Model):
    """Why a row (or the file) cannot be used, by row and column: a code, said in words when
    read (in the reader's language)."""

    __tablename__ = "import_problems"
    __table_args__ = (Index("ix_import_problems_batch_id", "batch_id", "row", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    #: The spreadsheet's row number, as Excel shows it.
    row: Mapped[int]
    #: The column's header (``手机号``); null for the row as a whole.
    column: Mapped[str | None] = mapped_column(String(20))
    #: ``bad_phone``, ``unknown_kind``, ``future_date``, ``ambiguous_resident``...
    code: Mapped[str] = mapped_column(String(24))
    #: A number the message needs (how many residents a name matches, a length).
    count: Mapped[int | None]


class ImportRow(db.Model):
    """A row of a batch: what it said (blanked once applied), whom and what it matched, and
    what it made."""

    __tablename__ = "import_rows"
    #: Matching and applying update every row a few times over: room on each page lets
    #: PostgreSQL rewrite a row in place (no index names what changes) rather than anew.
    __table_args__ = (
        CheckConstraint(f"outcome IN {OUTCOMES!r}", name="outcome"),
        #: A running batch's next chunk: its rows not yet applied, in order.
        Index(
            "ix_import_rows_pending",
            "batch_id",
            "row",
            postgresql_where=text("outcome IS NULL"),
        ),
        {"postgresql_with": {"fillfactor": 50}},
    )

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), primary_key=True)
    row: Mapped[int] = mapped_column(primary_key=True)
    #: Whom the row names: ``p:<phone>``, or ``n:<name>`` for a row without a phone.
    who: Mapped[str | None] = mapped_column(String(80))
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    #: Attendance: the day, the activity's title and kind (``lecture``...).
    day: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(16))
    #: Balances: the points and the reason the resident reads.
    points: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))
    #: Balances: the line's key, the ledger source's id (the same line of the same resident
    #: again has the same key, so it credits once).
    source_key: Mapped[str | None] = mapped_column(String(64))
    #: Not a foreign key, nor ``event_id``: set only from rows just found or made, and
    #: checking 100,000 of them row by row would cost the import more than all else.
    resident_id: Mapped[int | None]
    #: The batch made the resident (undo may remove them).
    made_resident: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    event_id: Mapped[int | None]
    #: The batch made the event (undo calls it off if nobody else attended).
    made_event: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: What the row made: a check-in's id (attendance) or a ledger transaction's (balances).
    made_id: Mapped[int | None]
    #: Null until applied (or counted, in a dry run).
    outcome: Mapped[str | None] = mapped_column(String(8))


def describe(batch: ImportBatch) -> str:
    """The audit trail's words for a batch: which, what, from which file, what it made."""
    return (
        f"batch={batch.id} kind={batch.kind} center={batch.center_id} "
        f"sha256={batch.file_sha256[:16]} rows={batch.rows} created={batch.created} "
        f"skipped={batch.skipped} invalid={batch.invalid}"
    )[:255]
