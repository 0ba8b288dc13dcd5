"""The call list (``/console/calls``): the due reminders of residents without WeChat, to
phone instead (提醒电话名单): printable, as CSV or Excel with the full numbers (audited), the
number shown on an explicit ask (audited), each call's outcome recorded in place.

The same services as ``/api/v1/reminders/calls``: ``reminders.calls``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from console.plumbing import (
    console_blueprint,
    form_args,
    is_htmx,
    render_refusal_in,
    roles_required,
)
from core.auth import STAFF_ROLES, current_principal
from core.db import utcnow
from core.errors import DomainError
from core.exports import Table, csv_download, xlsx_download
from core.i18n import Text, _l
from core.localtime import district_minute, district_today, district_zone
from events.models import CALL_OUTCOMES
from identity.service import list_centers
from reminders import calls
from reminders.schemas import CallListQueryArgsSchema, ReminderCallCreateSchema

bp = console_blueprint("calls", "/calls")

PAGE_SIZE = 50
#: What each reminder is about, as the clerk says it on the phone (never a condition).
KIND_WORDS: dict[str, Text] = {
    "event_reminder": _l("Event they signed up for"),
    "followup_due": _l("Follow-up due soon"),
    "followup_overdue": _l("Follow-up overdue"),
    "points_expiring": _l("Points about to expire"),
    "pickup_expiring": _l("Reserved gift about to lapse"),
}


#: The follow-up list's outcomes, but a reminder is not a follow-up one may refuse.
OUTCOME_WORDS: dict[str, Text] = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "refused": _l("Declined the reminder"),
}
assert set(OUTCOME_WORDS) == set(CALL_OUTCOMES)


@bp.get("")
@roles_required(*STAFF_ROLES)
def index() -> str:
    actor = current_principal()
    args = _args()
    listed = calls.call_list(actor, args["center_id"], utcnow(), args["limit"], args["cursor"])
    cursor = listed["next_cursor"]
    return render_template(
        "console/calls/index.html",
        listed=listed,
        last_calls=calls.last_calls([item["id"] for item in listed["items"]]),
        more=url_for(".index", **{**request.args.to_dict(), "cursor": cursor}) if cursor else None,
        args=args,
        centers=list_centers() if actor.is_district_wide else [],
        **_words(),
    )


@bp.get("/sheet.<any(csv, xlsx):kind>")
@roles_required(*STAFF_ROLES)
def sheet(kind: str) -> Response:
    """The list with full numbers, to phone from; every resident on it is audited."""
    rows = calls.call_sheet(current_principal(), _args()["center_id"], utcnow())
    table = Table(
        "提醒电话名单",
        ["提醒编号", "居民编号", "姓名", "电话", "事由", "内容", "时间", "截止"],
        [
            [
                row["id"],
                row["resident_id"],
                row["resident_name"],
                row["phone"],
                str(KIND_WORDS[row["kind"]]),
                row["title"],
                when_text(row["when"]),
                row["send_before"],
            ]
            for row in rows
        ],
    )
    filename = f"call-list-{district_today()}.{kind}"
    if kind == "csv":
        return csv_download(table, filename, district_zone())
    return xlsx_download([table], filename, district_zone())


@bp.post("/<id:reminder_id>/phone")
@roles_required(*STAFF_ROLES)
def phone(reminder_id: int) -> str:
    found = calls.phone_for_call(current_principal(), reminder_id)
    return render_template("console/calls/_phone.html", found=found)


@bp.post("/<id:reminder_id>/calls")
@roles_required(*STAFF_ROLES)
def record_call(reminder_id: int) -> Any:
    """Record a call's outcome; the row is shown again in place with it."""
    try:
        args = form_args(ReminderCallCreateSchema())
        call = calls.record_call(
            current_principal(), reminder_id, args["outcome"], args["note"], utcnow()
        )
    except DomainError as refusal:
        return render_refusal_in(refusal, f"#call-result-{reminder_id}")
    if not is_htmx():
        return redirect(url_for(".index"), 303)
    return render_template(
        "console/calls/_recorded.html", call=call, reminder_id=reminder_id, **_words()
    )


def _args() -> dict[str, Any]:
    query = {key: value for key, value in request.args.items() if value.strip()}
    query.setdefault("limit", str(PAGE_SIZE))
    return form_args(CallListQueryArgsSchema(), query)


def when_text(value: str | None) -> str:
    """A reminder's day, or its moment in the district's time (it is kept in UTC)."""
    if not value or "T" not in value:
        return value or ""
    return f"{datetime.fromisoformat(value).astimezone(district_zone()):%Y-%m-%d %H:%M}"


def _words() -> dict[str, Any]:
    return {
        "kind_words": KIND_WORDS,
        "outcome_words": OUTCOME_WORDS,
        "minute": district_minute,
        "when_text": when_text,
    }
