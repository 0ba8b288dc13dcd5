"""Events (``/console/events``): the center's events; creating, changing and cancelling one;
its projector and its A4 poster with the static check-in code; who signed up; who came (and
the CSV); the scan log with what looks odd.

The same services as ``/api/v1/events``: forms are read by its schemas, and every rule (who
may set points above the rule, the default check-in window, another center's events being
nowhere) is the service's. Times in forms are the district's wall clock.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from functools import cache
from typing import Any

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import format_date
from markupsafe import Markup

from console.plumbing import Area, console_blueprint, form_args, is_htmx, roles_required
from core.auth import STAFF_ROLES, current_principal
from core.codes import current_keys, qr_image
from core.csvfiles import csv_response
from core.db import utcnow
from core.errors import DomainError, ValidationFailed
from core.i18n import Text, _l
from core.localtime import district_zone
from events import codes, listing, service, signups
from events.models import Event
from events.schemas import EventCreateSchema, EventQueryArgsSchema, EventUpdateSchema
from identity.service import list_centers
from points.history import earned_by
from points.models import ACTIVITIES

bp = console_blueprint("events", "/events")
AREA = Area(_l("Events"), "console_events.index", STAFF_ROLES)

KINDS: dict[str, Text] = {
    "lecture": _l("Lecture"),
    "consultation": _l("Consultation day"),
    "followup": _l("Follow-up"),
    "revisit": _l("Re-visit"),
    "screening": _l("Screening"),
}
#: What the scan log says of the attempts that were not refused.
OUTCOMES: dict[str, Text] = {
    "checked_in": _l("Checked in"),
    "already_checked_in": _l("Scanned again"),
}
#: Events on a page of each of the list's two parts, and lines on a page of who came.
PAGE_SIZE = 20
LINES_PER_PAGE = 50
#: The form's fields holding a district time (``<input type="datetime-local">``).
MOMENTS = ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at")
#: Whole numbers the schemas read strictly (a form sends every value as text).
NUMBERS = ("points", "capacity")
#: What emptying a field of the edit form means: back to none (the rule's points, no limit).
CLEARABLE = ("location", "points", "capacity")

_CREATE = EventCreateSchema()
_UPDATE = EventUpdateSchema()
_QUERY = EventQueryArgsSchema()


@bp.context_processor
def _page_helpers() -> dict[str, Any]:
    principal = g.get("principal")  # none yet on a refused form (CSRF is checked first)
    return {
        "kinds": KINDS,
        "local": _local,
        "may_edit": principal is not None and principal.role in service.EVENT_EDITORS,
    }


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(district_zone())


@bp.get("")
@roles_required(*STAFF_ROLES)
def index() -> str:
    """Upcoming events (soonest first), then past ones (newest first), with who came."""
    actor = current_principal()
    filters = _list_filters()
    now, tz = utcnow(), district_zone()
    parts = {
        when: listing.list_events(
            actor, {**filters, "when": when, "cursor": request.args.get(when)}, now, tz
        )
        for when in listing.WHEN
    }
    shown = [event["id"] for part in parts.values() for event in part["items"]]
    more = {
        when: url_for(".index", **{**request.args.to_dict(), when: part["next_cursor"]})
        if part["next_cursor"]
        else None
        for when, part in parts.items()
    }
    return render_template(
        "console/events/index.html",
        parts=parts,
        more=more,
        attendance=service.attendance_by_event(shown),
        centers=list_centers() if actor.is_district_wide else [],
        filters=request.args,
        now=now,
    )


def _list_filters() -> dict[str, Any]:
    """The list's filters (kind, month, and for the district a center), read by the API's
    query schema."""
    data: dict[str, Any] = {"limit": PAGE_SIZE}
    for name in ("kind", "center_id"):
        if request.args.get(name):
            data[name] = request.args[name]
    month = request.args.get("month")
    if month:
        first, last = _month(month)
        data["from"], data["to"] = first.isoformat(), last.isoformat()
    filters = form_args(_QUERY, data)
    filters["from"] = filters.pop("from_")
    return filters


def _month(text: str) -> tuple[date, date]:
    """The first and last day of a ``YYYY-MM`` month."""
    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationFailed(errors={"month": [_l("Pick a month.")]}) from None
    return first, first.replace(day=monthrange(year, month)[1])


@bp.get("/new")
@roles_required(*service.EVENT_EDITORS)
def new() -> str:
    return _form_page(None, {"kind": ACTIVITIES[0]}, None)


@bp.post("")
@roles_required(*service.EVENT_EDITORS)
def create() -> Any:
    try:
        event = service.create_event(current_principal(), form_args(_CREATE, _form_data()))
    except DomainError as refusal:
        return _form_page(None, request.form, refusal), refusal.status
    return _go(url_for(".detail", event_id=event.id))


@bp.get("/<int:event_id>")
@roles_required(*STAFF_ROLES)
def detail(event_id: int) -> str:
    event = service.event_for_staff(current_principal(), event_id)
    return render_template(
        "console/events/detail.html",
        event=listing.detail(event, None),
        over=event.cancelled_at is not None or utcnow() > event.checkin_closes_at,
    )


@bp.get("/<int:event_id>/edit")
@roles_required(*service.EVENT_EDITORS)
def edit(event_id: int) -> str:
    event = service.event_for_staff(current_principal(), event_id)
    return _form_page(event, _form_values(event), None)


@bp.post("/<int:event_id>/edit")
@roles_required(*service.EVENT_EDITORS)
def update(event_id: int) -> Any:
    """Change what the form changed (a PATCH of those fields alone: a clerk fixing a title
    keeps the points a manager set)."""
    actor = current_principal()
    event = service.event_for_staff(actor, event_id)
    try:
        changes = _changes(event, form_args(_UPDATE, _form_data(clearable=CLEARABLE)))
        service.update_event(actor, event_id, changes)
    except DomainError as refusal:
        return _form_page(event, request.form, refusal), refusal.status
    return _go(url_for(".detail", event_id=event_id))


@bp.get("/<int:event_id>/cancel")
@roles_required(*service.EVENT_EDITORS)
def confirm_cancel(event_id: int) -> str:
    event = service.event_for_staff(current_principal(), event_id)
    return render_template("console/events/cancel.html", event=listing.detail(event, None))


@bp.post("/<int:event_id>/cancel")
@roles_required(*service.EVENT_EDITORS)
def cancel(event_id: int) -> Response:
    service.cancel_event(current_principal(), event_id, utcnow())
    return _go(url_for(".detail", event_id=event_id))


@bp.post("/<int:event_id>/display")
@roles_required(*STAFF_ROLES)
def display(event_id: int) -> Response:
    """Open the projector page (a new tab): the link the API issues, on this same site."""
    event = service.event_to_display(current_principal(), event_id, utcnow())
    link = codes.display_link(
        event.id,
        event.display_generation,
        event.checkin_closes_at,
        current_keys(),
        current_app.config["PUBLIC_BASE_URL"],
    )
    return redirect(url_for("pages.display", token=link.token), 303)


@bp.get("/<int:event_id>/poster")
@roles_required(*STAFF_ROLES)
def poster(event_id: int) -> str:
    """An A4 poster with the event's static check-in code, good for its whole window."""
    event = service.event_for_staff(current_principal(), event_id)
    link = codes.static(
        event.id, event.checkin_closes_at, current_keys(), current_app.config["PUBLIC_BASE_URL"]
    )
    svg, _ = qr_image(link.url, "svg")
    return render_template(
        "console/events/poster.html",
        event=listing.detail(event, None),
        day=format_date(_local(event.starts_at).date(), "full"),
        qr=Markup(svg.decode().split("?>", 1)[-1]),  # our own drawing, without its XML prolog
    )


