"""The desk (``/console/desk``): the scan box that always has focus, and the resident's card.

Whatever is scanned (or found by search) comes back as htmx fragments: the outcome in words
goes to ``#result`` (a refusal too, the service's own ``DomainError``), and the card
(``#panel``) and the door banner (``#door``) follow out of band. Each view calls the
services the API's matching operation calls, in the same order.

A scanned check-in link puts the desk in door mode (the tablet at the lecture hall door):
while its event is chosen, every resident scanned is checked in to it at once. A
district-wide principal says which center's desk this is; until then the card shows no
events and no gifts, and nothing that happens at a desk can be done.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, render_template, request, session, url_for

from catalog import records, reservations
from catalog import service as catalog
from catalog.schemas import CancelSchema, PickupSchema
from console import desk_support as desk
from console.desk_card import reference
from console.desk_support import CENTER, FOUND, checked_in, done, fields, outcome
from console.plumbing import Area, console_blueprint, done_once, form_args, roles_required
from core.auth import STAFF_ROLES, Principal, current_principal
from core.codes import current_keys
from core.db import utcnow
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import _l
from core.localtime import district_zone
from core.ratelimit import limiter
from events import checkin, codes
from events import service as events
from events.models import Event
from events.schemas import AnnulSchema
from identity import service as identity
from identity.audit import resident_at_desk
from identity.schemas import ResidentQueryArgsSchema

bp = console_blueprint("desk", "/desk")
AREA = Area(_l("Desk"), "console_desk.index", STAFF_ROLES)

#: The session's key for the event of door mode.
DOOR = "desk_door"
#: Residents a search lists (more of the name or phone finds the others).
LISTED = 20
#: A scan longer than this is no code of ours.
LONGEST_SCAN = 300


def _pickup_limit() -> str:
    return current_app.config["PICKUP_RATE_LIMIT"]  # type: ignore[no-any-return]


def _sent_pickup_code() -> bool:
    code = request.form.get("code") or request.form.get("pickup_code") or ""
    return _is_pickup_code(code.strip())


def _wrong_pickup_code(response: Response) -> bool:
    return response.status_code == 404 and _sent_pickup_code()


#: The API's budget of wrong pickup codes per client address (the same scope): guessing
#: codes at the desk spends it as at the API. Scans of anything else neither spend it nor
#: wait for it.
_wrong_pickup_codes = limiter.shared_limit(
    _pickup_limit,
    scope="wrong-pickup-code",
    deduct_when=_wrong_pickup_code,
    exempt_when=lambda: not _sent_pickup_code(),
)


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    zone = district_zone()
    return {
        "local_time": lambda moment, pattern: moment.astimezone(zone).strftime(pattern),
    }


# -- the page --------------------------------------------------------------------------------


@bp.get("")
@roles_required(*STAFF_ROLES)
def index() -> str:
    actor = current_principal()
    return render_template(
        "console/desk/index.html",
        door=_door(actor),
        centers=identity.list_centers() if actor.is_district_wide else None,
        chosen_center=session.get(CENTER),
    )


@bp.post("/center")
@roles_required(*STAFF_ROLES)
def choose_center() -> Response:
    """A district-wide principal says which center's desk this is (a plain form)."""
    actor = current_principal()
    if not actor.is_district_wide:
        raise ValidationFailed(_l("This desk is your center's."))
    wanted = request.form.get("center_id", type=int)
    if wanted not in {center.id for center in identity.list_centers()}:
        raise NotFound(_l("No such center."))
    session[CENTER] = wanted
    return redirect(url_for(".index"))


# -- scanning and finding --------------------------------------------------------------------


@bp.post("/scan")
@_wrong_pickup_codes
@roles_required(*STAFF_ROLES)
def scan() -> Any:
    """Whatever the scanner read: a check-in link (door mode), a pickup code (the reservation
    to hand over), else a member code or a member card (the resident's card; in door mode,
    checked in at once). A refusal clears the card: it was someone else's."""
    code = (request.form.get("code") or "").strip()
    try:
        if not code or len(code) > LONGEST_SCAN:
            raise ValidationFailed(_l("Scan a code, or type it and press Enter."))
        if _is_link(code):
            return _scanned_link(code)
        if _is_pickup_code(code):
            return _scanned_pickup_code(code)
        return _scanned_resident(code)
    except DomainError as error:
        if error.status == 401:
            raise
        page = render_template("console/desk/_scan_refused.html", error=error)
        return page, error.status, dict(error.headers or {})


