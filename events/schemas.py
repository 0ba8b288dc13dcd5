"""What the events, check-in and follow-up endpoints accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api import (
    CenterRefSchema,
    LocalDateTime,
    PageArgsSchema,
    ProblemSchema,
    day_field,
    id_field,
    moment_field,
    page_schema,
)
from events.followups import STATUSES as FOLLOWUP_STATUSES
from events.listing import WHEN
from events.models import CALL_OUTCOMES
from identity.models import CONDITIONS
from points.models import ACTIVITIES

_title = validate.Length(min=1, max=100)
_reason = validate.Length(min=2, max=200)
_POINTS_DESCRIPTION = (
    "Points for attending; null: the center's rule for the kind. More than that rule gives is "
    "for managers: staff get 403 `points_above_rule`."
)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    center_id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    location = ma.fields.String(dump_only=True, allow_none=True)
    starts_at = LocalDateTime(dump_only=True)
    ends_at = LocalDateTime(dump_only=True)
    checkin_opens_at = LocalDateTime(dump_only=True)
    checkin_closes_at = LocalDateTime(dump_only=True)
    points = ma.fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "null: the center's rule"}
    )
    earns_points = ma.fields.Integer(
        dump_only=True,
        metadata={
            "description": "Points a check-in earns: `points`, or the center's rule for the "
            "kind when that is null (a daily or monthly cap may still cut them)"
        },
    )
    capacity = ma.fields.Integer(dump_only=True, allow_none=True)
    cancelled_at = LocalDateTime(dump_only=True, allow_none=True)
    center = ma.fields.Nested(CenterRefSchema, dump_only=True)
    resident_id = ma.fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Set for a personal event: the one resident it is for"},
    )
    checked_in = ma.fields.Boolean(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The asking resident holds a valid (not annulled) check-in of it; "
            "null for staff"
        },
    )
    signups = ma.fields.Integer(
        dump_only=True, metadata={"description": "Live sign-ups (报名): places taken"}
    )
    signed_up = ma.fields.Boolean(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The asking resident has signed up for it; null for staff"},
    )


class EventDetailSchema(EventSchema):
    attendance = ma.fields.Integer(dump_only=True, metadata={"description": "Valid check-ins"})


class EventCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=_title)
    kind = ma.fields.String(required=True, validate=validate.OneOf(ACTIVITIES))
    starts_at = moment_field(required=True)
    ends_at = moment_field(required=True)
    location = ma.fields.String(load_default=None, validate=validate.Length(max=100))
    points = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(0, 10_000),
        metadata={"description": _POINTS_DESCRIPTION},
    )
    capacity = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 100_000)
    )
    checkin_opens_at = moment_field(load_default=None)
    checkin_closes_at = moment_field(load_default=None)
    center_id = id_field(load_default=None, metadata={"description": "Default: your center"})
    resident_id = id_field(
        load_default=None,
        metadata={
            "description": "Makes a personal event (a `followup` or `revisit`, else 422) for "
            "this resident: no other resident sees it"
        },
    )


class EventUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=_title)
    location = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    starts_at = moment_field()
    ends_at = moment_field()
    checkin_opens_at = moment_field()
    checkin_closes_at = moment_field()
    points = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(0, 10_000),
        metadata={"description": _POINTS_DESCRIPTION},
    )
    capacity = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 100_000))


class EventQueryArgsSchema(PageArgsSchema):
    center_id = id_field(load_default=None)
    kind = ma.fields.String(load_default=None, validate=validate.OneOf(ACTIVITIES))
    from_ = day_field(data_key="from", load_default=None)
    to = day_field(load_default=None)
    when = ma.fields.String(
        load_default=None,
        validate=validate.OneOf(WHEN),
        metadata={
            "description": "`upcoming`: events not yet ended, soonest first; `past`: ended "
            "ones, newest first. Default: residents get both, upcoming first; staff every "
            "event, newest first"
        },
    )
    include_cancelled = ma.fields.Boolean(
        load_default=None,
        metadata={"description": "Default: false for residents, true for staff"},
    )


EventPageSchema = page_schema(EventSchema, "EventPage")


class QrQueryArgsSchema(ma.Schema):
    mode = ma.fields.String(
        load_default="rotating", validate=validate.OneOf(("static", "rotating"))
    )
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "png", "svg")))


class CodeLinkSchema(ma.Schema):
    url = ma.fields.String(required=True)
    token = ma.fields.String(required=True)
    expires_at = LocalDateTime(required=True, allow_none=True)


class CheckinCreateSchema(ma.Schema):
    """The scanned link or its token; other fields a client adds (``scancode_time``,
    ``path``...) are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    token = ma.fields.String(validate=validate.Length(min=1, max=200))
    url = ma.fields.String(
        validate=validate.Length(min=1, max=300),
        metadata={
            "description": "The scanned link as WeChat or a phone hands it over: any case in "
            "scheme and host, a trailing slash, a query or fragment, or URL-encoded once "
            "(`options.q`)"
        },
    )

    @ma.validates_schema
    def one_of_them(self, data: dict[str, str], **_: object) -> None:
        if ("token" in data) == ("url" in data):
            raise ma.ValidationError("Send either the scanned url or its token.", "_schema")


