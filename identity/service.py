"""The rules for accounts: centers, residents, consent and condition tags (staff accounts are
identity.staff_accounts, the audit trail identity.audit).

Functions flush and never commit; the request commits once. Every read or change of a
resident's personal data by staff leaves an :class:`AuditEvent`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db, utcnow
from core.errors import Conflict, NotFound, TokenRevoked, ValidationFailed
from core.i18n import Text, _l
from identity import privacy
from identity.audit import record_audit
from identity.models import (
    CONDITIONS,
    HEALTH_CONDITIONS_CONSENT,
    Center,
    Consent,
    ConsentRequired,
    Resident,
    ResidentCondition,
    Staff,
    active_consent,
    center_of,
    mask_phone,
)
from identity.wechat import WeChatIdentity

# -- centers and principals ---------------------------------------------------------------


def create_center(name: str, address: str | None = None) -> Center:
    name = name.strip()
    if not name:
        raise ValidationFailed(errors={"name": [_l("A center needs a name.")]})
    if db.session.scalar(select(Center.id).where(Center.name == name)) is not None:
        raise Conflict(_l('A center named "%(name)s" exists already.', name=name))
    center = Center(name=name, address=address)
    db.session.add(center)
    db.session.flush()
    return center


def update_center(center_id: int, changes: dict[str, Any]) -> Center:
    """Rename a center or change its address (``None`` clears it); names stay unique."""
    center = db.session.get(Center, center_id)
    if center is None:
        raise NotFound(_l("No such center."))
    if "name" in changes:
        name = changes["name"].strip()
        if not name:
            raise ValidationFailed(errors={"name": [_l("A center needs a name.")]})
        taken = db.session.scalar(
            select(Center.id).where(Center.name == name, Center.id != center.id)
        )
        if taken is not None:
            raise Conflict(_l('A center named "%(name)s" exists already.', name=name))
        center.name = name
    if "address" in changes:
        center.address = (changes["address"] or "").strip() or None
    db.session.flush()
    return center


def list_centers() -> list[Center]:
    return list(db.session.scalars(select(Center).order_by(Center.id)))


def staff_principal(staff: Staff) -> Principal:
    return Principal(kind="staff", id=staff.id, role=staff.role, center_id=staff.center_id)


def resident_principal(resident: Resident) -> Principal:
    return Principal(kind="resident", id=resident.id, role="resident")


# -- residents ----------------------------------------------------------------------------


def resident_for_wechat(identity: WeChatIdentity) -> Resident:
    """The resident with this openid, created on first login (safe against a double tap)."""
    found = db.session.scalar(select(Resident).where(Resident.openid == identity.openid))
    if found is not None:
        if identity.unionid and found.unionid != identity.unionid:
            found.unionid = identity.unionid
        return found
    try:
        with db.session.begin_nested():
            resident = Resident(openid=identity.openid, unionid=identity.unionid)
            db.session.add(resident)
    except IntegrityError:
        # A concurrent first login created it between our read and our insert.
        return db.session.scalars(select(Resident).where(Resident.openid == identity.openid)).one()
    return resident


def register_resident(
    actor: Principal, name: str, phone: str | None, center_id: int | None = None
) -> Resident:
    """A desk registration, for residents without a smartphone."""
    center_id = center_id if center_id is not None else actor.center_id
    if center_id is None:
        raise ValidationFailed(errors={"center_id": [_l("Say at which center to register.")]})
    if not actor.can_access_center(center_id):
        raise NotFound(_l("No such center."))
    if db.session.get(Center, center_id) is None:
        raise ValidationFailed(errors={"center_id": [_l("No such center.")]})
    resident = Resident(
        name=name.strip(), phone=phone, center_id=center_id, registered_by_id=actor.id
    )
    db.session.add(resident)
    db.session.flush()
    record_audit(actor, "resident.create", resident.id)
    return resident


def search_residents(
    actor: Principal, q: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Residents the actor may see, newest first, by phone (full or last digits) or name."""
    stmt = (
        select(Resident)
        .where(Resident.closed_at.is_(None))
        .order_by(Resident.id.desc())
        .limit(limit + 1)
    )
    if not actor.is_district_wide:
        stmt = stmt.where(Resident.center_id == actor.center_id)
    term = (q or "").strip()
    digits = re.sub(r"[\s-]", "", term)
    if digits.isdigit():
        if len(digits) < 4:
            raise ValidationFailed(
                errors={"q": [_l("Give at least the last 4 digits of a phone.")]}
            )
        stmt = stmt.where(
            Resident.phone == digits if len(digits) >= 11 else Resident.phone.endswith(digits)
        )
    elif term:
        stmt = stmt.where(Resident.name.contains(term, autoescape=True))
    if cursor:
        (last_id,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Resident.id < last_id)
    residents = list(db.session.scalars(stmt))
    result = page(residents, limit, key=lambda r: (r.id,))
    record_audit(
        actor, "resident.search", None, f"q={_mask_term(digits if digits.isdigit() else term)}"
    )
    return result