def _is_link(code: str) -> bool:
    return "/" in code or code.lower().startswith("http")


def _is_pickup_code(code: str) -> bool:
    return code.isdigit() and len(code) == reservations.CODE_DIGITS


def _scanned_link(code: str) -> str:
    """A check-in link: a poster's or projector's chooses its event for door mode (while its
    check-in has not ended); a personal slip checks its resident in to its event."""
    actor, now = current_principal(), utcnow()
    config = current_app.config
    token = codes.token_of(code, (config["PUBLIC_BASE_URL"], *config["CHECKIN_LINK_PREFIXES"]))
    read = codes.read(token, current_keys(), now, config["QR_ROTATION_SECONDS"])
    if read.resident_id is not None:
        found, result = desk.check_in(actor, read.event_id, None, read.resident_id)
        return outcome(checked_in(result), found, None)
    event = events.event_to_display(actor, read.event_id, now)
    session[DOOR] = event.id
    words = done(
        "door_on",
        _l("Door mode: %(title)s", title=event.title),
        _l("Every resident scanned now is checked in to this event."),
    )
    return render_template(
        "console/desk/_outcome.html", **words, door=event, door_changed=True, clear_panel=True
    )


def _scanned_pickup_code(code: str) -> str:
    actor = current_principal()
    reservation = reservations.by_code(
        actor, code, desk.desk_center(actor), current_keys(), utcnow()
    )
    return render_template(
        "console/desk/_pickup.html", reservation=records.for_pickup(reservation), code=code
    )


def _scanned_resident(code: str) -> str:
    actor = current_principal()
    door = session.get(DOOR)
    if door is not None:
        found, result = desk.check_in(actor, door, code, None)
        return outcome(checked_in(result), found, code)
    found = resident_at_desk(actor, code, None, current_keys(), utcnow())
    return outcome(FOUND, found, code)


@bp.get("/search")
@roles_required(*STAFF_ROLES)
def search() -> str:
    """Residents by a phone's last digits or a name, as ``GET /api/v1/residents?q=`` finds
    them (audited); each opens their card."""
    args = form_args(ResidentQueryArgsSchema(), fields(request.args, "q"))
    found = identity.search_residents(current_principal(), args["q"], LISTED, None)
    return render_template(
        "console/desk/_found.html", residents=found["items"], more=found["next_cursor"]
    )


@bp.get("/residents/<int:resident_id>")
@roles_required(*STAFF_ROLES)
def card(resident_id: int) -> str:
    """A resident found by search: their card (another center's is not found, as by id at
    the API)."""
    actor = current_principal()
    found = resident_at_desk(actor, None, resident_id, current_keys(), utcnow())
    return outcome(FOUND, found, None)


# -- door mode -------------------------------------------------------------------------------


@bp.post("/door/leave")
@roles_required(*STAFF_ROLES)
def leave_door() -> str:
    session.pop(DOOR, None)
    words = done("door_off", _l("Door mode ended: residents scanned are no longer checked in."))
    return render_template("console/desk/_outcome.html", **words, door=None, door_changed=True)


def _door(actor: Principal) -> Event | None:
    """The event of door mode, until its check-in ends (or it is cancelled, or the actor may
    no longer see it): then door mode has ended by itself."""
    event_id = session.get(DOOR)
    if event_id is None:
        return None
    try:
        return events.event_to_display(actor, event_id, utcnow())
    except DomainError:
        session.pop(DOOR, None)
        return None


# -- what the card's buttons do --------------------------------------------------------------


