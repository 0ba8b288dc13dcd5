"""A staff member's browser login: a cookie session (HttpOnly, SameSite, Secure in production)
backed by a login record in identity, so logging out, a deactivation or a password reset ends
it at the next request, like the API's tokens.

The cookie (signed by Flask) holds the account, the login's family id, the account's token
version when it logged in, and when the session was last used: past ``CONSOLE_IDLE_MINUTES``
of no use it has ended.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, session

from core.auth import Principal
from core.config import is_development
from core.db import utcnow, write_regardless
from core.errors import DomainError, TokenExpired, Unauthorized
from core.i18n import _l
from identity import sessions
from identity.models import Staff, center_of

_KEY = "console"
#: The session is written back (its idle clock restarted) at most this often.
_TOUCH_EVERY = timedelta(minutes=1)


def init_app(app: Flask) -> None:
    config = app.config
    # Flask's defaults hold these keys already: set, not setdefault.
    config["SESSION_COOKIE_NAME"] = "hp_console"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # A production console is served over https only; a dev laptop's http://127.0.0.1 is not.
    if not is_development(config):
        config["SESSION_COOKIE_SECURE"] = True
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["CONSOLE_SESSION_HOURS"])


def log_in(staff: Staff) -> None:
    """Start a console session for ``staff`` (already authenticated), replacing any other in
    this browser."""
    lifetime = timedelta(hours=current_app.config["CONSOLE_SESSION_HOURS"])
    family = sessions.start_browser_login(staff, lifetime)
    language = session.get("language")
    session.clear()  # a new session id for the new login: no fixation
    session.permanent = True
    session[_KEY] = {
        "staff": staff.id,
        "login": family,
        "version": staff.token_version,
        "seen": utcnow().timestamp(),
        # For the page header only; a change of center ends the login (token_version).
        "name": staff.name,
        "center": (center_of(staff.center_id) or {}).get("name"),
    }
    if language:
        session["language"] = language


def log_out() -> None:
    login = session.get(_KEY)
    if login:
        sessions.end_browser_login(login["login"])
    session.pop(_KEY, None)
    session.pop("csrf_token", None)


def signed_in() -> Principal:
    """Who this browser's session speaks for; 401 when there is none, it has idled out or its
    login was ended. The principal is also what ``core.auth.authenticate`` answers for the rest
    of the request, so idempotency keys and services see the same staff member."""
    login = session.get(_KEY)
    if not isinstance(login, dict):
        raise Unauthorized(_l("Log in first."))
    now = utcnow()
    idle = timedelta(minutes=current_app.config["CONSOLE_IDLE_MINUTES"])
    seen = now.timestamp() - float(login.get("seen", 0))
    if seen > idle.total_seconds():
        session.pop(_KEY, None)
        # The refusal rolls the request back: the login record is ended regardless.
        write_regardless(lambda: sessions.end_browser_login(login["login"]))
        raise TokenExpired(_l("You were away too long; log in again."))
    try:
        principal = sessions.browser_principal(login["staff"], login["login"], login["version"])
    except DomainError:  # revoked or ended
        session.pop(_KEY, None)
        raise
    if seen > _TOUCH_EVERY.total_seconds():
        login["seen"] = now.timestamp()
        session.modified = True
    g.authenticated = g.principal = principal
    return principal


def header() -> dict[str, str | None]:
    """Who is logged in, as the page header shows it."""
    login = session.get(_KEY) or {}
    return {"name": login.get("name"), "center": login.get("center")}
