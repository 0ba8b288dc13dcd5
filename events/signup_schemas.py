"""What the sign-up endpoints (报名) return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api import LocalDateTime, page_schema
from events.schemas import EventSchema
from events.signups import STATUSES


class SignupSchema(ma.Schema):
    """A resident's sign-up, with its event as event lists show it."""

    id = ma.fields.Integer(required=True)
    event = ma.fields.Nested(EventSchema, required=True)
    created_at = LocalDateTime(required=True)
    status = ma.fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "`signed_up` (holds a place) or `cancelled`"},
    )


SignupPageSchema = page_schema(SignupSchema, "SignupPage")


class SigneeSchema(ma.Schema):
    """Someone holding a place at an event, as staff see them."""

    id = ma.fields.Integer(required=True, metadata={"description": "The sign-up's id"})
    resident_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)
    created_at = LocalDateTime(required=True)
    checked_in = ma.fields.Boolean(
        required=True, metadata={"description": "Holds a valid (not annulled) check-in"}
    )


SigneePageSchema = page_schema(SigneeSchema, "SigneePage")
