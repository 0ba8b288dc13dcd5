"""Imports (``/console/imports``, managers): bring a center's paper years in from a sheet.

A file is always checked first (a dry run: its problems by row and column, and what it would
make, writing nothing); confirming the check imports the rows it held without asking for the
file again, and the page follows the batch's progress until it is done. A finished import can
be undone as a whole. The same services as ``/api/v1/imports``: ``start_import``,
``confirm_import`` (then ``runner.launch``), ``report`` and ``undo``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from console.plumbing import (
    Area,
    console_blueprint,
    done_once,
    form_args,
    is_htmx,
    render_refusal_in,
    roles_required,
    takes_upload,
)
from core.auth import current_principal
from core.db import prepare_report_transaction, utcnow
from core.errors import DomainError, ValidationFailed
from core.exports import Table, xlsx_download
from core.i18n import _, _l
from core.localtime import district_minute, district_zone
from identity.service import list_centers
from imports import runner, service, undo
from imports.models import ImportBatch
from imports.rows import COLUMNS, EXAMPLES
from imports.schemas import ImportCreateSchema, ImportQueryArgsSchema

#: Imports are the manager's (``POST /api/v1/imports``): a center's, or the district's.
IMPORTERS = ("manager",)
bp = console_blueprint("imports", "/imports")
AREA = Area(_l("Imports"), "console_imports.index", IMPORTERS)
# Like the API's: checking a file runs statements over all of it.
bp.before_request(prepare_report_transaction)

#: Past imports on a page of the list.
PAGE_SIZE = 20
#: Problems a download holds at most: a sheet with more is the wrong sheet, not a few typos.
PROBLEMS_DOWNLOADED = 10_000
#: What the page's list listens for to reload itself after an import changed.
CHANGED = "imports-changed"
KIND_WORDS = {
    "residents": _l("Residents"),
    "attendance": _l("Attendance sign-ins"),
    "balances": _l("Points balances"),
}
STATUS_WORDS = {
    "checked": _l("Checked (dry run)"),
    "running": _l("Importing"),
    "done": _l("Imported"),
    "failed": _l("Stopped"),
    "undoing": _l("Undoing"),
    "undone": _l("Undone"),
}
assert set(KIND_WORDS) == set(COLUMNS)

_CHECK = ImportCreateSchema()
_LIST = ImportQueryArgsSchema()


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "kind_words": KIND_WORDS,
        "status_words": STATUS_WORDS,
        "columns": COLUMNS,
        "minute": district_minute,
        "problems_shown": service.PROBLEMS_SHOWN,
    }


@bp.get("")
@roles_required(*IMPORTERS)
def index() -> str:
    """The form to check a file, and the center's imports, newest first (a district
    manager's: every center's, or one's)."""
    actor = current_principal()
    args = form_args(_LIST, {k: v for k, v in request.args.items() if v.strip()})
    listed = service.batches_page(actor, args["center_id"], PAGE_SIZE, args["cursor"])
    cursor = listed["next_cursor"]
    return render_template(
        "console/imports/index.html",
        listed=listed,
        more=url_for(".index", **{**request.args.to_dict(), "cursor": cursor}) if cursor else None,
        center_id=args["center_id"],
        centers=list_centers() if actor.is_district_wide else [],
    )


@bp.post("")
@takes_upload("MAX_IMPORT_BYTES")
@roles_required(*IMPORTERS)
def check() -> Any:
    """Check a file (a dry run): its problems and what it would make, nothing written but
    the check, whose rows are held for :func:`confirm`. A refusal (an unreadable file,
    missing columns) is shown under the form."""
    actor = current_principal()
    try:
        form = {key: value for key, value in request.form.items() if key != "csrf_token"}
        form = {key: value.strip() for key, value in form.items() if value.strip()}
        args = form_args(_CHECK, {**form, "dry_run": "true"})
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed(_l("Choose a file."), errors={"file": [_l("Choose a file.")]})
        batch = service.start_import(
            actor,
            kind=args["kind"],
            center_id=args["center_id"],
            stream=upload.stream,
            file_name=upload.filename,
            dry_run=True,
            all_or_nothing=args["all_or_nothing"],
            now=utcnow(),
            tz=district_zone(),
        )
    except DomainError as refusal:
        return render_refusal_in(refusal, "#import-result")
    return _show(batch)


