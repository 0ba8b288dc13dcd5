"""Two records of one person: found, and joined in identity's tables (merging.service joins
the rest: points, check-ins and follow-ups, gifts).

Found: open records sharing a phone number (:func:`duplicates`, for managers), and on a
record, the WeChat account that verified its number (:func:`link_suggestions`). A number is
never enough to join them: a manager merges, or the person scans a link code.

Joined (:func:`absorb`): the survivor keeps its own name, number and center where it has
them, and takes the other's WeChat login (and its number, if WeChat verified it); consents
and their records, condition tags, privacy-policy acceptances and member cards move over.
The absorbed record is left as an anonymous row, closed and pointing at the survivor: the
ledger entries, the records a unique key keeps behind, and the audit trail still name it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from core.api import decode_cursor, page
from core.auth import Principal
from core.db import db
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import _l
from identity import sessions
from identity.audit import record_audit
from identity.link_codes import ResidentHasWeChat
from identity.models import (
    HEALTH_CONDITIONS_CONSENT,
    Consent,
    MemberCard,
    PrivacyAcceptance,
    Resident,
    ResidentCondition,
    active_consent,
    mask_phone,
)

#: Why a card of the absorbed record stopped working: the survivor's live card stands.
CARD_REVOKE_REASON = "两条记录合并，以保留记录的卡为准"


class AlreadyMerged(DomainError):
    status, code, title = 409, "already_merged", _l("The record was merged already")


@dataclass(frozen=True, slots=True)
class OpenedRecord:
    """A resident as staff open them, with the other records that may be theirs."""

    resident: Resident
    link_suggestions: list[Resident]


def opened(actor: Principal, resident: Resident) -> OpenedRecord:
    """The record ``resident`` (one the actor may see), with :func:`link_suggestions`."""
    return OpenedRecord(resident, link_suggestions(actor, resident))


def link_suggestions(actor: Principal, resident: Resident) -> list[Resident]:
    """Open records the actor may see that may be the same person: for a desk record, the
    WeChat accounts that verified its number; for a WeChat account with a verified number,
    the desk records registered with it. WeChat vouches that the number is its user's, not
    the desk record's (a family shares one; the desk may have typed a relative's): nothing
    is joined on it. Another center's records do not exist to a center's staff, here too."""
    if not resident.phone or resident.closed_at is not None:
        return []
    if resident.has_wechat and not resident.phone_verified:
        return []
    twin = (
        Resident.openid.is_(None)
        if resident.has_wechat
        else Resident.openid.is_not(None) & Resident.phone_verified_at.is_not(None)
    )
    same_number = select(Resident).where(
        Resident.phone == resident.phone,
        Resident.id != resident.id,
        Resident.closed_at.is_(None),
        twin,
    )
    found = db.session.scalars(same_number.order_by(Resident.id))
    return [other for other in found if actor.can_access_center(other.center_id)]


def merged_records(resident_id: int) -> list[int]:
    """``resident_id`` and every record merged into it, however many merges back."""
    records, newest = [resident_id], [resident_id]
    while newest:
        newest = list(
            db.session.scalars(select(Resident.id).where(Resident.merged_into_id.in_(newest)))
        )
        records += newest
    return records


def pair_for_merge(actor: Principal, survivor_id: int, absorbed_id: int) -> None:
    """Refuse a merge the actor may not make: both records open and theirs to see (another
    center's do not exist to a center's manager), not one record twice, not two WeChat
    accounts (one login each: they are two people, or one must close an account)."""
    if survivor_id == absorbed_id:
        raise ValidationFailed(
            errors={"from_resident_id": [_l("A record cannot be merged into itself.")]}
        )
    _refuse_two_logins(_open_record(actor, survivor_id), _open_record(actor, absorbed_id))


def _open_record(actor: Principal, resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None or not actor.can_access_center(resident.center_id):
        raise NotFound(_l("No such resident."))
    if resident.merged_into_id is not None:
        raise AlreadyMerged(_l("This record was merged into another already."))
    if resident.closed_at is not None:
        raise NotFound(_l("No such resident."))
    return resident


def forget_merge_reasons(resident_id: int) -> None:
    """The resident closed their account: managers' words about why records of theirs were
    one person go with who they were."""
    db.session.execute(
        update(Resident)
        .where(Resident.id.in_(merged_records(resident_id)[1:]))
        .values(merge_reason=None)
    )


def absorb(
    survivor_id: int,
    absorbed_id: int,
    actor: Principal,
    staff_id: int,
    reason: str | None,
    now: datetime,
) -> Resident:
    """Join the absorbed record's identity to the survivor's; returns the survivor.
    ``reason``: the manager's words for why they are one person (None for a link), kept on
    the absorbed record.

    The caller holds both points accounts' locks (``points.merging.lock_pair``): the rows
    are read again under them, so of two joins racing, the second finds the first's work
    (``already_merged``, ``resident_has_wechat``). ``staff_id``: the staff member accountable
    (who merged, or issued the link code) for a member card revoked here.
    """
    survivor, absorbed = (
        db.session.get(Resident, resident_id, with_for_update=True, populate_existing=True)
        for resident_id in (survivor_id, absorbed_id)
    )
    if survivor is None or absorbed is None:
        raise NotFound(_l("No such resident."))
    if survivor.closed_at is not None or absorbed.closed_at is not None:
        raise AlreadyMerged(_l("One of the records was merged or closed meanwhile."))
    _refuse_two_logins(survivor, absorbed)
    _take_identity(survivor, absorbed, now)
    absorbed.merge_reason = reason
    _take_consents(survivor.id, absorbed.id, now)
    _take_acceptances(survivor.id, absorbed.id)
    _take_cards(actor, survivor.id, absorbed.id, staff_id, now)
    sessions.revoke_resident(absorbed.id, now)
    db.session.flush()
    db.session.expire(survivor, ["consents", "condition_tags", "member_cards"])
    return survivor


def _refuse_two_logins(survivor: Resident, absorbed: Resident) -> None:
    if survivor.has_wechat and absorbed.has_wechat:
        raise ResidentHasWeChat(_l("Both records log in with WeChat: they cannot be one resident."))


def _take_identity(survivor: Resident, absorbed: Resident, now: datetime) -> None:
    """The WeChat login moves; the survivor's own name, number and center stand, else the
    absorbed one's fill in. A number WeChat verified replaces one typed at a desk (the
    desk may have typed a relative's). The absorbed row is erased, as a closed one is."""
    taken = {
        "openid": absorbed.openid,
        "unionid": absorbed.unionid,
        "name": absorbed.name,
        "phone": absorbed.phone,
        "phone_verified_at": absorbed.phone_verified_at,
    }
    absorbed.name = absorbed.phone = absorbed.openid = absorbed.unionid = None
    absorbed.phone_verified_at = None
    absorbed.member_secret = secrets.token_hex(16)  # voids its member codes
    absorbed.closed_at, absorbed.merged_into_id = now, survivor.id
    db.session.flush()  # the openid and the verified number are free before they move
    if taken["openid"] is not None:
        survivor.openid, survivor.unionid = taken["openid"], taken["unionid"]
    if taken["phone_verified_at"] is not None and not survivor.phone_verified:
        survivor.phone, survivor.phone_verified_at = taken["phone"], taken["phone_verified_at"]
    survivor.phone = survivor.phone or taken["phone"]
    survivor.name = survivor.name or taken["name"]
    survivor.center_id = survivor.center_id or absorbed.center_id


