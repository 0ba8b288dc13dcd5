"""The staff console: server-rendered pages under ``/console`` for the desk, the events,
follow-ups, gifts, the dashboard, challenges and badges, imports, merging records and
administration, on the same services as the API.

Each area is a module with its own blueprint (``console/plumbing.py`` makes them) and an
:class:`~console.plumbing.Area` for the navigation bar.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from console import (
    admin,
    assets,
    auth,
    calls,
    catalog,
    challenges,
    dashboard,
    desk,
    events,
    followups,
    imports,
    merges,
    reports,
    residents,
)
from console import session as console_session
from console.plumbing import csrf
from core.auth import Role

#: The navigation bar, in order.
AREAS = (
    desk.AREA,
    residents.AREA,
    events.AREA,
    followups.AREA,
    catalog.AREA,
    dashboard.AREA,
    challenges.AREA,
    imports.AREA,
    merges.AREA,
    admin.AREA,
)
#: Where each role lands after logging in: the desk serves, managers read, admins administer.
LANDINGS = {Role.STAFF: desk.AREA, Role.MANAGER: dashboard.AREA, Role.ADMIN: admin.AREA}
MODULES = (
    auth,
    desk,
    residents,
    events,
    followups,
    calls,
    catalog,
    dashboard,
    challenges,
    reports,
    imports,
    merges,
    admin,
)


def init_app(app: Flask) -> None:
    # CSRF is checked by the console's own blueprints (console.plumbing's guard), not on the
    # API, whose bearer tokens a browser never sends by itself.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # The token lives as long as the login: a desk page stays open all day.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    console_session.init_app(app)
    app.extensions["console_areas"] = AREAS
    app.extensions["console_landings"] = LANDINGS
    app.jinja_env.globals["console_user"] = console_session.header
    app.jinja_env.globals["console_language"] = _page_language
    app.register_blueprint(assets.bp)
    for module in MODULES:
        app.register_blueprint(module.bp)


def _page_language() -> str:
    """The page's ``lang``: ``zh-CN`` unless English was chosen."""
    return "en" if str(get_locale()) == "en" else "zh-CN"
