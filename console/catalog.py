"""Gifts and stock (``/console/catalog``): the gifts with their pictures, cost and stock at a
center, low stock marked; a gift's page with its stock movements, the stock-take and the
delivery or write-off forms; and, for managers, adding and changing gifts.

The same services and schemas as ``/api/v1/catalog/items``: ``items_page`` lists, ``create_item``
and ``update_item`` keep the catalog (and ``store_image`` its pictures), ``move_stock`` moves
stock (``take_stock`` counts it through it), and who may do what is the API's.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, redirect, render_template, request, url_for
from marshmallow import validate

from catalog import items, service
from catalog.media import store_image
from catalog.models import LIMIT_PERIODS
from catalog.schemas import ItemCreateSchema, ItemUpdateSchema, StockMoveSchema, StockTakeSchema
from console.plumbing import (
    Area,
    console_blueprint,
    done_once,
    form_args,
    is_htmx,
    render_refusal_in,
    roles_required,
    takes_upload,
)
from core.api import PageArgsSchema
from core.auth import STAFF_ROLES, Principal, current_principal
from core.db import utcnow
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import _l
from core.localtime import district_minute, district_zone
from identity.models import center_of
from identity.service import list_centers

bp = console_blueprint("catalog", "/catalog")
AREA = Area(_l("Gifts"), "console_catalog.index", STAFF_ROLES)
#: Who keeps the catalog itself (``POST``/``PATCH /api/v1/catalog/items``).
KEEPERS = ("manager", "admin")
#: Gifts on a page of the list, and movements on a page of a gift's history.
PAGE_SIZE, HISTORY_SIZE = 100, 30
#: Stock changes the delivery form makes: units come in, or are written off.
DELIVERY_REASONS = {"received": 1, "damaged": -1}
MOVEMENT_WORDS = {
    "received": _l("Delivery"),
    "redeemed": _l("Redeemed at the desk"),
    "reserved": _l("Reserved for pickup"),
    "released": _l("Reservation released"),
    "picked_up": _l("Picked up"),
    "returned": _l("Returned (redemption cancelled)"),
    "damaged": _l("Written off"),
    "stock_take": _l("Stock-take adjustment"),
}
PERIOD_WORDS = {"month": _l("a month"), "year": _l("a year")}
#: The gift form's whole-number fields.
_NUMBERS = ("points_cost", "limit_quantity")
assert set(PERIOD_WORDS) == set(LIMIT_PERIODS)


class DeliveryFormSchema(ma.Schema):
    """The delivery or write-off form: a count of units, which the stock moves up or down."""

    center_id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True, validate=validate.OneOf(tuple(DELIVERY_REASONS)))
    quantity = ma.fields.Integer(required=True, validate=validate.Range(1, 100_000))
    note = ma.fields.String(load_default=None)


@bp.get("")
def index() -> str:
    """The gifts at a center (the clerk's own; district-wide staff pick one), cheapest
    first, with what is in stock and what runs low."""
    actor = current_principal()
    center_id = _center(actor)
    paging = {key: request.args[key] for key in ("limit", "cursor") if key in request.args}
    args = form_args(PageArgsSchema(), {"limit": PAGE_SIZE, **paging})
    offered = service.items_page(
        actor, center_id, args["limit"], args["cursor"], utcnow(), district_zone()
    )
    levels = items.levels_at(center_id, (gift.item.id for gift in offered["items"]))
    more = offered["next_cursor"]
    return render_template(
        "console/catalog/index.html",
        offered=offered["items"],
        levels=levels,
        more=url_for(".index", center_id=center_id, cursor=more) if more else None,
        **_page(actor, center_id),
    )


@bp.get("/items/new")
@roles_required(*KEEPERS)
def new_item() -> str:
    return render_template("console/catalog/new.html", periods=PERIOD_WORDS, item=None)


@bp.post("/items")
@roles_required(*KEEPERS)
def create_item() -> Any:
    """Add a gift; its page opens next, where its picture is uploaded."""
    data = _integers(_filled(), *_NUMBERS)
    item = items.create_item(form_args(ItemCreateSchema(), data))
    return _go(url_for(".item", item_id=item.id, saved="created"))


@bp.get("/items/<id:item_id>")
def item(item_id: int) -> str:
    """A gift, its stock at a center and that stock's movements; the forms that change them."""
    actor = current_principal()
    center_id = _center(actor)
    return render_template(
        "console/catalog/item.html",
        item=items.get_item(item_id),
        saved=request.args.get("saved"),
        **_stock(actor, item_id, center_id, request.args.get("cursor")),
        **_page(actor, center_id),
    )


@bp.post("/items/<id:item_id>")
@roles_required(*KEEPERS)
def update_item(item_id: int) -> Any:
    """Change a gift: every field of the form is sent, a limit or description left empty
    is removed."""
    form = {key: value.strip() for key, value in request.form.items() if key != "csrf_token"}
    data: dict[str, Any] = {
        key: form.get(key) or None
        for key in ("name", "description", "limit_quantity", "limit_period")
        if key in form
    }
    for key in ("points_cost", "active"):
        if form.get(key):
            data[key] = form[key]
    items.update_item(item_id, form_args(ItemUpdateSchema(), _integers(data, *_NUMBERS)))
    return _go(url_for(".item", item_id=item_id, saved="item"))


@bp.post("/items/<id:item_id>/image")
@takes_upload("MAX_IMAGE_BYTES")
@roles_required(*KEEPERS)
def upload_image(item_id: int) -> Any:
    """The gift's picture (JPEG, PNG or WebP; re-encoded, metadata dropped), as the API's."""
    items.get_item(item_id)
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        raise ValidationFailed(_l("Choose a picture."), errors={"image": [_l("Choose a picture.")]})
    config = current_app.config
    name = store_image(upload.read(), config["MEDIA_DIR"], config["MAX_IMAGE_BYTES"])
    items.update_item(item_id, {"image_path": name})
    return _go(url_for(".item", item_id=item_id, saved="image"))


@bp.post("/items/<id:item_id>/stock-take")
def stock_take(item_id: int) -> Any:
    """Count the shelf: the difference from the books becomes a stock-take movement."""
    actor = current_principal()
    try:
        data = _integers(_filled(), "center_id", "counted", "low_threshold")
        args = form_args(StockTakeSchema(), data)
        items.take_stock(
            actor, item_id, args["center_id"], args["counted"], args["note"], args["low_threshold"]
        )
    except DomainError as refusal:
        return render_refusal_in(refusal, "#stock-take-result")
    return _stock_done(actor, item_id, args["center_id"], "stock_take")


@bp.post("/items/<id:item_id>/stock")
@done_once
def move_stock(item_id: int) -> Any:
    """A delivery in or a write-off, as ``POST /api/v1/catalog/items/{id}/stock``; the form
    carries an ``Idempotency-Key`` so a double click moves the stock once."""
    actor = current_principal()
    try:
        form = form_args(DeliveryFormSchema(), _filled())
        delta = DELIVERY_REASONS[form["reason"]] * form["quantity"]
        data = {"center_id": form["center_id"], "delta": delta, "reason": form["reason"]}
        args = form_args(StockMoveSchema(), {**data, "note": form["note"]})
        items.move_stock(
            actor, item_id, args["center_id"], args["delta"], args["reason"], args["note"]
        )
    except DomainError as refusal:
        return render_refusal_in(refusal, "#delivery-result")
    return _stock_done(actor, item_id, args["center_id"], args["reason"])


def _stock_done(actor: Principal, item_id: int, center_id: int, done: str) -> Any:
    """After a stock change: the stock part of the page again (htmx), or the whole page."""
    if not is_htmx():
        return redirect(url_for(".item", item_id=item_id, center_id=center_id), 303)
    return render_template(
        "console/catalog/_stock.html",
        item=items.get_item(item_id),
        done=done,
        **_stock(actor, item_id, center_id, None),
        **_page(actor, center_id),
    )


def _stock(actor: Principal, item_id: int, center_id: int, cursor: str | None) -> dict[str, Any]:
    """A gift's stock at a center and a page of its movements (404 for another center's)."""
    history = items.movement_history(actor, item_id, center_id, HISTORY_SIZE, cursor)
    level = items.levels_at(center_id, [item_id]).get(item_id)
    more = history["next_cursor"]
    return {
        "level": level,
        "low": items.low_on_stock(level),
        "history": history["items"],
        "more_history": (
            url_for(".item", item_id=item_id, center_id=center_id, cursor=more) if more else None
        ),
    }


def _center(actor: Principal) -> int:
    """The center whose stock to show: the clerk's own; district-wide staff pick one (the
    first by default). Another center's does not exist to a center's staff."""
    asked = request.args.get("center_id", type=int)
    if actor.center_id is not None and not actor.is_district_wide:
        if asked is not None and asked != actor.center_id:
            raise NotFound(_l("No such center."))
        return actor.center_id
    centers = [center.id for center in list_centers()]
    if asked is not None and asked in centers:
        return asked
    if asked is not None or not centers:
        raise NotFound(_l("No such center."))
    return centers[0]


def _page(actor: Principal, center_id: int) -> dict[str, Any]:
    """What every catalog template needs: the center shown, the picker, who may edit."""
    return {
        "center_id": center_id,
        "center": center_of(center_id),
        "centers": list_centers() if actor.is_district_wide else [],
        "may_edit": actor.role in KEEPERS,
        "movement_words": MOVEMENT_WORDS,
        "periods": PERIOD_WORDS,
        "limit_words": _limit_words,
        "minute": district_minute,
    }


def _limit_words(item: Any) -> str | None:
    """A gift's limit per resident, in words (None: no limit)."""
    if item.limit_quantity is None:
        return None
    if item.limit_period == "month":
        return str(_l("At most %(n)d per resident a month", n=item.limit_quantity))
    return str(_l("At most %(n)d per resident a year", n=item.limit_quantity))


def _filled() -> dict[str, Any]:
    """The form's fields, trimmed, those left empty left out."""
    return {
        key: value.strip()
        for key, value in request.form.items()
        if key != "csrf_token" and value.strip()
    }


def _integers(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """Whole numbers typed in a form, as the API's strict integer fields take them; anything
    else is left for the schema to refuse in words."""
    converted = dict(data)
    for name in names:
        value = converted.get(name)
        if isinstance(value, str) and value.lstrip("-").isdecimal() and len(value) <= 12:
            converted[name] = int(value)
    return converted


def _go(target: str) -> Any:
    """After a change: htmx follows ``HX-Redirect``; a plain form gets a 303."""
    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)
