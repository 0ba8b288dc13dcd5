"""Earning rules: the points each activity earns and the caps, at the district or a center.

Every staff role may read them (as ``GET /api/v1/points/rules``); managers set them, a center's
manager their center's and a district manager the district's and any center's
(``points.rules.set_rule`` decides). A new rule holds from the moment it is saved.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from console.admin.area import AREA, bp, done
from console.plumbing import form_args, roles_required
from core.auth import Role, current_principal
from core.csvfiles import local_time
from core.i18n import _l
from core.localtime import district_zone
from identity import service
from points import rules
from points.models import ACTIVITY_NAMES
from points.schemas import RuleQueryArgsSchema, RuleUpdateSchema

#: Where a rule in force comes from, as the page says it.
ORIGINS = {
    "center": _l("This center's own"),
    "district": _l("The district's"),
    "default": _l("Built in"),
}


@bp.get("/rules")
@roles_required(*AREA.roles)
def rules_page() -> str:
    center_id = _scope()
    return render_template(
        "console/admin/rules.html",
        center_id=center_id,
        centers=service.list_centers(),
        rules=rules.rules_for(center_id),
        changes=rules.last_changes(center_id),
        activity_names=ACTIVITY_NAMES,
        origins=ORIGINS,
        may_set=current_principal().role == Role.MANAGER,
        show_history=current_principal().role == Role.ADMIN,
        local_time=local_time,
        tz=district_zone(),
    )


@bp.post("/rules")
@roles_required(Role.MANAGER)
def set_rule() -> Any:
    """Points and caps for one activity; a cap left empty is no cap."""
    activity = request.form.get("activity", "").strip()
    typed = {
        name: request.form.get(name, "").strip()
        for name in ("center_id", "points", "daily_cap", "monthly_cap")
    }
    data: dict[str, Any] = {name: _number(value) for name, value in typed.items() if value}
    data.setdefault("center_id", None)
    rule = rules.set_rule(
        current_principal(), activity=activity, **form_args(RuleUpdateSchema(), data)
    )
    return done(
        _l(
            "%(activity)s now earns %(points)d points.",
            activity=ACTIVITY_NAMES.get(rule.activity, rule.activity),
            points=rule.points,
        ),
        url_for("console_admin.rules_page", center_id=rule.center_id or ""),
    )


def _scope() -> int | None:
    """The center whose rules to show: the one asked for ("" is the district), else the
    viewer's own (the district's for district-wide roles), as the API's default."""
    if "center_id" not in request.args:
        return current_principal().center_id
    if not request.args["center_id"].strip():
        return None
    return form_args(RuleQueryArgsSchema(), {"center_id": request.args["center_id"].strip()})[
        "center_id"
    ]


def _number(value: str) -> Any:
    """A typed whole number as one (the API's fields take JSON numbers only); anything else
    as typed, for the schema to refuse in words."""
    return int(value) if value.isascii() and value.lstrip("-").isdigit() else value
