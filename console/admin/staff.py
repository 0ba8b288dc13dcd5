"""Staff accounts (admin): the list by center, role and state; creating an account; its
role and center, deactivating and reactivating it, and a new password."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from console.admin.area import bp, done, form_fields, query_args
from console.plumbing import form_args, roles_required
from core.auth import Role, current_principal
from core.i18n import _l
from identity import service, staff_accounts
from identity.staff_schemas import (
    PasswordResetSchema,
    StaffCreateSchema,
    StaffQueryArgsSchema,
    StaffUpdateSchema,
)

#: The roles as the console names them.
ROLE_NAMES = {
    Role.STAFF: _l("Desk staff"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


def _page_context() -> dict[str, Any]:
    return {
        "centers": {center.id: center for center in service.list_centers()},
        "role_names": ROLE_NAMES,
    }


@bp.get("/staff")
@roles_required(Role.ADMIN)
def staff_list() -> str:
    filters = query_args(StaffQueryArgsSchema())
    accounts = staff_accounts.list_staff(current_principal(), **filters)
    return render_template(
        "console/admin/staff.html", accounts=accounts, filters=filters, **_page_context()
    )


@bp.post("/staff")
@roles_required(Role.ADMIN)
def create_staff() -> Any:
    fields = ("username", "display_name", "role", "center_id")
    typed = {name: request.form.get(name, "").strip() for name in fields}
    # A password is taken as typed, spaces and all: the API does not trim it either.
    data = {name: value for name, value in typed.items() if value}
    data["password"] = request.form.get("password", "")
    staff = staff_accounts.create_staff(**form_args(StaffCreateSchema(), data))
    return done(
        _l("Account %(username)s created.", username=staff.username),
        url_for("console_admin.staff_account", staff_id=staff.id),
    )


@bp.get("/staff/<id:staff_id>")
@roles_required(Role.ADMIN)
def staff_account(staff_id: int) -> str:
    staff = staff_accounts.get_staff(staff_id)
    return render_template("console/admin/staff_account.html", staff=staff, **_page_context())


@bp.post("/staff/<id:staff_id>")
@roles_required(Role.ADMIN)
def change_staff(staff_id: int) -> Any:
    """A new role or center; leaving the center empty means none (a district manager)."""
    changes = form_args(StaffUpdateSchema(), {**form_fields("center_id"), **_role()})
    staff = staff_accounts.update_staff(current_principal(), staff_id, changes)
    return done(_l("Saved. Their logins ended; they log in again."), _back(staff.id))


@bp.post("/staff/<id:staff_id>/active")
@roles_required(Role.ADMIN)
def set_staff_active(staff_id: int) -> Any:
    changes = form_args(StaffUpdateSchema(), {"active": request.form.get("active", "")})
    staff = staff_accounts.update_staff(current_principal(), staff_id, changes)
    message = (
        _l("Account reactivated: they may log in again.")
        if staff.active
        else _l("Account deactivated: their logins ended at once.")
    )
    return done(message, _back(staff.id))


@bp.post("/staff/<id:staff_id>/password")
@roles_required(Role.ADMIN)
def reset_staff_password(staff_id: int) -> Any:
    args = form_args(PasswordResetSchema(), {"password": request.form.get("password", "")})
    staff = staff_accounts.reset_password(current_principal(), staff_id, args["password"])
    return done(
        _l("New password set; their logins ended. Give it to them in person."), _back(staff.id)
    )


def _role() -> dict[str, str]:
    role = request.form.get("role", "").strip()
    return {"role": role} if role else {}


def _back(staff_id: int) -> str:
    return url_for("console_admin.staff_account", staff_id=staff_id)
