"""Member-card codes: the static code printed on a resident's member card, and the card a
scanned one names (identity.member_cards prints and revokes the cards).

A card code is ``HPC`` and 16 characters of Crockford's base32 (identity.typed_codes), 80
random bits: its QR is small and coarse (version 2 at the highest error correction, for a card
that lives in a wallet), and its shape tells it from a phone's member code (27 characters of
base64url) and a pickup code (8 digits) without a query. Only the code's SHA-256 is kept.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from core.codes import InvalidQr
from core.db import db
from core.errors import DomainError
from core.i18n import _l
from identity import typed_codes
from identity.models import MemberCard, Resident

PREFIX = "HPC"
BODY_LENGTH = 16
#: How many of its last characters a card is known by.
LAST_CHARS = 4
#: The compact code (what the QR holds), or as printed under it in groups of four.
_SHAPE = re.compile(rf"^{PREFIX}(?:[- ]?[0-9A-Z]{{4}}){{{BODY_LENGTH // 4}}}$")


class CardRevoked(DomainError):
    status, code, title = 410, "card_revoked", _l("This member card was revoked")


def new_code() -> str:
    return typed_codes.new_code(PREFIX, BODY_LENGTH)


def is_card_code(text: str) -> bool:
    """Shaped like a card code, whether or not it is one (no query)."""
    return _SHAPE.match(text.strip().upper()) is not None


def grouped(code: str) -> str:
    """``HPC-ABCD-EFGH-JKMN-PQRS``: the code as printed for a person to read or type."""
    return typed_codes.grouped(code, PREFIX)


def _compact(text: str) -> str | None:
    """The code ``text`` spells (scanned, or typed as printed), or None if it cannot be one."""
    return typed_codes.spelled(text, PREFIX, BODY_LENGTH) if is_card_code(text) else None


def resident_of(text: str) -> tuple[Resident, MemberCard]:
    """The resident a scanned card names, with the card (one query): ``invalid_qr`` for a
    code that is none of our cards (or whose account was closed), ``card_revoked`` for a
    card revoked or replaced."""
    code = _compact(text)
    found = (
        None
        if code is None
        else db.session.execute(
            select(MemberCard, Resident)
            .join(Resident, Resident.id == MemberCard.resident_id)
            .where(MemberCard.code_hash == typed_codes.code_hash(code))
        ).first()
    )
    if found is None or found.Resident.closed_at is not None:
        raise InvalidQr(_l("This is not a member card of ours."))
    if found.MemberCard.revoked_at is not None:
        raise CardRevoked(
            _l("This card was reported lost or replaced; ask for the resident's current card.")
        )
    return found.Resident, found.MemberCard
