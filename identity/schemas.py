"""What the identity endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.api import (
    CenterRefSchema,
    LocalDateTime,
    PageArgsSchema,
    id_field,
    page_schema,
)
from core.config import MAX_PRIVACY_VERSION_LENGTH
from identity.models import CONDITIONS, CONSENT_PURPOSES, PHONE_PATTERN, mask_name
from identity.staff_schemas import StaffSchema

_phone = validate.Regexp(PHONE_PATTERN, error="A mainland mobile number of 11 digits.")
_name = validate.Length(min=1, max=64)
_privacy_version = validate.Length(min=1, max=MAX_PRIVACY_VERSION_LENGTH)
_reason = validate.Length(min=2, max=200)


class WeChatLoginSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    privacy_version = ma.fields.String(
        load_default=None,
        validate=_privacy_version,
        metadata={
            "description": "The privacy-policy version the mini-program showed and the resident "
            "accepted; recorded when it is the current one. An older one (a mini-program build "
            "not yet updated) still logs in: `privacy.needs_acceptance` asks again"
        },
    )


class StaffLoginSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=256), load_only=True
    )


class RefreshSchema(ma.Schema):
    refresh_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=4096))


def _phone_verified() -> ma.fields.Boolean:
    return ma.fields.Boolean(
        dump_only=True,
        metadata={
            "description": "WeChat vouched for the number (getPhoneNumber); false for a number "
            "typed at a desk"
        },
    )


class ResidentSchema(ma.Schema):
    """A resident as staff lists them: the phone only masked."""

    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True, allow_none=True)
    phone_masked = ma.fields.String(dump_only=True, allow_none=True)
    phone_verified = _phone_verified()
    center_id = ma.fields.Integer(dump_only=True, allow_none=True)
    has_wechat = ma.fields.Boolean(dump_only=True)
    created_at = LocalDateTime(dump_only=True)


class ConsentSchema(ma.Schema):
    purpose = ma.fields.String(dump_only=True)
    version = ma.fields.String(dump_only=True)
    granted_at = LocalDateTime(dump_only=True)
    withdrawn_at = LocalDateTime(dump_only=True, allow_none=True)


class MemberCardSchema(ma.Schema):
    """A printed member card, known by its last characters (its code is never shown again)."""

    id = ma.fields.Integer(dump_only=True)
    status = ma.fields.String(
        dump_only=True,
        metadata={"description": "`live` (the desk reads it), or `revoked` (refused)"},
    )
    last_chars = ma.fields.String(
        dump_only=True, metadata={"description": "The code's last characters, as printed"}
    )
    issued_at = LocalDateTime(dump_only=True)
    revoked_at = LocalDateTime(dump_only=True, allow_none=True)
    revoke_reason = ma.fields.String(dump_only=True, allow_none=True)


class IssuedMemberCardSchema(MemberCardSchema):
    """A card just printed, with its code: the one answer that carries it."""

    code = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The card's code, for its QR (what the desk scanner reads, sent as "
            "`member_code`); only its hash is kept"
        },
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # ``obj`` is identity.member_cards.PrintedCard: the card, and the code beside it.
        if attr == "code":
            return obj.code
        return super().get_attribute(obj.card, attr, default)


class MemberCardIssueSchema(ma.Schema):
    reissue_reason = ma.fields.String(
        load_default=None,
        validate=_reason,
        metadata={
            "description": "Why the live card is replaced (lost, damaged): sent, it revokes "
            "the resident's live card and prints another"
        },
    )


class MemberCardRevokeSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=_reason)


class LinkSuggestionSchema(ma.Schema):
    """Another record that may be this person's: only what tells staff to ask them."""

    id = ma.fields.Integer(dump_only=True)
    name_masked = ma.fields.Function(
        lambda resident: mask_name(resident.name),
        dump_only=True,
        metadata={"type": "string", "nullable": True},
    )
    has_wechat = ma.fields.Boolean(dump_only=True)
    center_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = LocalDateTime(dump_only=True)