@bp.get("/<int:event_id>/attendance")
@roles_required(*STAFF_ROLES)
def attendance(event_id: int) -> str:
    """Who checked in, when, how and for how many points (annulled ones marked)."""
    event = service.event_for_staff(current_principal(), event_id)
    lines = service.attendance_page(event, LINES_PER_PAGE, request.args.get("cursor"))
    checkin_ids = [str(line["checkin_id"]) for line in lines["items"]]
    return render_template(
        "console/events/attendance.html",
        event=listing.detail(event, None),
        lines=lines,
        points=earned_by("checkin", checkin_ids),
    )


@bp.get("/<int:event_id>/signups")
@roles_required(*STAFF_ROLES)
def signees(event_id: int) -> str:
    """Who signed up (报名), in the order they came, and whether each has checked in."""
    event = service.event_for_staff(current_principal(), event_id)
    return render_template(
        "console/events/signups.html",
        event=listing.detail(event, None),
        lines=signups.signups_page(event, LINES_PER_PAGE, request.args.get("cursor")),
    )


@bp.get("/<int:event_id>/attendance.csv")
@roles_required(*STAFF_ROLES)
def attendance_csv(event_id: int) -> Response:
    """The API's export (``format=csv``): formula-safe, phones masked, each line audited."""
    actor = current_principal()
    event = service.event_for_staff(actor, event_id)
    text = service.export_attendance(actor, event, district_zone())
    return csv_response(text, f"attendance-{event.id}.csv")


