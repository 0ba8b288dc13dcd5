"""What linking and merging accept and return."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api import LocalDateTime, PageArgsSchema, id_field, page_schema
from identity.schemas import ResidentSchema, ResidentTokensSchema


class LinkCodeSchema(ma.Schema):
    """A link code just issued: the one answer that carries it (only its hash is kept)."""

    code = ma.fields.String(
        required=True,
        metadata={
            "description": "What the QR holds and `POST /me/link` takes (typed, hyphens and "
            "the `HPL` prefix may be left out)"
        },
    )
    grouped = ma.fields.String(
        required=True,
        metadata={"description": "The code as printed for a person to type: `HPL-XXXX-XXXX-XXXX`"},
    )
    expires_at = LocalDateTime(required=True)
    resident_id = ma.fields.Integer(required=True)
    image_url = ma.fields.String(
        required=True,
        metadata={
            "description": "The code as a QR picture (PNG; `.svg` in place of `.png` for SVG), "
            "for the desk screen or to print: absolute, signed, good until `expires_at`"
        },
    )


class LinkSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The link code the desk showed: scanned, or typed"},
    )


class LinkedSchema(ResidentTokensSchema):
    """Tokens for the one resident the link made (the desk-registered record, now logged in
    with this WeChat account): the mini-program goes on with these."""

    points_moved = ma.fields.Integer(
        required=True,
        metadata={"description": "Points the WeChat account had, now in the resident's balance"},
    )


class MergeSchema(ma.Schema):
    from_resident_id = id_field(
        required=True,
        metadata={"description": "The record that joins this one, and is closed"},
    )
    reason = ma.fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={
            "description": "Why they are one person; kept with the merged record (the audit "
            "trail records the merge, never these words)"
        },
    )


class MergedSchema(ma.Schema):
    resident = ma.fields.Nested(
        ResidentSchema, required=True, metadata={"description": "The one resident now"}
    )
    from_resident_id = ma.fields.Integer(required=True)
    points_moved = ma.fields.Integer(
        required=True, metadata={"description": "Points moved from the merged record"}
    )
    duplicate_checkins = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Events both records checked in to: the merged record's check-in "
            "was annulled there and its points taken back"
        },
    )
    duplicate_points_kept = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Of the points those check-ins earned, the ones spent already: "
            "they stay spent (a balance never goes negative), and the audit trail says so"
        },
    )


class DuplicatesQueryArgsSchema(PageArgsSchema):
    center_id = id_field(
        load_default=None,
        metadata={"description": "One center's records (a district manager; else their own)"},
    )


class DuplicateGroupSchema(ma.Schema):
    """Open records registered with one phone number."""

    phone_masked = ma.fields.String(required=True)
    verified = ma.fields.Boolean(
        required=True, metadata={"description": "One of them had the number verified by WeChat"}
    )
    residents = ma.fields.List(ma.fields.Nested(ResidentSchema), required=True)


DuplicatePageSchema = page_schema(DuplicateGroupSchema, "DuplicatePage")