class ResidentDetailSchema(ResidentSchema):
    """What staff see when they open a resident (the opening is audited)."""

    conditions = ma.fields.List(ma.fields.String(), dump_only=True)
    consents = ma.fields.List(ma.fields.Nested(ConsentSchema), dump_only=True)
    member_card = ma.fields.Nested(
        MemberCardSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The live card, else the last revoked; null if none printed"},
    )
    link_suggestions = ma.fields.List(
        ma.fields.Nested(LinkSuggestionSchema),
        dump_only=True,
        metadata={
            "description": "The WeChat account that verified this desk record's number (or, "
            "for a WeChat account, the desk records typed with its verified number): perhaps "
            "the same person. Never joined by itself: ask, then issue a link code"
        },
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # ``obj`` is identity.merging.OpenedRecord: the record, and the suggestions beside it.
        if attr == "link_suggestions":
            return obj.link_suggestions
        return super().get_attribute(obj.resident, attr, default)


class ResidentCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=_name)
    phone = ma.fields.String(load_default=None, allow_none=True, validate=_phone)
    center_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "Defaults to the staff member's own center"},
    )


class ResidentQueryArgsSchema(PageArgsSchema):
    q = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "A full phone number, its last 4+ digits, or part of a name"},
    )


ResidentPageSchema = page_schema(ResidentSchema, "ResidentPage")


class ConditionsSchema(ma.Schema):
    conditions = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(sorted(CONDITIONS))),
        required=True,
        validate=validate.Length(max=len(CONDITIONS)),
    )


class PrivacySchema(ma.Schema):
    """Which privacy-policy version the resident accepted, and whether they must accept the
    current one (show it, then `POST /me/privacy`)."""

    accepted_version = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The current version if accepted, else the latest accepted"},
    )
    accepted_at = LocalDateTime(dump_only=True, allow_none=True)
    current_version = ma.fields.String(dump_only=True)
    needs_acceptance = ma.fields.Boolean(dump_only=True)


class MeSchema(ma.Schema):
    """The resident's own profile."""

    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True, allow_none=True)
    phone_masked = ma.fields.String(dump_only=True, allow_none=True)
    phone_verified = _phone_verified()
    center_id = ma.fields.Integer(dump_only=True, allow_none=True)
    center = ma.fields.Nested(
        CenterRefSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The home center: chosen, else that of the first check-in"},
    )
    consents = ma.fields.List(ma.fields.Nested(ConsentSchema), dump_only=True)
    privacy = ma.fields.Nested(PrivacySchema, dump_only=True)


class MeUpdateSchema(ma.Schema):
    """A partial change: only the fields sent change."""

    name = ma.fields.String(validate=_name)
    phone = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Only null, which removes the number: a number comes from WeChat's "
            "getPhoneNumber (`POST /me/phone`)"
        },
    )
    center_id = id_field(allow_none=True)


class PrivacyAcceptSchema(ma.Schema):
    version = ma.fields.String(
        required=True,
        validate=_privacy_version,
        metadata={"description": "The version the mini-program showed: the current one"},
    )


class PhoneCodeSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={
            "description": "The phone button's code (`bindgetphonenumber`'s `e.detail.code`)"
        },
    )


class ConsentGrantSchema(ma.Schema):
    purpose = ma.fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    version = ma.fields.String(required=True, validate=validate.Length(min=1, max=20))


class TokensSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)


class ResidentTokensSchema(TokensSchema):
    resident = ma.fields.Nested(ResidentSchema, required=True)
    privacy = ma.fields.Nested(PrivacySchema, required=True)


class StaffTokensSchema(TokensSchema):
    staff = ma.fields.Nested(StaffSchema, required=True)


class RefreshedTokensSchema(TokensSchema):
    """The same shape as the login that issued the refresh token."""

    resident = ma.fields.Nested(ResidentSchema)
    staff = ma.fields.Nested(StaffSchema)


class MemberCodeSchema(ma.Schema):
    code = ma.fields.String(required=True)
    expires_at = LocalDateTime(required=True)
    image_url = ma.fields.String(
        required=True,
        metadata={
            "description": "The code as a QR picture (PNG; `.svg` in place of `.png` for SVG), "
            "for an `<image>` tag: absolute, signed, no header needed, good until `expires_at`"
        },
    )


class MemberCodeQueryArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "png", "svg")))