def _take_consents(survivor_id: int, absorbed_id: int, now: datetime) -> None:
    """Every consent record moves (they are the evidence). Where both records consented to
    one purpose, the later consent stands and the earlier is superseded, as a newer version
    supersedes (``identity.service.grant_consent``). Tags the survivor lacks move; all rest
    on its consent."""
    absorbed_active = db.session.scalars(
        select(Consent).where(Consent.resident_id == absorbed_id, Consent.withdrawn_at.is_(None))
    ).all()
    for consent in absorbed_active:
        current = active_consent(survivor_id, consent.purpose)
        if current is not None:
            earlier = min(current, consent, key=lambda c: (c.granted_at, c.id))
            earlier.withdrawn_at = now
            db.session.flush()  # one active consent per purpose, before it moves
    db.session.execute(
        update(Consent).where(Consent.resident_id == absorbed_id).values(resident_id=survivor_id)
    )
    tagged = select(ResidentCondition.condition).where(ResidentCondition.resident_id == survivor_id)
    db.session.execute(
        delete(ResidentCondition).where(
            ResidentCondition.resident_id == absorbed_id,
            ResidentCondition.condition.in_(tagged.scalar_subquery()),
        )
    )
    db.session.execute(
        update(ResidentCondition)
        .where(ResidentCondition.resident_id == absorbed_id)
        .values(resident_id=survivor_id)
    )
    consent = active_consent(survivor_id, HEALTH_CONDITIONS_CONSENT)
    if consent is not None:
        db.session.execute(
            update(ResidentCondition)
            .where(ResidentCondition.resident_id == survivor_id)
            .values(consent_id=consent.id)
        )


