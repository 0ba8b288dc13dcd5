"""Sign-ups (报名): a resident takes a place ahead of an event; staff see who did (a
resident's own list: me.api)."""

from __future__ import annotations

from typing import Any

from core.api import Blueprint, PageArgsSchema
from core.auth import RESIDENT, STAFF_ROLES, auth_required, current_principal
from core.db import utcnow
from core.idempotency import idempotent
from events import listing, service, signups
from events.signup_schemas import SigneePageSchema, SignupSchema

signups_blp = Blueprint(
    "signups",
    __name__,
    url_prefix="/api/v1/events",
    description="Sign-ups (报名) for lectures and screenings",
)


@signups_blp.post("/<id:event_id>/signups")
@idempotent
@signups_blp.response(201, SignupSchema)
@signups_blp.alt_response(200, schema=SignupSchema, description="Signed up already")
@auth_required(RESIDENT)
def sign_up(event_id: int) -> tuple[dict[str, Any], int]:
    """Sign up for an event: it takes one of its places (`capacity`; none: no limit).

    Signing up again gives the same sign-up back (200). Refusals: `404` (an event you cannot
    see), `event_full`, `signup_closed` (it has started), `event_cancelled`,
    `signup_not_needed` (a follow-up made for you alone) (409); `token_revoked` (401: the
    account was closed)."""
    resident_id = current_principal().id
    signed = signups.sign_up(resident_id, event_id, utcnow())
    body = listing.signup(signed.signup, signed.event, resident_id)
    return body, 201 if signed.new else 200


@signups_blp.delete("/<id:event_id>/signups/me")
@signups_blp.response(204)
@auth_required(RESIDENT)
def cancel(event_id: int) -> None:
    """Call off your sign-up, freeing its place (DELETE: the mini-program has no PATCH).

    Nothing to call off is a 204 too. After the event started: `409 signup_closed`."""
    signups.cancel(current_principal().id, event_id, utcnow())


@signups_blp.get("/<id:event_id>/signups")
@signups_blp.response(200, SigneePageSchema)
@auth_required(*STAFF_ROLES)
@signups_blp.arguments(PageArgsSchema, location="query")
def signees(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Who signed up (live sign-ups, in the order they came): names, masked phones, and
    whether each has checked in. Another center's event is `404`."""
    event = service.event_for_staff(current_principal(), event_id)
    return signups.signups_page(event, args["limit"], args["cursor"])


blueprints = (signups_blp,)
