"""The pages people open in a browser: a scanned check-in link, and the projector display."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from flask.blueprints import BlueprintSetupState

from core import requestlog
from core.codes import current_keys, qr_image
from core.config import wechat_verify_file
from core.db import utcnow
from core.errors import DomainError
from core.localtime import district_zone
from events import codes, service
from events.models import Event

pages = Blueprint("pages", __name__, template_folder="templates")

#: A projector waiting for check-in to open asks again at least this often, so a changed
#: opening time shows without a reload.
WAITING_POLL_MS = 60_000
#: Asking just after a change (a new code, the window opening) rather than just before it.
AFTER_CHANGE_MS = 300


@pages.record_once
def _hide_codes_from_the_log(state: BlueprintSetupState) -> None:
    # Both paths carry a signed code: whoever reads the log could open the projector page
    # (and its fresh check-in codes) or scan the poster's code from home.
    requestlog.hide_secret_segment(state.app, codes.LINK_PATH, codes.DISPLAY_PATH)


@pages.get("/q/<string:token>", strict_slashes=False)
def checkin_link(token: str) -> Response | str:
    """A phone camera (not WeChat) opened a check-in code: say how to use it.

    WeChat's own fetch of its verification file (``WECHAT_QR_VERIFY_FILE``) under the same
    prefix gets that file, so the scanned-link rule can be registered.
    """
    verify_file = wechat_verify_file(current_app.config)
    if verify_file is not None and token == verify_file[0]:
        return Response(verify_file[1], content_type="text/plain; charset=utf-8")
    return render_template("events/checkin_link.html")


def _displayed(token: str, now: datetime) -> Event:
    shown = codes.read_display(token, current_keys())
    return service.displayed_event(shown.event_id, shown.generation, now)


@pages.get("/display/<string:token>")
def display(token: str) -> tuple[str, int] | str:
    """The full-screen projector page: title, rotating code, live attendance.

    Before check-in opens it says when it will (no code); once check-in has closed, the
    event is cancelled or the link revoked, it says so (no code).
    """
    now = utcnow()
    try:
        event = _displayed(token, now)
    except DomainError as error:
        return render_template("events/display_gone.html", error=error), error.status
    opens_at = event.checkin_opens_at.astimezone(district_zone())
    return render_template(
        "events/display.html",
        event=event,
        token=token,
        state=_state_of(event, now),
        opens_at=opens_at,
    )


def _state_of(event: Event, now: datetime) -> str:
    return "not_open" if now < event.checkin_opens_at else "open"


@pages.get("/display/<string:token>/state")
def display_state(token: str) -> dict[str, Any]:
    """What the projector shows now, and when to ask again (the server's clock decides)."""
    now = utcnow()
    event = _displayed(token, now)
    state = _state_of(event, now)
    body: dict[str, Any] = {
        "state": state,
        "svg": None,
        "attendance": service.attendance_of(event.id),
        "server_time": now.astimezone(district_zone()).isoformat(),
    }
    if state == "not_open":
        until_open_ms = int((event.checkin_opens_at - now).total_seconds() * 1000)
        body["refresh_in_ms"] = min(until_open_ms + AFTER_CHANGE_MS, WAITING_POLL_MS)
        return body
    seconds = current_app.config["QR_ROTATION_SECONDS"]
    link = codes.rotating(
        event.id, current_keys(), now, current_app.config["PUBLIC_BASE_URL"], seconds
    )
    svg, _ = qr_image(link.url, "svg")
    elapsed_ms = int(now.timestamp() * 1000) % (seconds * 1000)
    until_close_ms = int((event.checkin_closes_at - now).total_seconds() * 1000)
    body["svg"] = svg.decode()
    # Ask again just after the next code starts (the current one stays good one step more),
    # or just after check-in closes, whichever comes first.
    body["refresh_in_ms"] = min(seconds * 1000 - elapsed_ms, until_close_ms) + AFTER_CHANGE_MS
    return body
