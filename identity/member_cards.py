"""Printing and revoking member cards, for residents without a smartphone.

A card carries a static code (identity.card_codes) that the desk scanner reads like the
phone's member code. The code is shown once, when the card is printed: only its hash is
kept. A resident has at most one live card (the database holds to it); a lost card is
revoked, and printing another revokes the one before in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.auth import Principal
from core.db import db
from core.errors import DomainError, NotFound
from core.i18n import _l
from identity import card_codes, typed_codes
from identity.audit import record_audit
from identity.models import MemberCard, Resident


class CardExists(DomainError):
    status, code, title = 409, "member_card_exists", _l("The resident has a member card")


@dataclass(frozen=True, slots=True)
class PrintedCard:
    """A card just printed, and its code: the one moment the code is known."""

    card: MemberCard
    code: str


def _live_card(resident: Resident) -> MemberCard | None:
    """The resident's live card, once no other request is printing or revoking theirs (nor
    closing the account, nor merging the record into another: then there is no resident)."""
    closed_at = db.session.scalar(
        select(Resident.closed_at).where(Resident.id == resident.id).with_for_update()
    )
    if closed_at is not None:
        raise NotFound(_l("No such resident."))
    return db.session.scalar(
        select(MemberCard).where(
            MemberCard.resident_id == resident.id, MemberCard.revoked_at.is_(None)
        )
    )


def issue(
    actor: Principal, resident: Resident, now: datetime, *, replacing: str | None = None
) -> PrintedCard:
    """Print a card: the new card and its code (shown this once). A resident with a live
    card gets another only as a replacement (``replacing`` says why: lost, damaged), which
    revokes the live one; else ``member_card_exists``."""
    current = _live_card(resident)
    if current is not None:
        if replacing is None:
            raise CardExists(
                _l("Re-issue it if the card was lost or damaged: the old card then stops working.")
            )
        _revoke(actor, current, replacing, now)
    code = card_codes.new_code()
    card = MemberCard(
        resident_id=resident.id,
        code_hash=typed_codes.code_hash(code),
        last_chars=code[-card_codes.LAST_CHARS :],
        issued_at=now,
        issued_by_id=actor.id,
    )
    db.session.add(card)
    db.session.flush()
    db.session.expire(resident, ["member_cards"])
    record_audit(actor, "member_card.issue", resident.id, f"card …{card.last_chars}")
    return PrintedCard(card, code)


def revoke(actor: Principal, resident: Resident, reason: str, now: datetime) -> MemberCard:
    """Revoke the resident's live card (lost, stolen, no longer wanted): a scan of it is then
    refused with ``card_revoked``."""
    current = _live_card(resident)
    if current is None:
        raise NotFound(_l("This resident has no member card in use."))
    _revoke(actor, current, reason, now)
    db.session.expire(resident, ["member_cards"])
    return current


def _revoke(actor: Principal, card: MemberCard, reason: str, now: datetime) -> None:
    card.revoked_at = now
    card.revoked_by_id = actor.id
    card.revoke_reason = reason.strip()
    # Flushed before a replacement is added: one live card per resident, in the database.
    db.session.flush()
    record_audit(actor, "member_card.revoke", card.resident_id, f"card …{card.last_chars}")


def erase(resident_id: int) -> None:
    """Every card of a resident whose account closes: a card is a way in, and the audit log
    keeps when each was printed and revoked."""
    db.session.execute(delete(MemberCard).where(MemberCard.resident_id == resident_id))
