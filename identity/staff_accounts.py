"""Staff accounts: their creation, password logins, and their role, center, active flag and
passwords afterwards.

Passwords are hashed with Argon2id. Every change after creation is audited (``staff.*``
actions, with the account in ``staff_id``), and a change to what the tokens carry or vouch
for (role, center, deactivation, a password reset) voids the account's tokens at once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from core.auth import Principal, Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.i18n import Text, _l
from identity import sessions
from identity.audit import record_audit
from identity.models import Center, Staff

#: OWASP's Argon2id setting (19 MiB, 2 passes): strong, and light enough that a login does not
#: swell a worker by the 64 MiB of argon2-cffi's default.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 8


@cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown usernames, so they take as long as known ones."""
    return _hasher.hash("not-a-real-password")


class InvalidCredentials(DomainError):
    status, code, title = 401, "invalid_credentials", _l("Wrong username or password")


def create_staff(
    username: str,
    password: str,
    role: str,
    center_id: int | None = None,
    display_name: str | None = None,
) -> Staff:
    errors: dict[str, list[Text]] = {}
    if role not in set(Role):
        errors["role"] = [_l("Must be one of %(choices)s.", choices=", ".join(Role))]
    if role == Role.STAFF and center_id is None:
        errors["center_id"] = [_l("Staff must belong to a center.")]
    if center_id is not None and db.session.get(Center, center_id) is None:
        errors["center_id"] = [_l("No such center.")]
    if problems := password_problems(password):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors=errors)
    if db.session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(_l('The username "%(username)s" is taken.', username=username))
    staff = Staff(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        center_id=center_id,
        display_name=display_name,
    )
    db.session.add(staff)
    db.session.flush()
    return staff


def password_problems(password: str) -> list[str]:
    """What makes a new password unacceptable: one rule for creation, reset and change."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH)]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(staff: Staff, password: str) -> bool:
    try:
        return _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate_staff(username: str, password: str) -> Staff:
    staff = db.session.scalar(select(Staff).where(Staff.username == username))
    try:
        _hasher.verify(staff.password_hash if staff else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if staff is None or not staff.active:
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return staff


#: The fields an admin may change, in the order the audit names them.
CHANGEABLE = ("role", "center_id", "active", "email")
#: Fields the audit says changed without naming the old and new values (personal data).
UNNAMED_VALUES = ("email",)
#: Roles the weekly report is mailed to.
REPORT_ROLES = (Role.MANAGER, Role.ADMIN)


def update_staff(actor: Principal, staff_id: int, changes: dict[str, Any]) -> Staff:
    """Change a staff account's role, center, e-mail or whether it is active (admin)."""
    staff = get_staff(staff_id)
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
    if staff.email is None or staff.role not in REPORT_ROLES:
        staff.weekly_report = False
    db.session.flush()
    if changed.keys() & {"role", "center_id"} or not staff.active:
        sessions.revoke_all(staff, utcnow())
    record_audit(actor, "staff.update", None, _changes(changed), staff_id=staff.id)
    return staff


def _changes(changed: dict[str, tuple[Any, Any]]) -> str:
    return "; ".join(
        f"{field}: changed" if field in UNNAMED_VALUES else f"{field}: {old} -> {new}"
        for field, (old, new) in changed.items()
    )


def update_own_account(actor: Principal, changes: dict[str, Any]) -> Staff:
    """A staff member sets their own e-mail and whether the weekly report is mailed to them
    (managers and admins, who have an e-mail)."""
    staff = get_staff(actor.id)
    email = changes.get("email", staff.email)
    weekly_report = changes.get("weekly_report", staff.weekly_report)
    if weekly_report and staff.role not in REPORT_ROLES:
        raise ValidationFailed(errors={"weekly_report": [_l("The weekly report is for managers.")]})
    if weekly_report and email is None:
        raise ValidationFailed(
            errors={"weekly_report": [_l("Give an e-mail address to receive the report.")]}
        )
    changed = {
        field: (getattr(staff, field), new)
        for field, new in (("email", email), ("weekly_report", weekly_report))
        if getattr(staff, field) != new
    }
    if not changed:
        return staff
    staff.email, staff.weekly_report = email, weekly_report
    db.session.flush()
    record_audit(actor, "staff.update", None, _changes(changed), staff_id=staff.id)
    return staff


def reset_password(actor: Principal, staff_id: int, password: str) -> Staff:
    """Set a staff member's password (admin): every token of theirs stops working."""
    staff = get_staff(staff_id)
    _check_new_password("password", password)
    staff.password_hash = hash_password(password)
    sessions.revoke_all(staff, utcnow())
    record_audit(actor, "staff.password.reset", None, staff_id=staff.id)
    return staff


def change_own_password(
    actor: Principal, session: str | None, old_password: str, new_password: str
) -> Staff:
    """A staff member changes their password: their other logins cannot refresh any more."""
    staff = get_staff(actor.id)
    if not password_matches(staff, old_password):
        raise ValidationFailed(errors={"old_password": [_l("This is not your current password.")]})
    _check_new_password("new_password", new_password)
    staff.password_hash = hash_password(new_password)
    sessions.revoke_other_sessions(staff, session, utcnow())
    db.session.flush()
    record_audit(actor, "staff.password.change", None, staff_id=staff.id)
    return staff


def _check_new_password(field: str, password: str) -> None:
    if problems := password_problems(password):
        raise ValidationFailed(errors={field: problems})


def get_staff(staff_id: int) -> Staff:
    """One staff account by id, or 404."""
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_l("No such staff account."))
    return staff


def list_staff(
    actor: Principal,
    center_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> list[Staff]:
    """Staff accounts the actor may see: all for a district-wide role, else their center's;
    narrowed to a center, a role or whether they are active when asked."""
    stmt = select(Staff).order_by(Staff.id)
    if not actor.is_district_wide:
        stmt = stmt.where(Staff.center_id == actor.center_id)
    elif center_id is not None:
        stmt = stmt.where(Staff.center_id == center_id)
    if role is not None:
        stmt = stmt.where(Staff.role == role)
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    return list(db.session.scalars(stmt))
