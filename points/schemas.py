"""What the points endpoints accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api import LocalDateTime, id_field, page_schema
from points.models import KINDS

_cap = validate.Range(min=1, max=100_000)


class LedgerSourceSchema(ma.Schema):
    """What moved the points, named so a screen needs no other call."""

    type = ma.fields.String(
        required=True,
        metadata={
            "description": "`checkin`, `redemption`, `reversal`, `adjustment`, `lot`, `merge` "
            "(points that moved when two records of one person were joined)..."
        },
    )
    id = ma.fields.String(required=True, allow_none=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    title = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The event's title (a check-in) or the gift's name (a redemption, "
            "a reservation picked up, a refund); a reversal is named after what it undid; "
            "null for adjustments and expiry"
        },
    )
    event_id = ma.fields.Integer(required=True, allow_none=True)
    item_id = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "The gift (catalog item)"}
    )


class LedgerEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    delta = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    reason = ma.fields.String(required=True)
    balance_after = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    source = ma.fields.Nested(LedgerSourceSchema, required=True)


LedgerPageSchema = page_schema(LedgerEntrySchema, "LedgerPage")


class ExpiringSchema(ma.Schema):
    points = ma.fields.Integer(required=True)
    on = ma.fields.String(
        required=True, metadata={"description": "The last day (YYYY-MM-DD) they can be used"}
    )


class AdjustmentCreateSchema(ma.Schema):
    points = ma.fields.Integer(
        required=True,
        strict=True,
        validate=[
            validate.Range(min=-100_000, max=100_000),
            validate.NoneOf([0], error="An adjustment moves points."),
        ],
    )
    reason = ma.fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={"description": "Shown to the resident in their ledger"},
    )


class MovementSchema(ma.Schema):
    """A :class:`points.service.Movement`: the transaction, the points it moved, the balance."""

    transaction_id = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True, attribute="amount")
    balance = ma.fields.Integer(required=True)


class RuleSchema(ma.Schema):
    activity = ma.fields.String(required=True)
    points = ma.fields.Integer(required=True)
    daily_cap = ma.fields.Integer(required=True, allow_none=True)
    monthly_cap = ma.fields.Integer(required=True, allow_none=True)
    origin = ma.fields.String(
        required=True, validate=validate.OneOf(("center", "district", "default"))
    )
    center_id = ma.fields.Integer(required=True, allow_none=True)


class RuleQueryArgsSchema(ma.Schema):
    center_id = id_field(
        load_default=None, metadata={"description": "Default: your own center (district: none)"}
    )


class RuleUpdateSchema(ma.Schema):
    center_id = id_field(
        load_default=None, allow_none=True, metadata={"description": "null: the district default"}
    )
    points = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000))
    daily_cap = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=_cap)
    monthly_cap = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=_cap)