@bp.get("/<int:event_id>/scans")
@roles_required(*STAFF_ROLES)
def scans(event_id: int) -> str:
    """Every check-in attempt, newest first: refusals, repeats, and devices that checked in
    several residents."""
    event = service.event_for_staff(current_principal(), event_id)
    flags = service.device_flags(event.id)
    return render_template(
        "console/events/scans.html",
        event=listing.detail(event, None),
        attempts=service.scan_log(event.id, LINES_PER_PAGE, request.args.get("cursor")),
        flags=flags,
        flagged={(flag.client_ip, flag.user_agent) for flag in flags},
        outcomes={**_refusal_titles(), **OUTCOMES},
    )


@cache
def _refusal_titles() -> dict[str, Text]:
    """Each refusal's title by its code: the scan log names a refused attempt in its words."""
    titles: dict[str, Text] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        refusal = pending.pop()
        pending.extend(refusal.__subclasses__())
        titles.setdefault(refusal.code, refusal.title)
    return titles


def _form_page(event: Event | None, values: Any, refusal: DomainError | None) -> str:
    actor = current_principal()
    return render_template(
        "console/events/form.html",
        event=event,
        values=values,
        refusal=refusal,
        errors=(refusal.errors if refusal else None) or {},
        centers=list_centers() if event is None and actor.is_district_wide else [],
        window_minutes=int(service.DEFAULT_WINDOW.total_seconds() // 60),
    )


def _form_values(event: Event) -> dict[str, Any]:
    """The edit form's fields as the event has them, times on the district's clock."""
    values: dict[str, Any] = {
        name: getattr(event, name) for name in ("title", "kind", "location", *NUMBERS)
    }
    for name in MOMENTS:
        values[name] = _local(getattr(event, name)).strftime("%Y-%m-%dT%H:%M")
    return {name: "" if value is None else value for name, value in values.items()}


def _form_data(clearable: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted fields for the API's schema: numbers as numbers; an empty field absent,
    or null where emptying it means "none"."""
    data: dict[str, Any] = {}
    for name, value in request.form.items():
        value = value.strip()
        if name == "csrf_token":
            continue
        if value == "":
            if name in clearable:
                data[name] = None
            continue
        whole = name in NUMBERS and value.isdecimal() and len(value) <= 12
        data[name] = int(value) if whole else value
    return data


def _changes(event: Event, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the event's (times to the minute a form shows)."""
    return {name: value for name, value in fields.items() if not _same(getattr(event, name), value)}


def _same(current: Any, posted: Any) -> bool:
    if isinstance(current, datetime) and isinstance(posted, datetime):
        return current.replace(second=0, microsecond=0) == posted
    return bool(current == posted)


def _go(target: str) -> Response:
    """After a change, to the page that shows it (a new request: a reload posts nothing)."""
    if is_htmx():
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, 303)
