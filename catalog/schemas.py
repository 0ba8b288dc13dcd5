"""What the catalog and redemption endpoints accept and return."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from catalog.items import MANUAL_MOVEMENTS
from catalog.media import picture_url
from catalog.models import LIMIT_PERIODS, REDEMPTION_STATUSES
from catalog.reservations import PICTURE_LINK_MINUTES
from catalog.service import Offered
from core.api import (
    CenterRefSchema,
    LocalDateTime,
    PageArgsSchema,
    day_field,
    id_field,
    page_schema,
)

_name = validate.Length(min=1, max=60)
_description = validate.Length(max=500)
_cost = validate.Range(min=1, max=1_000_000)
_limit = validate.Range(min=1, max=1000)


class PictureUrl(ma.fields.String):
    """A gift's picture, by its absolute address (under ``PUBLIC_BASE_URL``), from the name
    it is stored under."""

    def _serialize(
        self, value: str | None, attr: str | None, obj: object, **kwargs: object
    ) -> str | None:
        return None if value is None else picture_url(value)


def _picture() -> PictureUrl:
    return PictureUrl(
        attribute="image_path",
        required=True,
        allow_none=True,
        metadata={"description": "Absolute; null until a picture is uploaded"},
    )


class ItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    image_url = _picture()
    description = ma.fields.String(required=True, allow_none=True)
    points_cost = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True)
    limit_quantity = ma.fields.Integer(required=True, allow_none=True)
    limit_period = ma.fields.String(required=True, allow_none=True)


class ImageUploadSchema(ma.Schema):
    image = Upload(required=True)


class ItemAtCenterSchema(ItemSchema):
    """A gift as a center offers it: what is in stock, and whether the asker can have it."""

    @ma.pre_dump
    def flatten(self, offered: Offered, **_: object) -> dict[str, object]:
        names = (field.attribute or name for name, field in ItemSchema._declared_fields.items())
        fields = {name: getattr(offered.item, name) for name in names}
        return {**fields, **{name: getattr(offered, name) for name in Offered.__slots__[1:]}}

    stock = ma.fields.Integer(required=True, metadata={"description": "Available to take now"})
    low_stock = ma.fields.Boolean(required=True)
    affordable = ma.fields.Boolean(
        allow_none=True, metadata={"description": "For a resident: enough points now"}
    )
    within_limit = ma.fields.Boolean(
        allow_none=True, metadata={"description": "For a resident: their limit allows one"}
    )


class ItemQueryArgsSchema(PageArgsSchema):
    center_id = id_field(
        load_default=None, metadata={"description": "Default: your center (a resident's home)"}
    )


class ItemCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=_name)
    points_cost = ma.fields.Integer(required=True, strict=True, validate=_cost)
    description = ma.fields.String(load_default=None, allow_none=True, validate=_description)
    active = ma.fields.Boolean(load_default=True)
    limit_quantity = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=_limit
    )
    limit_period = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(LIMIT_PERIODS)
    )


class ItemUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=_name)
    points_cost = ma.fields.Integer(strict=True, validate=_cost)
    description = ma.fields.String(allow_none=True, validate=_description)
    active = ma.fields.Boolean()
    limit_quantity = ma.fields.Integer(allow_none=True, strict=True, validate=_limit)
    limit_period = ma.fields.String(allow_none=True, validate=validate.OneOf(LIMIT_PERIODS))


class StockMoveSchema(ma.Schema):
    center_id = id_field(required=True)
    delta = ma.fields.Integer(
        required=True,
        strict=True,
        validate=[validate.Range(-100_000, 100_000), validate.NoneOf([0])],
    )
    reason = ma.fields.String(required=True, validate=validate.OneOf(MANUAL_MOVEMENTS))
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    low_threshold = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 100_000)
    )


class StockTakeSchema(ma.Schema):
    """A count of a gift's shelf at a center: the difference from the books is recorded as a
    ``stock_take`` movement (``note`` says why)."""

    center_id = id_field(required=True)
    counted = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    low_threshold = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 100_000)
    )


class StockLevelSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True)
    center_id = ma.fields.Integer(required=True)
    on_hand = ma.fields.Integer(required=True)
    reserved = ma.fields.Integer(required=True)
    low_threshold = ma.fields.Integer(required=True, allow_none=True)


class ResidentAtDeskSchema(ma.Schema):
    """The resident at the desk: the member code they show, or an id found by search."""

    member_code = ma.fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "What the desk scanned: the phone's member code, or the code of a "
            "printed member card (`card_revoked` when that card was revoked)"
        },
    )
    resident_id = id_field()

    @ma.validates_schema
    def one_resident(self, data: dict[str, object], **_: object) -> None:
        if ("member_code" in data) == ("resident_id" in data):
            raise ma.ValidationError("Send either a member_code or a resident_id.", "_schema")


class RedemptionCreateSchema(ResidentAtDeskSchema):
    item_id = id_field(required=True)
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 20))
    center_id = id_field(load_default=None, metadata={"description": "Default: your center"})


class GiftSchema(ma.Schema):
    """The gift a redemption is for, as a screen shows it."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    image_url = _picture()


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    resident_id = ma.fields.Integer(required=True)
    item_id = ma.fields.Integer(required=True)
    item = ma.fields.Nested(GiftSchema, required=True)
    center_id = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True, metadata={"description": "Where"})
    quantity = ma.fields.Integer(required=True)
    points_spent = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(REDEMPTION_STATUSES))
    staff_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = LocalDateTime(required=True)
    expires_at = LocalDateTime(required=True, allow_none=True)
    fulfilled_at = LocalDateTime(required=True, allow_none=True)
    cancelled_at = LocalDateTime(required=True, allow_none=True)
    cancelled_by_id = ma.fields.Integer(required=True, allow_none=True)
    cancel_reason = ma.fields.String(required=True, allow_none=True)


