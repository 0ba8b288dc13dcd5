"""The gift catalog, stock at each center, and redemption at the desk."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from catalog import items, records, reservations, service
from catalog.media import store_image
from catalog.models import CatalogItem, StockLevel
from catalog.schemas import (
    CancelSchema,
    ImageUploadSchema,
    ItemAtCenterPageSchema,
    ItemCreateSchema,
    ItemQueryArgsSchema,
    ItemSchema,
    ItemUpdateSchema,
    PickupPreviewSchema,
    PickupSchema,
    PreviewSchema,
    RedemptionCreateSchema,
    RedemptionPageSchema,
    RedemptionQueryArgsSchema,
    RedemptionResultSchema,
    RedemptionSchema,
    ReservationCreateSchema,
    ReservationLookupResultSchema,
    ReservationLookupSchema,
    ReservationSchema,
    ResidentAtDeskSchema,
    StockLevelSchema,
    StockMoveSchema,
)
from core.api import Blueprint, PageArgsSchema, also_returns
from core.auth import RESIDENT, STAFF_ROLES, Principal, auth_required, current_principal
from core.codes import current_keys
from core.csvfiles import csv_response
from core.db import utcnow
from core.errors import Forbidden
from core.i18n import _l
from core.idempotency import idempotent
from core.localtime import district_zone
from core.ratelimit import limiter
from core.requestbody import body_limit
from identity.audit import resident_at_desk
from identity.models import Resident

items_blp = Blueprint(
    "catalog", __name__, url_prefix="/api/v1/catalog/items", description="Gifts and stock"
)
redemptions_blp = Blueprint(
    "redemptions", __name__, url_prefix="/api/v1/redemptions", description="Redeeming gifts"
)
blueprints = (items_blp, redemptions_blp)


@items_blp.route("")
class Items(MethodView):
    @items_blp.response(200, ItemAtCenterPageSchema)
    @auth_required()
    @items_blp.arguments(ItemQueryArgsSchema, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Gifts at a center (default: your own) with their stock, cheapest first; for a
        resident, only those offered now and whether they can have each."""
        principal = current_principal()
        return service.items_page(
            principal,
            service.catalog_center(principal, args["center_id"]),
            args["limit"],
            args["cursor"],
            utcnow(),
            district_zone(),
        )

    @items_blp.response(201, ItemSchema)
    @auth_required("manager", "admin")
    @items_blp.arguments(ItemCreateSchema)
    def post(self, fields: dict[str, Any]) -> CatalogItem:
        """Add a gift to the district's catalog."""
        return items.create_item(fields)


@items_blp.patch("/<id:item_id>")
@items_blp.response(200, ItemSchema)
@auth_required("manager", "admin")
@items_blp.arguments(ItemUpdateSchema)
def update_item(changes: dict[str, Any], item_id: int) -> CatalogItem:
    """Change a gift: its cost, limit, or whether it is offered (`active`)."""
    return items.update_item(item_id, changes)


@items_blp.post("/<id:item_id>/image")
@items_blp.response(200, ItemSchema)
@auth_required("manager", "admin")
@body_limit("MAX_IMAGE_BYTES")
@items_blp.arguments(ImageUploadSchema, location="files")
def upload_image(files: dict[str, Any], item_id: int) -> CatalogItem:
    """Upload the gift's picture (JPEG, PNG or WebP; re-encoded, metadata dropped)."""
    config = current_app.config
    name = store_image(files["image"].read(), config["MEDIA_DIR"], config["MAX_IMAGE_BYTES"])
    return items.update_item(item_id, {"image_path": name})


@items_blp.post("/<id:item_id>/stock")
@idempotent
@items_blp.response(200, StockLevelSchema)
@auth_required(*STAFF_ROLES)
@items_blp.arguments(StockMoveSchema)
def move_stock(args: dict[str, Any], item_id: int) -> StockLevel:
    """Receive, write off (`damaged`) or count (`stock_take`) a gift's stock at a center."""
    return items.move_stock(
        current_principal(),
        item_id,
        args["center_id"],
        args["delta"],
        args["reason"],
        args["note"],
        args["low_threshold"],
    )


