"""The shapes of reminders' API."""

from __future__ import annotations

import marshmallow as ma

from core.api import PageArgsSchema, moment_field, page_schema
from events.models import CALL_OUTCOMES
from reminders.models import CHANNELS, KINDS, STATUSES, TEMPLATES

#: Grants one request may add (``wx.requestSubscribeMessage`` accepts one a template a tap).
MAX_COUNT = 10


class SubscriptionCreateSchema(ma.Schema):
    template = ma.fields.String(required=True, validate=ma.validate.OneOf(TEMPLATES))
    count = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=MAX_COUNT),
        metadata={"description": "Grants the resident just accepted (one message each)"},
    )


class SubscriptionSchema(ma.Schema):
    template = ma.fields.String(required=True)
    remaining = ma.fields.Integer(
        required=True, metadata={"description": "Messages of this template still allowed"}
    )
    template_id = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "WeChat's template id for wx.requestSubscribeMessage "
            "(null: the district does not send this one)"
        },
    )


SubscriptionPageSchema = page_schema(SubscriptionSchema, "SubscriptionPage")


class ReminderQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    channel = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(CHANNELS),
        metadata={"description": "`call`: residents without WeChat, for the desk to phone"},
    )


class ReminderSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    resident_name = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    kind = ma.fields.String(required=True)
    subject_type = ma.fields.String(required=True)
    subject_id = ma.fields.Integer(required=True)
    channel = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    title = ma.fields.String(required=True, allow_none=True)
    when = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "The day or moment it is about"}
    )
    send_after = moment_field(required=True)
    send_before = moment_field(required=True)
    settled_at = moment_field(required=True, allow_none=True)
    attempts = ma.fields.Integer(required=True)
    created_at = moment_field(required=True)


ReminderPageSchema = page_schema(ReminderSchema, "ReminderPage")


class CallListQueryArgsSchema(PageArgsSchema):
    center_id = ma.fields.Integer(
        load_default=None,
        metadata={"description": "A district manager's pick of one center (others: their own)"},
    )


class CallListItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    resident_name = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.String(required=True, allow_none=True)
    when = ma.fields.String(required=True, allow_none=True)
    send_before = moment_field(required=True)
    status = ma.fields.String(required=True)


CallListPageSchema = page_schema(CallListItemSchema, "ReminderCallListPage")


class ReminderCallCreateSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(CALL_OUTCOMES))
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500)
    )


class ReminderCallSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reminder_id = ma.fields.Integer(required=True)
    staff_id = ma.fields.Integer(required=True)
    called_at = moment_field(required=True)
    outcome = ma.fields.String(required=True)
    note = ma.fields.String(required=True, allow_none=True)