class StaffCheckinCreateSchema(ma.Schema):
    """A member code or a resident's id; other fields are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    member_code = ma.fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "What the desk scanned: the phone's member code, or the code of a "
            "printed member card (`card_revoked` when that card was revoked)"
        },
    )
    resident_id = id_field()

    @ma.validates_schema
    def one_of_them(self, data: dict[str, object], **_: object) -> None:
        if ("member_code" in data) == ("resident_id" in data):
            raise ma.ValidationError("Send either a member_code or a resident_id.", "_schema")


class CheckinSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)


class CheckinEventSchema(ma.Schema):
    """The event a check-in or its refusal is about: all the result screen shows."""

    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    starts_at = LocalDateTime(required=True)
    checkin_opens_at = LocalDateTime(required=True)
    checkin_closes_at = LocalDateTime(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)


class CheckinRefusalSchema(ProblemSchema):
    event = ma.fields.Nested(
        CheckinEventSchema,
        metadata={"description": "The event refused, when the code named one that exists"},
    )


class CheckinResultSchema(ma.Schema):
    checkin = ma.fields.Nested(CheckinSchema, required=True)
    event = ma.fields.Nested(CheckinEventSchema, required=True)
    points_awarded = ma.fields.Integer(required=True)
    balance = ma.fields.Integer(required=True)
    already_checked_in = ma.fields.Boolean(required=True)
    capped = ma.fields.Boolean(
        required=True, metadata={"description": "A daily or monthly cap cut the points"}
    )


class AnnulSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=_reason)


class AnnulledSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    annulled_at = LocalDateTime(required=True)
    annul_reason = ma.fields.String(required=True)


class AttendeeSchema(ma.Schema):
    checkin_id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)
    method = ma.fields.String(
        required=True,
        metadata={"description": "`self` (scanned), `staff` (at the desk), `import` (paper)"},
    )
    staff_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = LocalDateTime(required=True)
    annulled_at = LocalDateTime(required=True, allow_none=True)
    annul_reason = ma.fields.String(required=True, allow_none=True)


AttendancePageSchema = page_schema(AttendeeSchema, "AttendancePage")


class AttendanceQueryArgsSchema(PageArgsSchema):
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class ScanAttemptSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = LocalDateTime(required=True)
    resident_id = ma.fields.Integer(required=True, allow_none=True)
    outcome = ma.fields.String(required=True)
    method = ma.fields.String(required=True)
    staff_id = ma.fields.Integer(required=True, allow_none=True)
    client_ip = ma.fields.String(required=True, allow_none=True)
    user_agent = ma.fields.String(required=True, allow_none=True)


ScanPageSchema = page_schema(ScanAttemptSchema, "ScanPage")


class DeviceFlagSchema(ma.Schema):
    client_ip = ma.fields.String(required=True, allow_none=True)
    user_agent = ma.fields.String(required=True, allow_none=True)
    residents = ma.fields.Integer(required=True)
    attempts = ma.fields.Integer(required=True)


class PersonalCodeCreateSchema(ma.Schema):
    resident_id = id_field(required=True)


class FollowUpCallSchema(ma.Schema):
    """A call staff made about a follow-up."""

    id = ma.fields.Integer(required=True)
    followup_id = ma.fields.Integer(required=True)
    called_at = LocalDateTime(required=True)
    staff_id = ma.fields.Integer(required=True)
    staff_name = ma.fields.String(required=True)
    outcome = ma.fields.String(required=True, validate=validate.OneOf(CALL_OUTCOMES))
    note = ma.fields.String(required=True, allow_none=True)
    due_on_before = day_field(
        required=True, metadata={"description": "The follow-up's due day when the call was made"}
    )
    new_due_on = day_field(
        required=True,
        allow_none=True,
        metadata={"description": "The day agreed on the call: the follow-up was moved to it"},
    )


FollowUpCallPageSchema = page_schema(FollowUpCallSchema, "FollowUpCallPage")


class FollowUpCallCreateSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(CALL_OUTCOMES),
        metadata={"description": "`reached`, `no_answer` or `refused`"},
    )
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    new_due_on = day_field(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Reschedules the follow-up to this day (today or later): "
            "409 `followup_done` if the resident attended already"
        },
    )


class FollowUpSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)
    center_id = ma.fields.Integer(required=True)
    condition = ma.fields.String(required=True)
    due_on = day_field(required=True)
    done_at = LocalDateTime(required=True, allow_none=True)
    status = ma.fields.String(required=True)
    last_call = ma.fields.Nested(
        FollowUpCallSchema, required=True, allow_none=True, metadata={"description": "Null: none"}
    )


FollowUpPageSchema = page_schema(FollowUpSchema, "FollowUpPage")


class MyFollowUpSchema(ma.Schema):
    """A follow-up as its resident sees it: when and where, never the condition."""

    id = ma.fields.Integer(required=True)
    due_on = day_field(required=True)
    status = ma.fields.String(
        required=True,
        validate=validate.OneOf(FOLLOWUP_STATUSES),
        metadata={"description": "`open` (due today or later), `overdue` (the day passed), `done`"},
    )
    done_at = LocalDateTime(required=True, allow_none=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)


MyFollowUpPageSchema = page_schema(MyFollowUpSchema, "MyFollowUpPage")


class FollowUpCreateSchema(ma.Schema):
    resident_id = id_field(required=True)
    condition = ma.fields.String(required=True, validate=validate.OneOf(sorted(CONDITIONS)))
    due_on = day_field(required=True)


class FollowUpQueryArgsSchema(PageArgsSchema):
    center_id = id_field(load_default=None)
    status = ma.fields.String(load_default=None, validate=validate.OneOf(FOLLOWUP_STATUSES))
    due_from = day_field(load_default=None, metadata={"description": "Due on this day or later"})
    due_to = day_field(load_default=None, metadata={"description": "Due on this day or before"})


class DisplayLinkSchema(ma.Schema):
    url = ma.fields.String(required=True)
    expires_at = LocalDateTime(required=True)
