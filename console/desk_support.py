"""What the desk's views share: reading their forms, naming the resident and the desk's
center, the API's staff check-in, and the outcome in words with the card as it is now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, render_template, request, session
from werkzeug.datastructures import MultiDict

from catalog import records, reservations
from catalog.models import Redemption
from catalog.schemas import RedemptionCreateSchema, ResidentAtDeskSchema
from console.desk_card import card_of
from console.plumbing import form_args
from core.auth import Principal, current_principal
from core.codes import current_keys
from core.db import utcnow
from core.i18n import Text, _l
from core.localtime import district_zone
from events import checkin
from events import service as events
from events.scans import Scanner, refusals_logged
from gamification.progress import GameSettings
from identity.audit import resident_at_desk
from identity.models import Resident
from points.expiry import current_settings

#: The session's key for the center a district-wide principal chose for this desk.
CENTER = "desk_center"


def fields(source: MultiDict[str, str], *names: str) -> dict[str, str]:
    """The named fields that were filled in, trimmed."""
    values = {name: (source.get(name) or "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def resident_named() -> dict[str, Any]:
    """How a card's button names the resident: ``member_code`` or ``resident_id``."""
    named: dict[str, Any] = form_args(
        ResidentAtDeskSchema(), fields(request.form, "member_code", "resident_id")
    )
    return named


def redemption_args() -> dict[str, Any]:
    """The gift, how many and the resident, read as the API reads a redemption."""
    data: dict[str, Any] = fields(request.form, "member_code", "resident_id", "item_id", "quantity")
    quantity = data.get("quantity", "")
    if quantity.isascii() and quantity.isdigit():
        # A form sends text; the API's schema takes the number itself, as JSON sends it.
        data["quantity"] = int(quantity)
    args: dict[str, Any] = form_args(RedemptionCreateSchema(), data)
    return args


def resident(actor: Principal, named: dict[str, Any], now: datetime) -> Resident:
    return resident_at_desk(
        actor, named.get("member_code"), named.get("resident_id"), current_keys(), now
    )


def card_center(actor: Principal) -> int | None:
    """The center whose events and gifts the card shows: the actor's own, or the one a
    district-wide principal chose (None until they do)."""
    return session.get(CENTER) if actor.is_district_wide else actor.center_id


def desk_center(actor: Principal) -> int:
    """The center whose desk this is, for what happens at one (``validation_error`` in words
    while a district-wide principal has not chosen one)."""
    return reservations.desk_center(actor, card_center(actor))


def check_in(
    actor: Principal, event_id: int, member_code: str | None, resident_id: int | None
) -> tuple[Resident, checkin.CheckinResult]:
    """The API's staff check-in: the event (a center of the actor's), the resident, then the
    check-in; a refusal is logged in the scan log."""
    now = utcnow()
    scanner = Scanner.of(
        actor.id,
        client_ip=request.remote_addr,
        user_agent=request.user_agent.string[:200] or None,
    )
    with refusals_logged(scanner) as attempt:
        attempt.event_id = events.event_for_staff(actor, event_id).id
        found = resident_at_desk(actor, member_code, resident_id, current_keys(), now)
        attempt.resident_id = found.id
        result = checkin.check_in(
            event_id,
            found.id,
            now=now,
            settings=current_settings(),
            scanner=scanner,
            staff=actor,
        )
    return found, result


def done(code: str, title: Text, detail: Text | None = None) -> dict[str, Any]:
    """An outcome in words for ``#result``; ``code`` says which, for tests and styles."""
    return {"outcome": {"code": code, "title": title, "detail": detail}}


FOUND = done("found", _l("Resident found"))


def checked_in(result: checkin.CheckinResult) -> dict[str, Any]:
    title = result.event.title
    if result.already_checked_in:
        return done(
            "already_checked_in",
            _l("Checked in already: %(title)s", title=title),
            _l("No points a second time; balance %(balance)d.", balance=result.balance),
        )
    if result.capped:
        detail = _l(
            "+%(points)d points (the earning cap is reached); balance %(balance)d.",
            points=result.points_awarded,
            balance=result.balance,
        )
    else:
        detail = _l(
            "+%(points)d points; balance %(balance)d.",
            points=result.points_awarded,
            balance=result.balance,
        )
    return done("checked_in", _l("Checked in: %(title)s", title=title), detail)


def handed_over(code: str, redemption: Redemption, spent: Text) -> dict[str, Any]:
    """A gift that left the desk (redeemed there, or reserved and picked up)."""
    gift = records.described(redemption)["item"]["name"]
    return done(
        code,
        _l("Handed over: %(gift)s × %(count)d", gift=gift, count=redemption.quantity),
        spent,
    )


def outcome(words: dict[str, Any], found: Resident, code: str | None) -> str:
    """The outcome in ``#result``, and the resident's card as it is now in ``#panel``.
    ``code``: what the resident showed (None: found by search)."""
    actor, now = current_principal(), utcnow()
    shown = card_of(
        actor,
        found,
        code,
        card_center(actor),
        now,
        district_zone(),
        GameSettings.from_config(current_app.config),
    )
    return render_template("console/desk/_outcome.html", **words, card=shown)
