"""The personal-data audit trail, and the ways staff reach one resident.

Every read or change of a resident's personal data by staff leaves an :class:`AuditEvent`
(identity.models); other packages record theirs with :func:`record_audit` too. Staff reach a
resident by id only through :func:`resident_for_staff`, which scopes and records the read.
"""

from __future__ import annotations

from datetime import datetime

from core.auth import Principal
from core.codes import CodeKeys
from core.db import db
from core.errors import NotFound
from core.i18n import _l
from identity import card_codes, member_codes
from identity.models import AuditEvent, Resident


def record_audit(
    actor: Principal | None,
    action: str,
    resident_id: int | None,
    detail: str | None = None,
    *,
    staff_id: int | None = None,
) -> None:
    db.session.add(
        AuditEvent(
            actor_kind=actor.kind if actor else "system",
            actor_id=actor.id if actor else None,
            action=action,
            resident_id=resident_id,
            staff_id=staff_id,
            detail=detail,
        )
    )


def resident_for_staff(actor: Principal, resident_id: int) -> Resident:
    """A resident the actor may see, or 404 (another center's residents, and closed accounts,
    do not exist to them)."""
    resident = db.session.get(Resident, resident_id)
    if (
        resident is None
        or resident.closed_at is not None
        or not actor.can_access_center(resident.center_id)
    ):
        raise NotFound(_l("No such resident."))
    record_audit(actor, "resident.read", resident.id)
    return resident


def resident_at_desk(
    actor: Principal,
    member_code: str | None,
    resident_id: int | None,
    keys: CodeKeys,
    now: datetime,
) -> Resident:
    """The resident the desk names: by the member code they show there, from their phone or
    their printed member card (any center serves a resident who shows theirs; the read is
    recorded all the same), else by id after a search (:func:`resident_for_staff`). The
    desk's schemas send exactly one of the two."""
    if member_code is not None:
        if card_codes.is_card_code(member_code):
            resident, card = card_codes.resident_of(member_code)
            record_audit(actor, "resident.read", resident.id, f"member card …{card.last_chars}")
            return resident
        resident = member_codes.resident_of(member_code, keys, now)
        record_audit(actor, "resident.read", resident.id, "member code")
        return resident
    if resident_id is None:
        raise ValueError("the desk names a resident by member code or by id")
    return resident_for_staff(actor, resident_id)
