"""What the endpoints for staff accounts, centers and the audit trail accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api import LocalDateTime, PageArgsSchema, day_field, id_field, page_schema
from core.auth import Role


class CenterSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True, allow_none=True)


class CenterCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    address = ma.fields.String(load_default=None, validate=validate.Length(max=200))


class CenterUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=100))
    address = ma.fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"description": "null: none"}
    )


class StaffSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True, allow_none=True)
    role = ma.fields.String(dump_only=True)
    center_id = ma.fields.Integer(dump_only=True, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)


class StaffAccountSchema(StaffSchema):
    """An account as its owner and admins see it (a login answers without these)."""

    email = ma.fields.String(dump_only=True, allow_none=True)
    weekly_report = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Mailed the weekly report (managers)"}
    )


def _email() -> ma.fields.Email:
    return ma.fields.Email(
        allow_none=True, validate=validate.Length(max=254), metadata={"description": "null: none"}
    )


class OwnAccountUpdateSchema(ma.Schema):
    """What staff set for themselves."""

    email = _email()
    weekly_report = ma.fields.Boolean(
        metadata={"description": "Mail me the weekly report (managers; needs an e-mail)"}
    )


class StaffQueryArgsSchema(ma.Schema):
    center_id = id_field(
        load_default=None, metadata={"description": "A center's accounts (district-wide roles)"}
    )
    role = ma.fields.String(load_default=None, validate=validate.OneOf([r.value for r in Role]))
    active = ma.fields.Boolean(load_default=None, allow_none=True)


def _new_password() -> ma.fields.String:
    """A password being set; identity.staff_accounts.password_problems has the rule."""
    return ma.fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class StaffCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    password = _new_password()
    role = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    center_id = id_field(load_default=None, allow_none=True)
    display_name = ma.fields.String(load_default=None, validate=validate.Length(max=64))


class StaffUpdateSchema(ma.Schema):
    role = ma.fields.String(validate=validate.OneOf([r.value for r in Role]))
    center_id = id_field(allow_none=True)
    active = ma.fields.Boolean()
    email = _email()


class PasswordResetSchema(ma.Schema):
    password = _new_password()


class PasswordChangeSchema(ma.Schema):
    old_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=256)
    )
    new_password = _new_password()


class StaffRefSchema(ma.Schema):
    """A staff account where a record names one: its id and what it is called."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = LocalDateTime(required=True)
    actor_kind = ma.fields.String(
        required=True, validate=validate.OneOf(("staff", "resident", "system"))
    )
    actor_id = ma.fields.Integer(required=True, allow_none=True)
    actor = ma.fields.Nested(
        StaffRefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The staff member who acted; null for a resident or the system"},
    )
    action = ma.fields.String(required=True)
    resident_id = ma.fields.Integer(required=True, allow_none=True)
    staff = ma.fields.Nested(
        StaffRefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The staff account a `staff.*` change was made to"},
    )
    detail = ma.fields.String(required=True, allow_none=True)


AuditPageSchema = page_schema(AuditEventSchema, "AuditPage")
CenterPageSchema = page_schema(CenterSchema, "CenterPage")


class AuditQueryArgsSchema(PageArgsSchema):
    actor_id = id_field(load_default=None, metadata={"description": "Who acted (a staff id)"})
    resident_id = id_field(load_default=None, metadata={"description": "Whose data"})
    action = ma.fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "An action, or its start: `resident.` is every resident action"},
    )
    from_ = day_field(data_key="from", load_default=None)
    to = day_field(load_default=None)
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
