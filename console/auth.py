"""Logging in and out of the console, and choosing its language."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from console import session as console_session
from console.plumbing import console_blueprint, public, safe_next
from core.auth import Principal
from core.errors import DomainError
from core.i18n import LANGUAGES
from core.ratelimit import limiter
from identity import lockout

bp = console_blueprint("auth", "")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.get("/")
@public
def login() -> Any:
    """The login form; someone already logged in goes to their first page."""
    try:
        principal = console_session.signed_in()
    except DomainError:
        return render_template("console/login.html", next=safe_next(request.args.get("next")))
    return redirect(landing(principal))


@bp.post("/")
@public
@limiter.limit(_login_limit)
def log_in() -> Any:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = safe_next(request.form.get("next"))
    try:
        staff = lockout.authenticate_staff(username, password, current_app.config["LOGIN_LOCKOUT"])
    except DomainError as refusal:
        form = render_template("console/login.html", next=target, username=username, error=refusal)
        return form, refusal.status, dict(refusal.headers or {})
    console_session.log_in(staff)
    return redirect(target or landing(console_session.signed_in()))


@bp.post("/logout")
def log_out() -> Response:
    console_session.log_out()
    return redirect(url_for("console_auth.login"))


@bp.post("/language")
@public
def choose_language() -> Response:
    """Chinese or English for this browser (Chinese unless chosen)."""
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session["language"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("console_auth.login"))


def landing(principal: Principal) -> str:
    """The first page of the role's own area (the desk for the desk staff)."""
    area = current_app.extensions["console_landings"].get(principal.role)
    if area is not None and area.open_to(principal):
        return url_for(area.endpoint)
    return url_for("console_desk.index")


@bp.app_context_processor
def _console_globals() -> dict[str, Any]:
    principal = g.get("principal") if request.blueprint else None
    if not isinstance(principal, Principal) or principal.kind != "staff":
        return {"console_areas": []}
    areas = current_app.extensions["console_areas"]
    return {
        "console_areas": [area for area in areas if area.open_to(principal)],
        # A fresh Idempotency-Key for each button that may not act twice (a double click, a
        # retry on flaky Wi-Fi): ``hx-headers='{{ {"Idempotency-Key": new_key()}|tojson }}'``.
        "new_key": lambda: uuid.uuid4().hex,
    }
