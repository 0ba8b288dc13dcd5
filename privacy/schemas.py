"""What closing an account takes and what a copy of one's data holds."""

from __future__ import annotations

import marshmallow as ma

from core.api import CenterRefSchema, LocalDateTime
from gamification.schemas import HeldBadgeSchema, MyChallengeSchema
from identity.schemas import ConsentSchema


class CopyProfileSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, allow_none=True)
    phone = ma.fields.String(required=True, allow_none=True, metadata={"description": "In full"})
    center = ma.fields.Nested(CenterRefSchema, required=True, allow_none=True)
    phone_verified = ma.fields.Boolean(
        required=True, metadata={"description": "The number came from WeChat's getPhoneNumber"}
    )
    has_wechat = ma.fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)


class CopyConditionSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class CopyConditionTagSchema(CopyConditionSchema):
    recorded_at = LocalDateTime(required=True)


class CopyMemberCardSchema(ma.Schema):
    last_chars = ma.fields.String(
        required=True, metadata={"description": "The end of the card's code, as printed"}
    )
    issued_at = LocalDateTime(required=True)
    revoked_at = LocalDateTime(required=True, allow_none=True)
    revoke_reason = ma.fields.String(required=True, allow_none=True)


class CopyPointsSchema(ma.Schema):
    balance = ma.fields.Integer(required=True)
    reserved = ma.fields.Integer(required=True)


class CopyCheckinEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    starts_at = LocalDateTime(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)


class CopyCheckinSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    checked_in_at = LocalDateTime(required=True)
    method = ma.fields.String(
        required=True, metadata={"description": "`self` (scanned) or `staff` (at the desk)"}
    )
    annulled_at = LocalDateTime(required=True, allow_none=True)
    event = ma.fields.Nested(CopyCheckinEventSchema, required=True)


class CopySignupSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    signed_up_at = LocalDateTime(required=True)
    cancelled_at = LocalDateTime(required=True, allow_none=True)
    event = ma.fields.Nested(CopyCheckinEventSchema, required=True)


class CopyLedgerEntrySchema(ma.Schema):
    record_id = ma.fields.Integer(
        required=True,
        metadata={
            "description": "The record whose ledger the entry is on: the resident's, or a "
            "record of theirs merged into it (its own chain: `seq` counts per record)"
        },
    )
    seq = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    kind = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    delta = ma.fields.Integer(required=True)
    balance_after = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True, allow_none=True)


class CopyGiftSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class CopyRedemptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    status = ma.fields.String(required=True)
    item = ma.fields.Nested(CopyGiftSchema, required=True)
    quantity = ma.fields.Integer(required=True)
    points_spent = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)
    expires_at = LocalDateTime(required=True, allow_none=True)
    fulfilled_at = LocalDateTime(required=True, allow_none=True)
    cancelled_at = LocalDateTime(required=True, allow_none=True)


class CopyFollowUpSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    due_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True, metadata={"description": "open, overdue or done"})
    done_at = LocalDateTime(required=True, allow_none=True)
    condition = ma.fields.Nested(CopyConditionSchema, required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)


class CopyActorSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "staff, resident or system"})
    role = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "A staff member's role (as it is now); never their name"},
    )
    center = ma.fields.Nested(CenterRefSchema, required=True, allow_none=True)


class CopyAccessSchema(ma.Schema):
    at = LocalDateTime(required=True)
    action = ma.fields.String(
        required=True,
        metadata={"description": "e.g. resident.read, resident.conditions.update, consent.grant"},
    )
    by = ma.fields.Nested(CopyActorSchema, required=True)


class CopyPrivacyAcceptanceSchema(ma.Schema):
    version = ma.fields.String(required=True)
    accepted_at = LocalDateTime(required=True)


class DataCopySchema(ma.Schema):
    """Everything held about the resident, each list oldest first."""

    exported_at = LocalDateTime(required=True)
    profile = ma.fields.Nested(CopyProfileSchema, required=True)
    consents = ma.fields.List(ma.fields.Nested(ConsentSchema), required=True)
    privacy_acceptances = ma.fields.List(
        ma.fields.Nested(CopyPrivacyAcceptanceSchema),
        required=True,
        metadata={"description": "Each privacy-policy version the resident accepted"},
    )
    conditions = ma.fields.List(ma.fields.Nested(CopyConditionTagSchema), required=True)
    member_cards = ma.fields.List(
        ma.fields.Nested(CopyMemberCardSchema),
        required=True,
        metadata={"description": "Member cards printed for the resident (never their codes)"},
    )
    points = ma.fields.Nested(CopyPointsSchema, required=True)
    checkins = ma.fields.List(ma.fields.Nested(CopyCheckinSchema), required=True)
    signups = ma.fields.List(
        ma.fields.Nested(CopySignupSchema),
        required=True,
        metadata={"description": "Sign-ups (报名) for events, cancelled ones included"},
    )
    ledger = ma.fields.List(ma.fields.Nested(CopyLedgerEntrySchema), required=True)
    redemptions = ma.fields.List(ma.fields.Nested(CopyRedemptionSchema), required=True)
    followups = ma.fields.List(ma.fields.Nested(CopyFollowUpSchema), required=True)
    badges = ma.fields.List(ma.fields.Nested(HeldBadgeSchema), required=True)
    challenges = ma.fields.List(
        ma.fields.Nested(MyChallengeSchema),
        required=True,
        metadata={"description": "Challenges open to the resident or taken part in"},
    )
    leaderboard_opt_in = ma.fields.Boolean(required=True)
    access_log = ma.fields.List(
        ma.fields.Nested(CopyAccessSchema),
        required=True,
        metadata={"description": "Who read, changed or exported this record, and when"},
    )
