"""Importing a center's paper years (managers): residents, attendance and balances."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import Blueprint
from core.auth import auth_required, current_principal
from core.db import prepare_report_transaction, utcnow
from core.idempotency import idempotent
from core.localtime import district_zone
from core.requestbody import body_limit
from imports import runner, service, undo
from imports.schemas import (
    ImportBatchSchema,
    ImportCreateSchema,
    ImportFileSchema,
    ImportPageSchema,
    ImportQueryArgsSchema,
)

blp = Blueprint(
    "imports", __name__, url_prefix="/api/v1/imports", description="Importing paper records"
)
blueprints = (blp,)

# An import's statements run over whole files, like a report's over whole years.
blp.before_request(prepare_report_transaction)


@blp.route("")
class Imports(MethodView):
    @blp.response(200, ImportPageSchema)
    @auth_required("manager")
    @blp.arguments(ImportQueryArgsSchema, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The center's imports, newest first (a district manager's: every center's)."""
        return service.batches_page(
            current_principal(), args["center_id"], args["limit"], args["cursor"]
        )

    # The limit first: the key's check reads the file (its digest is part of the request).
    @body_limit("MAX_IMPORT_BYTES")
    @idempotent
    @blp.response(201, ImportBatchSchema)
    @auth_required("manager")
    @blp.arguments(ImportCreateSchema, location="form")
    @blp.arguments(ImportFileSchema, location="files")
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        """Import a sheet (`.xlsx`, or `.csv` in UTF-8 or GBK) of residents, attendance or
        balances. A dry run answers what it would do, row by row, and writes nothing (its
        rows are held an hour, for `POST /api/v1/imports/{id}/confirm`); a real run answers
        `running` with its counts so far (`processed` of `rows`) and applies the rows in the
        background: clients poll `GET /api/v1/imports/{id}` until `done` (or `failed`).
        Rows already imported make nothing again. `Idempotency-Key` is honoured (balances
        move points): the same key with the same form and file replays the first answer
        (that batch, as it was answered), with another file `idempotency_key_reused`.
        Refusals: `unsupported_file`, `missing_columns`, `payload_too_large`,
        `import_invalid` (`all_or_nothing` and some rows have problems)."""
        actor = current_principal()
        upload = files["file"]
        batch = service.start_import(
            actor,
            kind=form["kind"],
            center_id=form["center_id"],
            stream=upload.stream,
            file_name=upload.filename or "",
            dry_run=form["dry_run"],
            all_or_nothing=form["all_or_nothing"],
            now=utcnow(),
            tz=district_zone(),
        )
        if batch.status == "running":
            runner.launch(batch.id, actor)
        return service.report(batch)


@blp.get("/<id:batch_id>")
@blp.response(200, ImportBatchSchema)
@auth_required("manager")
def get_import(batch_id: int) -> dict[str, Any]:
    """A batch: its counts, progress while it runs, and its problems by row and column."""
    return service.report(service.batch_for(current_principal(), batch_id))


@blp.post("/<id:batch_id>/confirm")
@idempotent
@blp.response(201, ImportBatchSchema)
@auth_required("manager")
def confirm_import(batch_id: int) -> dict[str, Any]:
    """Import what a dry run checked without sending the file again: a real run of its rows
    (same kind, center, file and `all_or_nothing`), answering `running` like
    `POST /api/v1/imports`. A dry run's rows are held for an hour and imported once; after
    that, `import_expired`. `import_invalid` where the dry run was `all_or_nothing` and
    found problems. `Idempotency-Key` is honoured: a retry with the key replays the first
    answer."""
    actor = current_principal()
    batch = service.confirm_import(actor, batch_id, utcnow())
    runner.launch(batch.id, actor)
    return service.report(batch)


@blp.post("/<id:batch_id>/undo")
@idempotent
@blp.response(200, ImportBatchSchema)
@auth_required("manager")
def undo_import(batch_id: int) -> dict[str, Any]:
    """Undo a batch as a whole: its check-ins annulled, its balances reversed, the residents
    it registered removed where nothing refers to them (`import_undone` the second time,
    `import_running` while it runs or is being undone). Residents and attendance answer
    `undone`; balances answer `undoing` and are reversed in the background: poll
    `GET /api/v1/imports/{id}` (`processed` of `rows`) until `undone`. Where a resident has
    spent the points, it stops there, still `undoing`, with `failure` starting
    `import_undo_blocked` and naming the row: correct their balance, then undo again to
    carry on (what was reversed stays reversed). `Idempotency-Key` is honoured: a retry
    with the key replays the first answer rather than `import_undone`."""
    actor = current_principal()
    batch = undo.undo(actor, batch_id, utcnow())
    if batch.status == "undoing":
        runner.launch(batch.id, actor)
    return service.report(batch)