@bp.get("/<id:batch_id>")
@roles_required(*IMPORTERS)
def show(batch_id: int) -> str:
    batch = service.batch_for(current_principal(), batch_id)
    return render_template("console/imports/show.html", **_batch_view(batch))


@bp.get("/<id:batch_id>/progress")
@roles_required(*IMPORTERS)
def progress(batch_id: int) -> Any:
    """A running batch's progress bar, polled by itself (``GET /api/v1/imports/{id}``'s
    figures); once the batch has finished, the whole batch in its place."""
    batch = service.batch_for(current_principal(), batch_id)
    if batch.status == "running" or (batch.status == "undoing" and not batch.failure):
        return render_template("console/imports/_progress.html", batch=batch)
    body = render_template("console/imports/_batch.html", **_batch_view(batch))
    return (
        body,
        200,
        {
            "HX-Retarget": f"#batch-{batch.id}",
            "HX-Reswap": "outerHTML",
            "HX-Trigger": CHANGED,
        },
    )


@bp.post("/<id:batch_id>/confirm")
@done_once
@roles_required(*IMPORTERS)
def confirm(batch_id: int) -> Any:
    """Import the rows a check held (the same file, kind and center); the page then follows
    the new batch's progress in the check's place."""
    actor = current_principal()
    try:
        batch = service.confirm_import(actor, batch_id, utcnow())
    except DomainError as refusal:
        return render_refusal_in(refusal, f"#batch-result-{batch_id}")
    runner.launch(batch.id, actor)
    return _show(batch)


@bp.post("/<id:batch_id>/undo")
@done_once
@roles_required(*IMPORTERS)
def undo_batch(batch_id: int) -> Any:
    """Undo a finished import as a whole (balances: in the background, followed like an
    import's progress); a refusal (still running) is shown in the batch's result box, in
    words, and an undo stopped by points spent since in the batch's failure."""
    actor = current_principal()
    try:
        batch = undo.undo(actor, batch_id, utcnow())
    except DomainError as refusal:
        return render_refusal_in(refusal, f"#batch-result-{batch_id}")
    if batch.status == "undoing":
        runner.launch(batch.id, actor)
    return _show(batch, undone=batch.status == "undone")


@bp.get("/<id:batch_id>/problems.xlsx")
@roles_required(*IMPORTERS)
def problems(batch_id: int) -> Response:
    """The batch's problems as a workbook, row by row, to correct the sheet by."""
    batch = service.batch_for(current_principal(), batch_id)
    whole_row = _("Whole row")
    rows = [
        (problem["row"], problem["column"] or whole_row, problem["message"])
        for problem in service.problems_of(batch.id, PROBLEMS_DOWNLOADED)
    ]
    table = Table(_("Problems"), [_("Row"), _("Column"), _("Problem")], rows)
    return xlsx_download([table], f"import-{batch.id}-problems.xlsx", district_zone())


@bp.get("/templates/<any(residents, attendance, balances):kind>.xlsx")
@roles_required(*IMPORTERS)
def template(kind: str) -> Response:
    """A sheet to fill in: the kind's Chinese headers (the required ones first) and a row
    showing how each column is written."""
    required, optional = COLUMNS[kind]
    table = Table(str(KIND_WORDS[kind]), [*required, *optional], [EXAMPLES[kind]])
    return xlsx_download([table], f"import-template-{kind}.xlsx", district_zone())


def _batch_view(batch: ImportBatch, **extra: Any) -> dict[str, Any]:
    """What the batch's part of the page shows: its report (the API's answer) and whether
    its check can still be imported."""
    return {
        "batch": service.report(batch),
        "confirmable": service.held_for_confirmation(batch, utcnow()),
        **extra,
    }


def _show(batch: ImportBatch, **extra: Any) -> Any:
    """After a check, a confirmation or an undo: the batch in the page (htmx; the list below
    reloads), or its own page."""
    if not is_htmx():
        return redirect(url_for(".show", batch_id=batch.id), 303)
    body = render_template("console/imports/_batch.html", **_batch_view(batch, **extra))
    return body, 200, {"HX-Trigger": CHANGED}
