"""Residents (``/console/residents``): find them, register one at the desk (for residents
without a smartphone), open their page, print, re-issue or revoke their member card, and
give one registered at the desk a link code to join their WeChat account to the record.

A card's code is known only while the card is printed (identity.member_cards keeps its
hash), so printing answers with the card itself: an A6 page to print there and then. A link
code likewise is shown once: as a slip in the desk's outcome box, or a page to print.
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from flask import Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from console.plumbing import Area, console_blueprint, form_args, is_htmx
from core.auth import STAFF_ROLES, current_principal
from core.codes import current_keys
from core.db import utcnow
from core.i18n import _l
from core.localtime import district_minute, district_zone, local_date
from identity import audit, card_codes, member_cards, service
from identity.models import center_of
from identity.schemas import (
    MemberCardIssueSchema,
    MemberCardRevokeSchema,
    ResidentCreateSchema,
    ResidentQueryArgsSchema,
)
from merging import service as merging

bp = console_blueprint("residents", "/residents")
AREA = Area(_l("Residents"), "console_residents.index", STAFF_ROLES)

_SEARCH = ResidentQueryArgsSchema()
_REGISTER = ResidentCreateSchema()
_PRINT = MemberCardIssueSchema()
_REVOKE = MemberCardRevokeSchema()


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"district_minute": district_minute}


@bp.get("")
def index() -> str:
    """Residents of the staff member's center (the district's, for district staff), newest
    first, or those a phone's last digits or a name find."""
    args = form_args(_SEARCH, {k: v for k, v in request.args.items() if v.strip()})
    found = service.search_residents(current_principal(), args["q"], args["limit"], args["cursor"])
    return render_template("console/residents/index.html", q=args["q"] or "", found=found)


@bp.get("/new")
def new() -> str:
    return render_template("console/residents/new.html", centers=_centers_to_choose())


@bp.post("/new")
def register() -> Response:
    """The same registration as ``POST /api/v1/residents``; then the resident's page, where
    their card is printed."""
    args = form_args(_REGISTER)
    resident = service.register_resident(
        current_principal(), args["name"], args["phone"], args["center_id"]
    )
    return _go_to(url_for(".show", resident_id=resident.id))


@bp.get("/<id:resident_id>")
def show(resident_id: int) -> str:
    resident = audit.resident_for_staff(current_principal(), resident_id)
    return render_template(
        "console/residents/show.html", resident=resident, center=center_of(resident.center_id)
    )


@bp.post("/<id:resident_id>/card")
def print_card(resident_id: int) -> str:
    """Print a card (or, with a reason, replace the live one): the printable card, the one
    page that shows its code."""
    args = form_args(_PRINT)
    actor = current_principal()
    resident = audit.resident_for_staff(actor, resident_id)
    printed = member_cards.issue(actor, resident, utcnow(), replacing=args["reissue_reason"])
    return render_template(
        "console/residents/card.html",
        resident=resident,
        center=center_of(resident.center_id),
        code=card_codes.grouped(printed.code),
        qr=printed_qr(printed.code),
        issued_on=local_date(printed.card.issued_at, district_zone()),
    )


@bp.post("/<id:resident_id>/card/revoke")
def revoke_card(resident_id: int) -> Response:
    args = form_args(_REVOKE)
    actor = current_principal()
    resident = audit.resident_for_staff(actor, resident_id)
    member_cards.revoke(actor, resident, args["reason"], utcnow())
    return _go_to(url_for(".show", resident_id=resident.id))


@bp.post("/<id:resident_id>/link-code")
def link_code(resident_id: int) -> str:
    """A one-time link code for a resident registered at the desk (the API's
    ``POST /residents/{id}/link-code``), for them to scan in the mini-program: from the
    desk's card, a slip in its outcome box (printable); from a plain form, a page to print.
    ``resident_has_wechat`` for a resident who has WeChat already."""
    config = current_app.config
    issued = merging.issue_link_code(
        current_principal(),
        resident_id,
        config["LINK_CODE_TTL"],
        current_keys(),
        config["PUBLIC_BASE_URL"],
        utcnow(),
    )
    page = not is_htmx()
    return render_template(
        "console/residents/link_code.html" if page else "console/residents/_link_slip.html",
        issued=issued,
        page=page,
        # The record the service just authorized and read, from the session: not read again.
        resident=service.get_resident(resident_id),
        qr=printed_qr(issued["code"]),
        expires=district_minute(issued["expires_at"]),
        minutes=config["LINK_CODE_TTL"] // 60,
    )


def printed_qr(code: str) -> Markup:
    """A code's QR as inline SVG: the highest error correction (a card lives in a wallet)
    and the 4-module quiet zone a printed code wants; the page sizes it."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    # Our own drawing of our own code: nothing in it comes from a person.
    return Markup(image.to_string(encoding="unicode"))


def _centers_to_choose() -> list[Any]:
    """District staff say at which center a resident registers; a center's staff register
    at their own."""
    return service.list_centers() if current_principal().is_district_wide else []


def _go_to(target: str) -> Response:
    """After a write: htmx follows ``HX-Redirect``; a plain form, a 303."""
    if is_htmx():
        return Response(status=200, headers={"HX-Redirect": target})
    return redirect(target, code=303)
