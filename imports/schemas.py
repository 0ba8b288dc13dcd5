"""What the import endpoints take and give."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from core.api import CenterRefSchema, LocalDateTime, PageArgsSchema, id_field, page_schema
from imports.models import KINDS, STATUSES


class ImportCreateSchema(ma.Schema):
    """The form beside the file."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    center_id = id_field(
        load_default=None,
        metadata={"description": "Default: your center (a district manager names one)"},
    )
    dry_run = ma.fields.Boolean(
        required=True, metadata={"description": "Check and count only; write nothing"}
    )
    all_or_nothing = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Import nothing unless every row is valid (`import_invalid`)"},
    )


class ImportFileSchema(ma.Schema):
    file = Upload(
        required=True,
        metadata={"description": ".xlsx, or .csv in UTF-8 or GBK, with Chinese headers"},
    )


class ImportProblemSchema(ma.Schema):
    row = ma.fields.Integer(
        required=True, metadata={"description": "As the spreadsheet numbers it"}
    )
    column = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Its header; null: the row"}
    )
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ImportBatchSchema(ma.Schema):
    """A batch: what was brought in, by whom, and what came of it (so far, while running)."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    center_id = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)
    staff_id = ma.fields.Integer(required=True)
    staff_name = ma.fields.String(required=True, metadata={"description": "Who brought it in"})
    created_at = LocalDateTime(required=True)
    file_name = ma.fields.String(required=True)
    file_sha256 = ma.fields.String(required=True)
    dry_run = ma.fields.Boolean(required=True)
    all_or_nothing = ma.fields.Boolean(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    rows = ma.fields.Integer(required=True, metadata={"description": "Data rows in the file"})
    processed = ma.fields.Integer(
        required=True, metadata={"description": "Rows applied so far (progress)"}
    )
    created = ma.fields.Integer(
        required=True, metadata={"description": "Rows that made something new (would)"}
    )
    skipped = ma.fields.Integer(
        required=True, metadata={"description": "Rows already there, or repeats"}
    )
    invalid = ma.fields.Integer(required=True, metadata={"description": "Rows with problems"})
    residents_created = ma.fields.Integer(required=True)
    events_created = ma.fields.Integer(required=True)
    finished_at = LocalDateTime(required=True, allow_none=True)
    failure = ma.fields.String(required=True, allow_none=True)
    undone_at = LocalDateTime(required=True, allow_none=True)
    errors = ma.fields.List(
        ma.fields.Nested(ImportProblemSchema),
        required=True,
        metadata={"description": "The first 1000 problems, by row and column"},
    )


class ImportQueryArgsSchema(PageArgsSchema):
    center_id = id_field(load_default=None)


class ImportListItemSchema(ImportBatchSchema):
    class Meta:
        exclude = ("errors",)


ImportPageSchema = page_schema(ImportListItemSchema, "ImportPage")
