"""Centers (admin): the district's centers, adding one, renaming one or changing its address."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for

from console.admin.area import bp, done, form_fields
from console.plumbing import form_args, roles_required
from core.auth import Role
from core.i18n import _l
from identity import service
from identity.staff_schemas import (
    CenterCreateSchema,
    CenterUpdateSchema,
)


@bp.get("/centers")
@roles_required(Role.ADMIN)
def centers() -> str:
    return render_template("console/admin/centers.html", centers=service.list_centers())


@bp.post("/centers")
@roles_required(Role.ADMIN)
def create_center() -> Any:
    center = service.create_center(**form_args(CenterCreateSchema()))
    return done(_l("Center %(name)s added.", name=center.name), url_for("console_admin.centers"))


@bp.post("/centers/<id:center_id>")
@roles_required(Role.ADMIN)
def update_center(center_id: int) -> Any:
    """A new name or address; an address left empty is cleared."""
    fields = form_fields("name", "address")
    changes = form_args(
        CenterUpdateSchema(), {"name": fields["name"] or "", "address": fields["address"]}
    )
    center = service.update_center(center_id, changes)
    return done(_l("Center %(name)s saved.", name=center.name), url_for("console_admin.centers"))