def _resident_for_desk(actor: Principal, args: dict[str, Any]) -> Resident:
    return resident_at_desk(
        actor, args.get("member_code"), args.get("resident_id"), current_keys(), utcnow()
    )


@redemptions_blp.route("")
class Redemptions(MethodView):
    @redemptions_blp.response(200, RedemptionPageSchema)
    @also_returns(RedemptionPageSchema, "text/csv")
    @auth_required()
    @redemptions_blp.arguments(RedemptionQueryArgsSchema, location="query")
    def get(self, filters: dict[str, Any]) -> Any:
        """Redemptions by period: a resident's own, or a center's (`format=csv` for staff)."""
        actor = current_principal()
        filters["from"] = filters.pop("from_")
        tz = district_zone()
        if filters["format"] == "csv":
            if actor.kind != "staff":
                raise Forbidden(_l("Exports are for staff."))
            return csv_response(records.export_redemptions(actor, filters, tz), "redemptions.csv")
        return records.redemption_page(actor, filters, tz)

    @idempotent
    @redemptions_blp.response(201, RedemptionResultSchema)
    @auth_required(*STAFF_ROLES)
    @redemptions_blp.arguments(RedemptionCreateSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Hand a gift over: `insufficient_points`, `out_of_stock`, `limit_reached`,
        `item_inactive`."""
        actor = current_principal()
        redemption, balance = service.redeem(
            actor,
            _resident_for_desk(actor, args).id,
            args["item_id"],
            args["quantity"],
            args["center_id"] or actor.center_id,
            utcnow(),
            district_zone(),
        )
        return {**records.described(redemption), "balance": balance}


@redemptions_blp.post("/reservations")
@idempotent
@redemptions_blp.response(201, ReservationSchema)
@auth_required(RESIDENT)
@redemptions_blp.arguments(ReservationCreateSchema)
def reserve(args: dict[str, Any]) -> dict[str, Any]:
    """Reserve a gift for pickup: points and stock are held; the pickup code is shown once,
    as digits, as an SVG, and as a picture link for an `<image>` tag (`pickup_qr_url`)."""
    config = current_app.config
    now = utcnow()
    reservation, code = reservations.reserve(
        current_principal().id,
        args["item_id"],
        args["quantity"],
        args["center_id"],
        now=now,
        days=config["RESERVATION_DAYS"],
        keys=current_keys(),
        tz=district_zone(),
    )
    return reservations.with_pickup_code(
        reservation, code, now, current_keys(), config["PUBLIC_BASE_URL"]
    )


@redemptions_blp.post("/reservations/lookup")
@redemptions_blp.response(200, ReservationLookupResultSchema)
@auth_required(*STAFF_ROLES)
@redemptions_blp.arguments(ReservationLookupSchema)
@redemptions_blp.arguments(PageArgsSchema, location="query")
def lookup_reservations(args: dict[str, Any], page_args: dict[str, Any]) -> dict[str, Any]:
    """A resident's reservations waiting at the desk's center, found from their member code
    (or an id found by search) when the pickup code is lost; no pickup code is shown.
    `POST /redemptions/{id}/fulfil` hands one over."""
    actor = current_principal()
    resident = _resident_for_desk(actor, args)
    center_id = reservations.desk_center(actor, args["center_id"])
    found = records.open_reservations(
        resident.id, center_id, utcnow(), page_args["limit"], page_args["cursor"]
    )
    return {**found, "resident": records.masked_resident(resident)}


def _pickup_limit() -> str:
    return current_app.config["PICKUP_RATE_LIMIT"]  # type: ignore[no-any-return]


def _wrong_code(response: Any) -> bool:
    return bool(response.status_code == 404)


#: One budget of wrong pickup codes per address, spent by checking and by handing over alike
#: (two budgets would double the guesses).
_wrong_pickup_codes = limiter.shared_limit(
    _pickup_limit, scope="wrong-pickup-code", deduct_when=_wrong_code
)


@redemptions_blp.post("/pickup/preview")
@_wrong_pickup_codes
@redemptions_blp.response(200, PickupPreviewSchema)
@auth_required(*STAFF_ROLES)
@redemptions_blp.arguments(PickupSchema)
def pickup_preview(args: dict[str, Any]) -> dict[str, Any]:
    """The reservation a pickup code names, for the desk to check before handing over: whose
    (name and phone masked) and which gift."""
    actor = current_principal()
    center_id = reservations.desk_center(actor, args["center_id"])
    reservation = reservations.by_code(
        actor, args["pickup_code"], center_id, current_keys(), utcnow()
    )
    return records.for_pickup(reservation)


@redemptions_blp.post("/pickup")
@_wrong_pickup_codes
@idempotent
@redemptions_blp.response(200, RedemptionResultSchema)
@auth_required(*STAFF_ROLES)
@redemptions_blp.arguments(PickupSchema)
def pickup(args: dict[str, Any]) -> dict[str, Any]:
    """Hand over a reserved gift: the held points are spent. Wrong codes are rate limited."""
    actor = current_principal()
    center_id = reservations.desk_center(actor, args["center_id"])
    reservation = reservations.by_code(
        actor, args["pickup_code"], center_id, current_keys(), utcnow()
    )
    fulfilled, balance = reservations.fulfil(actor, reservation, utcnow())
    return {**records.described(fulfilled), "balance": balance}


@redemptions_blp.post("/preview")
@redemptions_blp.response(200, PreviewSchema)
@auth_required(*STAFF_ROLES)
@redemptions_blp.arguments(RedemptionCreateSchema)
def preview(args: dict[str, Any]) -> dict[str, Any]:
    """What the redemption would do, for the desk to confirm with the resident: who (name and
    phone masked), which gift, the balance after, or the points still needed; nothing is
    written."""
    actor = current_principal()
    return service.preview(
        _resident_for_desk(actor, args),
        args["item_id"],
        args["quantity"],
        args["center_id"] or actor.center_id,
        utcnow(),
        district_zone(),
    )


@redemptions_blp.get("/<id:redemption_id>")
@redemptions_blp.response(200, RedemptionSchema)
@auth_required()
def get_redemption(redemption_id: int) -> dict[str, Any]:
    """A redemption: the resident's own, or any of their center's for staff."""
    redemption = service.redemption_for(current_principal(), redemption_id)
    return records.described(reservations.expire_if_lapsed(redemption, utcnow()))


@redemptions_blp.post("/<id:redemption_id>/fulfil")
@idempotent
@redemptions_blp.response(200, RedemptionResultSchema)
@auth_required(*STAFF_ROLES)
@redemptions_blp.arguments(ResidentAtDeskSchema)
def fulfil(args: dict[str, Any], redemption_id: int) -> dict[str, Any]:
    """Hand over a reservation whose pickup code is lost, as `/pickup` does, once the desk has
    identified the resident (member code, or an id found by search): `not_their_reservation`
    if it is someone else's, `conflict` if it is no longer waiting (handed over, cancelled,
    lapsed). Audited."""
    actor = current_principal()
    resident = _resident_for_desk(actor, args)
    reservation = service.redemption_for(actor, redemption_id)
    handed, balance = reservations.hand_over(actor, reservation, resident.id, utcnow())
    return {**records.described(handed), "balance": balance}


@redemptions_blp.post("/<id:redemption_id>/cancel")
@idempotent
@redemptions_blp.response(200, RedemptionSchema)
@auth_required()
@redemptions_blp.arguments(CancelSchema)
def cancel(args: dict[str, Any], redemption_id: int) -> dict[str, Any]:
    """Cancel: a reservation (its resident or staff) releases points and stock; a handed-over
    gift that came back (staff) is refunded and returns to stock."""
    actor = current_principal()
    now = utcnow()
    redemption = reservations.expire_if_lapsed(service.redemption_for(actor, redemption_id), now)
    if redemption.status == "reserved":
        return records.described(reservations.cancel(actor, redemption, args["reason"], now))
    if actor.kind != "staff":
        raise Forbidden(_l("Only staff take a gift back."))
    return records.described(service.cancel(actor, redemption_id, args["reason"], now))
