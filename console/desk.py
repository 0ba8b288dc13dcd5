"""The desk (``/console/desk``): the scan box that always has focus, and the resident's card."""

from __future__ import annotations

from flask import render_template

from console.plumbing import Area, console_blueprint
from core.auth import STAFF_ROLES
from core.i18n import _l

bp = console_blueprint("desk", "/desk")
AREA = Area(_l("Desk"), "console_desk.index", STAFF_ROLES)


@bp.get("")
def index() -> str:
    return render_template("console/desk/index.html")
