"""Follow-ups (``/console/followups``): the overdue list to phone (逾期未随访), the number shown
when the clerk asks for it (audited), and each call's outcome recorded in place, a new day
agreed rescheduling the follow-up, so the overdue loop closes with a record of why.

The same services as ``/api/v1/followups``: the list is ``followup_page``, a call is
``record_call``, and the forms are read through the API's schemas.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from console.plumbing import Area, console_blueprint, form_args, is_htmx, render_refusal_in
from core.api import PageArgsSchema
from core.auth import STAFF_ROLES, current_principal
from core.csvfiles import csv_response
from core.errors import DomainError
from core.i18n import _l
from core.localtime import district_minute, district_today, district_zone
from events import followups
from events.models import CALL_OUTCOMES
from events.schemas import FollowUpCallCreateSchema, FollowUpQueryArgsSchema
from identity.models import CONDITIONS
from identity.service import list_centers

bp = console_blueprint("followups", "/followups")
AREA = Area(_l("Follow-ups"), "console_followups.index", STAFF_ROLES)

#: How many follow-ups a page of the list shows.
PAGE_SIZE = 50
#: The list opens on the overdue ones: the clerk's phone list.
DEFAULT_STATUS = "overdue"
OUTCOME_WORDS = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "refused": _l("Refused"),
}
STATUS_WORDS = {
    "overdue": _l("Overdue"),
    "open": _l("Not yet due"),
    "done": _l("Done"),
}
assert set(OUTCOME_WORDS) == set(CALL_OUTCOMES)


@bp.get("")
def index() -> str:
    """The follow-ups of the clerk's center by due day, oldest first; overdue by default."""
    actor = current_principal()
    query = {key: value for key, value in request.args.items() if value.strip()}
    status = query.pop("status", DEFAULT_STATUS)
    if status != "all":
        query["status"] = status
    query.setdefault("limit", str(PAGE_SIZE))
    args = form_args(FollowUpQueryArgsSchema(), query)
    today = district_today()
    listed = followups.followup_page(
        actor,
        args["center_id"],
        args["status"],
        today,
        args["limit"],
        args["cursor"],
        (args["due_from"], args["due_to"]),
    )
    return render_template(
        "console/followups/index.html",
        listed=listed,
        more=_next_page(listed["next_cursor"]),
        status=status,
        args=args,
        centers=list_centers() if actor.is_district_wide else [],
        **_words(today),
    )


@bp.get("/overdue.csv")
def overdue_csv() -> Response:
    """The overdue list with full numbers, to phone from a sheet (the API's export, audited)."""
    args = form_args(FollowUpQueryArgsSchema(only=("center_id",)), request.args.to_dict())
    today = district_today()
    text = followups.overdue_csv(current_principal(), args["center_id"], today, district_zone())
    return csv_response(text, f"overdue-followups-{today}.csv")


@bp.post("/<id:followup_id>/phone")
def phone(followup_id: int) -> Any:
    """The resident's full number, on the clerk's explicit ask; every ask is audited."""
    found = followups.phone_for_call(current_principal(), followup_id)
    template = "console/followups/_phone.html" if is_htmx() else "console/followups/phone.html"
    return render_template(template, found=found)


@bp.get("/<id:followup_id>/calls")
def calls(followup_id: int) -> str:
    """The follow-up's calls, the latest first (reading the notes is audited)."""
    paging = {key: request.args[key] for key in ("limit", "cursor") if key in request.args}
    args = form_args(PageArgsSchema(), paging)
    history = followups.calls_page(current_principal(), followup_id, args["limit"], args["cursor"])
    return render_template(
        "console/followups/_calls.html",
        history=history,
        followup_id=followup_id,
        **_words(district_today()),
    )


@bp.post("/<id:followup_id>/calls")
def record_call(followup_id: int) -> Any:
    """Record a call's outcome; the follow-up is shown again in place, rescheduled if a new
    day was agreed. A refusal is shown in the form's result box."""
    actor = current_principal()
    today = district_today()
    try:
        args = form_args(FollowUpCallCreateSchema())
        call = followups.record_call(
            actor, followup_id, args["outcome"], args["note"], args["new_due_on"], today
        )
    except DomainError as refusal:
        return render_refusal_in(refusal, f"#call-result-{followup_id}")
    if not is_htmx():
        return redirect(url_for(".index", _anchor=f"followup-{followup_id}"), 303)
    followup = followups.describe(followups.followup_for_staff(actor, followup_id), today)
    return render_template(
        "console/followups/_followup.html", followup=followup, recorded=call, **_words(today)
    )


def _next_page(cursor: str | None) -> str | None:
    return url_for(".index", **{**request.args.to_dict(), "cursor": cursor}) if cursor else None


def _words(today: date) -> dict[str, Any]:
    """What the templates need to say things in words."""
    return {
        "today": today,
        "conditions": CONDITIONS,
        "outcome_words": OUTCOME_WORDS,
        "status_words": STATUS_WORDS,
        "minute": district_minute,
    }
