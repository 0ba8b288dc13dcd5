"""The pages people open in a browser: a scanned check-in link, and the projector display."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from core.codes import current_keys, qr_image
from core.db import utcnow
from core.errors import DomainError
from core.localtime import district_zone
from events import codes, service

pages = Blueprint("pages", __name__, template_folder="templates")


@pages.get("/q/<string:token>")
def checkin_link(token: str) -> str:
    """A phone camera (not WeChat) opened a check-in code: say how to use it."""
    return render_template("events/checkin_link.html")


@pages.get("/display/<string:token>")
def display(token: str) -> tuple[str, int] | str:
    """The full-screen projector page: title, rotating code, live attendance."""
    try:
        event = service.event_for_resident(codes.read_display(token, current_keys(), utcnow()))
    except DomainError as error:
        return render_template("events/display_gone.html", detail=error.detail), error.status
    return render_template("events/display.html", event=event, token=token)


@pages.get("/display/<string:token>/state")
def display_state(token: str) -> dict[str, Any]:
    """What the projector shows now, and when to ask again (the server's clock decides)."""
    now = utcnow()
    event_id = codes.read_display(token, current_keys(), now)
    seconds = current_app.config["QR_ROTATION_SECONDS"]
    link = codes.rotating(
        event_id, current_keys(), now, current_app.config["PUBLIC_BASE_URL"], seconds
    )
    svg, _ = qr_image(link.url, "svg")
    elapsed_ms = int(now.timestamp() * 1000) % (seconds * 1000)
    return {
        "svg": svg.decode(),
        "attendance": service.attendance_of(event_id),
        "server_time": now.astimezone(district_zone()).isoformat(),
        # Ask again just after the next code starts; the current one stays good one step more.
        "refresh_in_ms": seconds * 1000 - elapsed_ms + 300,
    }
