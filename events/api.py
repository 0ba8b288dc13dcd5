"""Events, their QR codes, check-in (self and staff-assisted), attendance and the scan log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, also_returns, problems
from core.auth import RESIDENT, STAFF_ROLES, auth_required, current_principal
from core.codes import current_keys, qr_image
from core.csvfiles import csv_response
from core.db import utcnow
from core.idempotency import idempotent
from core.localtime import district_zone
from events import checkin, codes, listing, service
from events.checkin import CheckinResult
from events.scans import Attempt, Scanner, refusals_logged
from events.schemas import (
    AnnulledSchema,
    AnnulSchema,
    AttendancePageSchema,
    AttendanceQueryArgsSchema,
    CheckinCreateSchema,
    CheckinEventSchema,
    CheckinRefusalSchema,
    CheckinResultSchema,
    CodeLinkSchema,
    DeviceFlagSchema,
    DisplayLinkSchema,
    EventCreateSchema,
    EventDetailSchema,
    EventPageSchema,
    EventQueryArgsSchema,
    EventUpdateSchema,
    PersonalCodeCreateSchema,
    QrQueryArgsSchema,
    ScanPageSchema,
    StaffCheckinCreateSchema,
)
from identity.audit import resident_at_desk
from points.expiry import current_settings

events_blp = Blueprint("events", __name__, url_prefix="/api/v1/events", description="Events")
checkins_blp = Blueprint(
    "checkins", __name__, url_prefix="/api/v1/checkins", description="Checking in by QR code"
)
EVENT_EDITORS = service.EVENT_EDITORS


@events_blp.route("")
class Events(MethodView):
    @events_blp.response(201, EventDetailSchema)
    @auth_required(*EVENT_EDITORS)
    @events_blp.arguments(EventCreateSchema)
    def post(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Create an event at your center (check-in opens 30 min before, closes 30 min after).

        `points` above the center's rule for the kind needs a manager: desk staff asking for
        more get `403 points_above_rule`. With `resident_id` it is a personal follow-up or
        re-visit that only that resident sees (another kind: `422`; a resident you cannot
        see: `404`)."""
        event = service.create_event(current_principal(), fields)
        return _detail(event)

    @events_blp.response(200, EventPageSchema)
    @auth_required()
    @events_blp.arguments(EventQueryArgsSchema, location="query")
    def get(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Events, each with its center's name, the points a check-in earns (`earns_points`)
        and, for a resident, whether they checked in (`checked_in`).

        Residents see every center's events but never another resident's personal one;
        cancelled ones only with `include_cancelled=true`; upcoming ones first (soonest
        first), then past ones (newest first). Staff see their center's, newest first.
        `when=upcoming|past` picks one of the two, for either."""
        filters["from"] = filters.pop("from_")
        return listing.list_events(current_principal(), filters, utcnow(), district_zone())


def _detail(event: Any) -> dict[str, Any]:
    """An event as staff see it."""
    return listing.detail(event, None)


@events_blp.route("/<id:event_id>")
class EventDetail(MethodView):
    @events_blp.response(200, EventDetailSchema)
    @auth_required()
    def get(self, event_id: int) -> dict[str, Any]:
        """An event with its live attendance; another resident's personal event is `404`."""
        principal = current_principal()
        if principal.kind == "staff":
            return _detail(service.event_for_staff(principal, event_id))
        return listing.detail(service.event_open_to(principal.id, event_id), principal.id)

    @events_blp.response(200, EventDetailSchema)
    @auth_required(*EVENT_EDITORS)
    @events_blp.arguments(EventUpdateSchema)
    def patch(self, changes: dict[str, Any], event_id: int) -> dict[str, Any]:
        """Change an event's title, place, times, points or capacity.

        As at creation, `points` above the center's rule is for managers (`points_above_rule`)."""
        return _detail(service.update_event(current_principal(), event_id, changes))


@events_blp.post("/<id:event_id>/cancel")
@events_blp.response(200, EventDetailSchema)
@auth_required(*EVENT_EDITORS)
def cancel(event_id: int) -> dict[str, Any]:
    """Cancel an event: scans are refused with `event_cancelled` from then on."""
    return _detail(service.cancel_event(current_principal(), event_id, utcnow()))


@events_blp.get("/<id:event_id>/qr")
@events_blp.response(200, CodeLinkSchema)
@also_returns(CodeLinkSchema, "image/png", "image/svg+xml")
@auth_required(*STAFF_ROLES)
@events_blp.arguments(QrQueryArgsSchema, location="query")
def qr(args: dict[str, Any], event_id: int) -> Any:
    """The check-in code: `rotating` (the projector; new every 20 s) or `static` (a poster)."""
    event = service.event_for_staff(current_principal(), event_id)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    if args["mode"] == "static":
        link = codes.static(event.id, event.checkin_closes_at, current_keys(), base_url)
    else:
        seconds = current_app.config["QR_ROTATION_SECONDS"]
        link = codes.rotating(event.id, current_keys(), utcnow(), base_url, seconds)
    return _code_response(link, args["format"])


def _code_response(link: codes.CodeLink, image_format: str, status: int = 200) -> Any:
    if image_format == "json":
        return link
    body, content_type = qr_image(link.url, image_format)
    return Response(body, status=status, content_type=content_type)


@events_blp.post("/<id:event_id>/personal-codes")
@events_blp.response(201, CodeLinkSchema)
@also_returns(CodeLinkSchema, "image/png", "image/svg+xml", status=201)
@auth_required(*STAFF_ROLES)
@events_blp.arguments(PersonalCodeCreateSchema)
@events_blp.arguments(QrQueryArgsSchema(only=("format",)), location="query")
def personal_code(args: dict[str, Any], query: dict[str, Any], event_id: int) -> Any:
    """A one-time code for one resident (a follow-up or re-visit): `not_your_code` for others.

    A personal event's code is for its resident only: `409 event_is_personal` for another."""
    event, resident = service.personal_code_holder(
        current_principal(), event_id, args["resident_id"]
    )
    link = codes.personal(
        event.id, resident.id, current_keys(), current_app.config["PUBLIC_BASE_URL"]
    )
    return _code_response(link, query["format"], status=201)


@events_blp.post("/<id:event_id>/display")
@events_blp.response(201, DisplayLinkSchema)
@auth_required(*STAFF_ROLES)
def display_link(event_id: int) -> codes.CodeLink:
    """A link to the full-screen projector page with the rotating code.

    It ends when the event's check-in closes (`expires_at`), when the event is cancelled, or
    when its links are revoked. `checkin_closed` or `event_cancelled` once there is nothing
    left to show."""
    event = service.event_to_display(current_principal(), event_id, utcnow())
    return codes.display_link(
        event.id,
        event.display_generation,
        event.checkin_closes_at,
        current_keys(),
        current_app.config["PUBLIC_BASE_URL"],
    )


@events_blp.post("/<id:event_id>/display-link/revoke")
@events_blp.response(204)
@auth_required(*STAFF_ROLES)
def revoke_display_links(event_id: int) -> None:
    """Withdraw every projector link issued for the event so far (`display_link_revoked`).

    Pages open on an older link stop showing codes at their next refresh (within 20 s);
    `POST .../display` then gives a new link."""
    service.revoke_display_links(current_principal(), event_id)


_EVENT_SCHEMA = CheckinEventSchema()
#: Check-in refusals at a known event carry it; documented on both check-in operations.
_REFUSALS = problems(
    CheckinRefusalSchema,
    403,
    409,
    description="A refusal (`not_your_code`, `checkin_not_open`, `checkin_closed`, "
    "`event_cancelled`, `event_full`...): `event` names the event refused",
)


@contextmanager
def _refusals_logged(staff_id: int | None = None) -> Iterator[Attempt]:
    """Log a refused attempt (``scans.refusals_logged``) from this client, and name the event
    it refused, so the result screen needs nothing else."""
    scanner = Scanner.of(
        staff_id,
        client_ip=request.remote_addr,
        user_agent=request.user_agent.string[:200] or None,
    )
    try:
        with refusals_logged(scanner) as attempt:
            yield attempt
    except checkin.CheckinRefusal as error:
        if error.event is not None:
            error.extensions["event"] = _EVENT_SCHEMA.dump(error.event)
        raise


def _result(result: CheckinResult) -> tuple[dict[str, Any], int]:
    body = {
        "checkin": {
            "id": result.checkin_id,
            "event_id": result.event_id,
            "created_at": result.created_at,
        },
        "event": result.event,
        "points_awarded": result.points_awarded,
        "balance": result.balance,
        "already_checked_in": result.already_checked_in,
        "capped": result.capped,
    }
    return body, 200 if result.already_checked_in else 201


@checkins_blp.post("")
@idempotent
@checkins_blp.response(201, CheckinResultSchema)
@checkins_blp.alt_response(200, schema=CheckinResultSchema, description="Already checked in")
@_REFUSALS
@auth_required(RESIDENT)
@checkins_blp.arguments(CheckinCreateSchema)
def self_checkin(args: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Check in with a scanned code (`url`, or its `token`); a repeat is a 200, never a credit.

    The result and every refusal at a known event name the event (`event`). Refusals:
    `invalid_qr` (400), `qr_expired` (410), `not_your_code` (403: someone else's personal code
    or event), `checkin_not_open`, `checkin_closed`, `event_cancelled`, `event_full` (409),
    `token_revoked` (401: the account was closed).
    """
    resident_id = current_principal().id
    now = utcnow()
    config = current_app.config
    with _refusals_logged() as scan:
        scan.resident_id = resident_id
        bases = (config["PUBLIC_BASE_URL"], *config["CHECKIN_LINK_PREFIXES"])
        token = codes.token_of(args.get("url") or args["token"], bases)
        code = codes.read(token, current_keys(), now, config["QR_ROTATION_SECONDS"])
        scan.event_id = code.event_id
        result = checkin.check_in(
            code.event_id,
            resident_id,
            now=now,
            settings=current_settings(),
            scanner=scan.scanner,
            code_owner=code.resident_id,
        )
    return _result(result)


@events_blp.post("/<id:event_id>/checkins")
@idempotent
@events_blp.response(201, CheckinResultSchema)
@events_blp.alt_response(200, schema=CheckinResultSchema, description="Already checked in")
@_REFUSALS
@auth_required(*STAFF_ROLES)
@events_blp.arguments(StaffCheckinCreateSchema)
def staff_checkin(args: dict[str, Any], event_id: int) -> tuple[dict[str, Any], int]:
    """Check a resident in at the desk by their member code, or by id after a search.

    The same rules and answers as self check-in; a closed account is `not_found`.
    """
    actor = current_principal()
    now = utcnow()
    with _refusals_logged(actor.id) as scan:
        scan.event_id = service.event_for_staff(actor, event_id).id
        resident = resident_at_desk(
            actor, args.get("member_code"), args.get("resident_id"), current_keys(), now
        )
        scan.resident_id = resident.id
        result = checkin.check_in(
            event_id,
            resident.id,
            now=now,
            settings=current_settings(),
            scanner=scan.scanner,
            staff=actor,
        )
    return _result(result)


@checkins_blp.post("/<id:checkin_id>/annul")
@idempotent
@checkins_blp.response(200, AnnulledSchema)
@auth_required(*STAFF_ROLES)
@checkins_blp.arguments(AnnulSchema)
def annul(args: dict[str, Any], checkin_id: int) -> Any:
    """Annul a check-in: its points are reversed in the ledger; the record stays, marked."""
    return checkin.annul(checkin_id, current_principal(), args["reason"], utcnow())


@events_blp.get("/<id:event_id>/attendance")
@events_blp.response(200, AttendancePageSchema)
@also_returns(AttendancePageSchema, "text/csv")
@auth_required(*STAFF_ROLES)
@events_blp.arguments(AttendanceQueryArgsSchema, location="query")
def attendance(args: dict[str, Any], event_id: int) -> Any:
    """Who checked in (annulled ones marked); `format=csv` exports it all (audited)."""
    actor = current_principal()
    event = service.event_for_staff(actor, event_id)
    if args["format"] == "csv":
        text = service.export_attendance(actor, event, district_zone())
        return csv_response(text, f"attendance-{event.id}.csv")
    return service.attendance_page(event, args["limit"], args["cursor"])


@events_blp.get("/<id:event_id>/scans")
@events_blp.response(200, ScanPageSchema)
@auth_required(*STAFF_ROLES)
@events_blp.arguments(PageArgsSchema, location="query")
def scans(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Every check-in attempt at the event, newest first, refusals included."""
    event = service.event_for_staff(current_principal(), event_id)
    return service.scan_log(event.id, args["limit"], args["cursor"])


@events_blp.get("/<id:event_id>/flags")
@events_blp.response(200, DeviceFlagSchema(many=True))
@auth_required(*STAFF_ROLES)
def flags(event_id: int) -> list[service.DeviceFlag]:
    """Devices that checked in several residents here: worth a look, never blocked."""
    event = service.event_for_staff(current_principal(), event_id)
    return service.device_flags(event.id)


blueprints = (events_blp, checkins_blp)