class RedemptionResultSchema(RedemptionSchema):
    balance = ma.fields.Integer(required=True)


class PreviewResidentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name_masked = ma.fields.String(required=True, allow_none=True)
    phone_masked = ma.fields.String(required=True, allow_none=True)


class PreviewItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class PreviewSchema(ma.Schema):
    resident = ma.fields.Nested(PreviewResidentSchema, required=True)
    item = ma.fields.Nested(PreviewItemSchema, required=True)
    item_id = ma.fields.Integer(required=True)
    quantity = ma.fields.Integer(required=True)
    points_cost = ma.fields.Integer(required=True)
    balance = ma.fields.Integer(required=True)
    spendable = ma.fields.Integer(
        required=True, metadata={"description": "The balance less points held for pickups"}
    )
    balance_after = ma.fields.Integer(
        required=True, metadata={"description": "Unchanged when the redemption would be refused"}
    )
    shortfall = ma.fields.Integer(
        required=True, metadata={"description": "Points still needed (0 when there are enough)"}
    )
    stock = ma.fields.Integer(required=True)
    ok = ma.fields.Boolean(required=True)
    refusal = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "The code a redemption would get"}
    )


class PickupPreviewSchema(RedemptionSchema):
    """A reservation as the desk checks it before handing it over."""

    resident = ma.fields.Nested(PreviewResidentSchema, required=True)


class CancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))


class ReservationCreateSchema(ma.Schema):
    item_id = id_field(required=True)
    center_id = id_field(required=True)
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 20))


class ReservationSchema(RedemptionSchema):
    """A reservation as the resident first sees it: the pickup code is shown this once."""

    expires_at = LocalDateTime(required=True)
    pickup_code = ma.fields.String(required=True)
    pickup_qr_svg = ma.fields.String(required=True, metadata={"description": "The code as a QR"})
    pickup_qr_url = ma.fields.String(
        required=True,
        metadata={
            "description": "The code as a QR picture (PNG; `.svg` in place of `.png` for SVG) "
            "for an `<image>` tag: absolute, signed, no header needed, good for "
            f"{PICTURE_LINK_MINUTES} minutes"
        },
    )


class PickupSchema(ma.Schema):
    pickup_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\s*\d{8}\s*$"))
    center_id = id_field(load_default=None, metadata={"description": "Default: your center"})


class RedemptionQueryArgsSchema(PageArgsSchema):
    center_id = id_field(load_default=None)
    status = ma.fields.String(load_default=None, validate=validate.OneOf(REDEMPTION_STATUSES))
    from_ = day_field(data_key="from", load_default=None)
    to = day_field(load_default=None)
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class RedemptionRecordSchema(RedemptionSchema):
    """A redemption in the records: which gift, and who handed it over."""

    item_name = ma.fields.String(required=True)
    staff_name = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Null while reserved"}
    )


RedemptionPageSchema = page_schema(RedemptionRecordSchema, "RedemptionPage")


class ReservationLookupSchema(ResidentAtDeskSchema):
    center_id = id_field(load_default=None, metadata={"description": "Default: your center"})


class ReservationLookupResultSchema(ma.Schema):
    """Whose reservations (name and phone masked), and a page of those waiting at the center."""

    resident = ma.fields.Nested(PreviewResidentSchema, required=True)
    items = ma.fields.List(ma.fields.Nested(RedemptionRecordSchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


ItemAtCenterPageSchema = page_schema(ItemAtCenterSchema, "ItemAtCenterPage")