def _take_acceptances(survivor_id: int, absorbed_id: int) -> None:
    """Acceptances of versions the survivor had not accepted move; one of a version both
    accepted stays behind, kept (one acceptance per resident and version)."""
    accepted = select(PrivacyAcceptance.version).where(PrivacyAcceptance.resident_id == survivor_id)
    db.session.execute(
        update(PrivacyAcceptance)
        .where(
            PrivacyAcceptance.resident_id == absorbed_id,
            PrivacyAcceptance.version.not_in(accepted.scalar_subquery()),
        )
        .values(resident_id=survivor_id)
    )


def _take_cards(
    actor: Principal, survivor_id: int, absorbed_id: int, staff_id: int, now: datetime
) -> None:
    """Every card moves; a live card of the absorbed record keeps working unless the
    survivor has one too (one live card per resident): then the survivor's stands."""
    live = select(MemberCard.id).where(
        MemberCard.resident_id == survivor_id, MemberCard.revoked_at.is_(None)
    )
    if db.session.scalar(live) is not None:
        revoked = db.session.scalars(
            update(MemberCard)
            .where(MemberCard.resident_id == absorbed_id, MemberCard.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by_id=staff_id, revoke_reason=CARD_REVOKE_REASON)
            .returning(MemberCard.last_chars)
        ).all()
        for last_chars in revoked:
            record_audit(actor, "member_card.revoke", absorbed_id, f"card …{last_chars}")
    db.session.execute(
        update(MemberCard)
        .where(MemberCard.resident_id == absorbed_id)
        .values(resident_id=survivor_id)
    )


def duplicates(
    actor: Principal, center_id: int | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Open records sharing a phone number, a group per number, newest group first: the
    actor's center's (a district-wide role: every center's, or ``center_id``'s). The read
    is audited like a search."""
    scope = center_id if actor.is_district_wide else actor.center_id
    if scope is not None and not actor.can_access_center(scope):
        raise NotFound(_l("No such center."))
    newest = func.max(Resident.id).label("newest")
    stmt = (
        select(Resident.phone, newest)
        .where(Resident.closed_at.is_(None), Resident.phone.is_not(None))
        .group_by(Resident.phone)
        .having(func.count() > 1)
        .order_by(newest.desc())
        .limit(limit + 1)
    )
    if scope is not None:
        stmt = stmt.where(Resident.center_id == scope)
    if cursor:
        (before,) = decode_cursor(cursor, (int,))
        stmt = stmt.having(newest < before)
    result = page(db.session.execute(stmt).all(), limit, key=lambda row: (row.newest,))
    members = select(Resident).where(
        Resident.phone.in_([row.phone for row in result["items"]]),
        Resident.closed_at.is_(None),
    )
    if scope is not None:
        members = members.where(Resident.center_id == scope)
    by_phone: dict[str, list[Resident]] = {}
    for resident in db.session.scalars(members.order_by(Resident.id)):
        by_phone.setdefault(resident.phone, []).append(resident)  # type: ignore[arg-type]
    result["items"] = [
        {
            "phone_masked": mask_phone(row.phone),
            "verified": any(r.phone_verified for r in by_phone[row.phone]),
            "residents": by_phone[row.phone],
        }
        for row in result["items"]
    ]
    record_audit(actor, "resident.search", None, "duplicates")
    return result
