"""A staff account's lifecycle after creation: role, center, active, passwords.

Every change is audited (``staff.*`` actions, with the account in ``staff_id``), and a change
to what the tokens carry or vouch for (role, center, deactivation, a password reset) voids
the account's tokens at once.
"""

from __future__ import annotations

from typing import Any

from core.db import db, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import _l
from identity import service, sessions
from identity.models import Center, Role, Staff
from identity.tokens import Principal

#: The fields an admin may change, in the order the audit names them.
CHANGEABLE = ("role", "center_id", "active")


def update_staff(actor: Principal, staff_id: int, changes: dict[str, Any]) -> Staff:
    """Change a staff account's role, center or whether it is active (admin)."""
    staff = _staff(staff_id)
    wanted = {field: changes.get(field, getattr(staff, field)) for field in CHANGEABLE}
    errors: dict[str, list[str]] = {}
    if wanted["role"] == Role.STAFF and wanted["center_id"] is None:
        errors["center_id"] = [_l("Staff must belong to a center.")]
    if wanted["center_id"] is not None and db.session.get(Center, wanted["center_id"]) is None:
        errors["center_id"] = [_l("No such center.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if staff.id == actor.id and (wanted["role"] != Role.ADMIN or not wanted["active"]):
        raise Conflict(_l("An admin cannot demote or deactivate their own account."))
    changed = {
        field: (getattr(staff, field), new)
        for field, new in wanted.items()
        if getattr(staff, field) != new
    }
    if not changed:
        return staff
    for field, (_, new) in changed.items():
        setattr(staff, field, new)
    db.session.flush()
    if changed.keys() & {"role", "center_id"} or not staff.active:
        sessions.revoke_all(staff, utcnow())
    detail = "; ".join(f"{field}: {old} -> {new}" for field, (old, new) in changed.items())
    service.record_audit(actor, "staff.update", None, detail, staff_id=staff.id)
    return staff


def reset_password(actor: Principal, staff_id: int, password: str) -> Staff:
    """Set a staff member's password (admin): every token of theirs stops working."""
    staff = _staff(staff_id)
    _check_new_password("password", password)
    staff.password_hash = service.hash_password(password)
    sessions.revoke_all(staff, utcnow())
    service.record_audit(actor, "staff.password.reset", None, staff_id=staff.id)
    return staff


def change_own_password(
    actor: Principal, session: str | None, old_password: str, new_password: str
) -> Staff:
    """A staff member changes their password: their other logins cannot refresh any more."""
    staff = _staff(actor.id)
    if not service.password_matches(staff, old_password):
        raise ValidationFailed(errors={"old_password": [_l("This is not your current password.")]})
    _check_new_password("new_password", new_password)
    staff.password_hash = service.hash_password(new_password)
    sessions.revoke_other_sessions(staff, session, utcnow())
    db.session.flush()
    service.record_audit(actor, "staff.password.change", None, staff_id=staff.id)
    return staff


def _check_new_password(field: str, password: str) -> None:
    if problems := service.password_problems(password):
        raise ValidationFailed(errors={field: problems})


def _staff(staff_id: int) -> Staff:
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_l("No such staff account."))
    return staff
