"""The admin area's blueprint, its place in the navigation, its tabs, and how its writes
answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, redirect, render_template, request, url_for
from marshmallow import Schema
from werkzeug.wrappers import Response

from console.plumbing import Area, console_blueprint, form_args, is_htmx, roles_required
from core.auth import Principal, Role, current_principal
from core.i18n import Text, _l

bp = console_blueprint("admin", "/admin")
AREA = Area(_l("Admin"), "console_admin.index", (Role.MANAGER, Role.ADMIN))

#: What an htmx write tells the page, so the parts showing what changed reload themselves.
CHANGED = "admin-changed"


@dataclass(frozen=True)
class Tab:
    label: Text
    endpoint: str
    roles: tuple[str, ...]


TABS = (
    Tab(_l("Staff accounts"), "console_admin.staff_list", (Role.ADMIN,)),
    Tab(_l("Centers"), "console_admin.centers", (Role.ADMIN,)),
    Tab(_l("Earning rules"), "console_admin.rules_page", (Role.MANAGER, Role.ADMIN)),
    Tab(_l("Audit log"), "console_admin.audit_page", (Role.ADMIN,)),
)


def tabs_for(principal: Principal) -> list[Tab]:
    return [tab for tab in TABS if principal.role in tab.roles]


@bp.get("")
@roles_required(*AREA.roles)
def index() -> Response:
    """The first tab the role may open: staff accounts for an admin, rules for a manager."""
    return redirect(url_for(tabs_for(current_principal())[0].endpoint))


@bp.context_processor
def _admin_tabs() -> dict[str, Any]:
    principal = g.get("principal")
    return {"admin_tabs": tabs_for(principal) if isinstance(principal, Principal) else []}


def done(message: Text, back: str) -> Any:
    """A write went through: say so where the result goes (htmx), or go back to the page."""
    if is_htmx():
        return (
            render_template("console/admin/_done.html", message=message),
            200,
            {"HX-Trigger": CHANGED},
        )
    return redirect(back, 303)


def query_args(schema: Schema) -> Any:
    """A page's query string loaded by an API schema; fields left empty are absent."""
    return form_args(
        schema, {key: value.strip() for key, value in request.args.items() if value.strip()}
    )


def form_fields(*names: str) -> dict[str, Any]:
    """The named form fields, an empty one as ``None``: for changes where "none" is a value
    (no center, no address)."""
    return {name: request.form.get(name, "").strip() or None for name in names}