@bp.post("/checkin")
@done_once
@roles_required(*STAFF_ROLES)
def check_in() -> str:
    """Check the resident in to one of today's events here (the API's staff check-in)."""
    event_id = request.form.get("event_id", type=int)
    if event_id is None:
        raise ValidationFailed(_l("Choose an event."))
    named = desk.resident_named()
    found, result = desk.check_in(
        current_principal(), event_id, named.get("member_code"), named.get("resident_id")
    )
    return outcome(checked_in(result), found, named.get("member_code"))


@bp.post("/redeem/preview")
@roles_required(*STAFF_ROLES)
def redeem_preview() -> str:
    """What redeeming the gift would do, to confirm with the resident; a redemption that would
    be refused is refused now, in words. Nothing is written but the audited read."""
    actor, now = current_principal(), utcnow()
    args = desk.redemption_args()
    found = desk.resident(actor, args, now)
    quote = catalog.quote(
        found.id, args["item_id"], args["quantity"], desk.desk_center(actor), now, district_zone()
    )
    if quote.refusal is not None:
        raise quote.refusal
    return render_template(
        "console/desk/_preview.html",
        quote=quote,
        name=records.masked_resident(found)["name_masked"],
        ref=reference(actor, found, args.get("member_code")),
    )


@bp.post("/redeem")
@done_once
@roles_required(*STAFF_ROLES)
def redeem() -> str:
    """Hand the gift over. The confirm button carries the ``Idempotency-Key`` its preview
    made: a double click or a retry hands over one gift."""
    actor, now = current_principal(), utcnow()
    args = desk.redemption_args()
    found = desk.resident(actor, args, now)
    redemption, balance = catalog.redeem(
        actor,
        found.id,
        args["item_id"],
        args["quantity"],
        desk.desk_center(actor),
        now,
        district_zone(),
    )
    words = desk.handed_over(
        "redeemed",
        redemption,
        _l(
            "%(points)d points spent; balance %(balance)d.",
            points=redemption.points_spent,
            balance=balance,
        ),
    )
    return outcome(words, found, args.get("member_code"))


@bp.post("/pickup")
@_wrong_pickup_codes
@done_once
@roles_required(*STAFF_ROLES)
def pickup() -> str:
    """Hand over a reserved gift by its pickup code (the API's pickup)."""
    actor, now = current_principal(), utcnow()
    code = form_args(PickupSchema(), fields(request.form, "pickup_code"))["pickup_code"]
    reservation = reservations.by_code(actor, code, desk.desk_center(actor), current_keys(), now)
    fulfilled, balance = reservations.fulfil(actor, reservation, now)
    words = desk.handed_over(
        "handed_over",
        fulfilled,
        _l(
            "The %(points)d points held were spent; balance %(balance)d.",
            points=fulfilled.points_spent,
            balance=balance,
        ),
    )
    return render_template("console/desk/_outcome.html", **words, clear_panel=True)


@bp.post("/checkins/<int:checkin_id>/annul")
@done_once
@roles_required(*STAFF_ROLES)
def annul(checkin_id: int) -> str:
    """Annul a check-in, with a reason: its points come back out of the ledger."""
    actor, now = current_principal(), utcnow()
    reason = form_args(AnnulSchema(), fields(request.form, "reason"))["reason"]
    named = desk.resident_named()
    found = desk.resident(actor, named, now)
    checkin.annul(checkin_id, actor, reason, now)
    words = done("annulled", _l("The check-in was annulled and its points taken back."))
    return outcome(words, found, named.get("member_code"))


@bp.post("/redemptions/<int:redemption_id>/cancel")
@done_once
@roles_required(*STAFF_ROLES)
def refund(redemption_id: int) -> str:
    """The gift came back, with a reason: points refunded, the gift back in stock."""
    actor, now = current_principal(), utcnow()
    reason = form_args(CancelSchema(), fields(request.form, "reason"))["reason"]
    named = desk.resident_named()
    found = desk.resident(actor, named, now)
    taken_back = catalog.cancel(actor, redemption_id, reason, now)
    words = done(
        "refunded",
        _l("Taken back: %(gift)s", gift=records.described(taken_back)["item"]["name"]),
        _l("%(points)d points refunded.", points=taken_back.points_spent),
    )
    return outcome(words, found, named.get("member_code"))