def get_resident(resident_id: int) -> Resident:
    """The resident a resident's token names; a closed account's tokens speak for nobody."""
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(_l("No such resident."))
    if resident.closed_at is not None:
        raise TokenRevoked(_l("This account was closed; its tokens no longer work."))
    return resident


def update_profile(resident: Resident, changes: dict[str, Any]) -> Resident:
    """Change the resident's name or home center, or remove their phone number (``None``):
    a number comes only from WeChat (:func:`identity.phones.record_verified`)."""
    errors: dict[str, list[Text]] = {}
    if changes.get("phone") is not None:
        errors["phone"] = [
            _l(
                "The phone number comes from WeChat: ask for it with the phone button "
                "(getPhoneNumber) and send its code to POST /api/v1/me/phone."
            )
        ]
    center_id = changes.get("center_id")
    if center_id is not None and db.session.get(Center, center_id) is None:
        errors["center_id"] = [_l("No such center.")]
    if errors:
        raise ValidationFailed(errors=errors)
    for field in ("name", "center_id"):
        if field in changes:
            setattr(resident, field, changes[field])
    if "phone" in changes:
        resident.phone = resident.phone_verified_at = None
    db.session.flush()
    return resident


def profile(resident: Resident, privacy_version: str) -> dict[str, Any]:
    """The resident's own profile as ``/me`` shows it (the ledger adds the points);
    ``privacy_version`` is the policy in force (``PRIVACY_POLICY_VERSION``)."""
    return {
        "id": resident.id,
        "name": resident.name,
        "phone_masked": resident.phone_masked,
        "phone_verified": resident.phone_verified,
        "center_id": resident.center_id,
        "center": center_of(resident.center_id),
        "consents": resident.consents,
        "privacy": privacy.state(resident.id, privacy_version),
    }


# -- consent and condition tags --------------------------------------------------------------


def grant_consent(resident: Resident, purpose: str, version: str) -> Consent:
    """Record consent; a newer version supersedes the active one and keeps its tags."""
    current = active_consent(resident.id, purpose)
    if current is not None and current.version == version:
        return current
    if current is not None:
        current.withdrawn_at = utcnow()
        db.session.flush()
    consent = Consent(resident_id=resident.id, purpose=purpose, version=version)
    db.session.add(consent)
    db.session.flush()
    if current is not None:
        for tag in db.session.scalars(
            select(ResidentCondition).where(ResidentCondition.consent_id == current.id)
        ):
            tag.consent_id = consent.id
    db.session.flush()
    db.session.expire(resident, ["consents"])
    record_audit(resident_principal(resident), "consent.grant", resident.id, purpose)
    return consent


def withdraw_consent(resident: Resident, purpose: str) -> Consent:
    """Withdraw consent; the data it allowed is erased, the record of consent is kept."""
    consent = active_consent(resident.id, purpose)
    if consent is None:
        raise NotFound(_l("There is no active consent for this purpose."))
    consent.withdrawn_at = utcnow()
    if purpose == HEALTH_CONDITIONS_CONSENT:
        db.session.execute(
            delete(ResidentCondition).where(ResidentCondition.resident_id == resident.id)
        )
    db.session.flush()
    db.session.expire(resident, ["consents", "condition_tags"])
    record_audit(resident_principal(resident), "consent.withdraw", resident.id, purpose)
    return consent


def set_conditions(actor: Principal, resident: Resident, conditions: Iterable[str]) -> list[str]:
    """Replace a resident's condition tags; allowed only under their active consent."""
    wanted = set(conditions)
    unknown = wanted - CONDITIONS.keys()
    if unknown:
        raise ValidationFailed(
            errors={"conditions": [_l("Unknown: %(names)s.", names=", ".join(sorted(unknown)))]}
        )
    consent = active_consent(resident.id, HEALTH_CONDITIONS_CONSENT)
    if consent is None and wanted:
        raise ConsentRequired(_l("Record the resident's consent before tagging conditions."))
    current = set(resident.conditions)
    if current - wanted:
        db.session.execute(
            delete(ResidentCondition).where(
                ResidentCondition.resident_id == resident.id,
                ResidentCondition.condition.in_(current - wanted),
            )
        )
    for condition in sorted(wanted - current):
        db.session.add(
            ResidentCondition(
                resident_id=resident.id,
                condition=condition,
                consent_id=consent.id,  # type: ignore[union-attr]
                recorded_by_id=actor.id,
            )
        )
    db.session.flush()
    db.session.expire(resident, ["condition_tags"])
    record_audit(actor, "resident.conditions.update", resident.id)
    return sorted(wanted)


def _mask_term(term: str) -> str:
    if term.isdigit():
        return mask_phone(term) or ""
    return term[:1] + "*" * (len(term) - 1)
