"""Link codes: the one-time code that joins a resident registered at a desk to the WeChat
account that scans it (merging.service.link joins the two records).

Staff who have the resident before them issue the code: a QR on the desk screen, or printed.
The resident scans it in the mini-program (or types it), so the link rests on staff having
seen the person, never on a phone number alone. A code works once, for ``LINK_CODE_TTL``
seconds, and only for a record without WeChat.

A code is ``HPL`` and 12 characters of Crockford's base32 (identity.typed_codes), 60 random
bits, written ``HPL-XXXX-XXXX-XXXX`` for typing; its prefix tells it from a check-in or member
code in a scanner that reads both. Only its SHA-256 is kept: 60 random bits that live minutes
are out of reach of guessing (wrong codes are counted per account, ``LINK_CODE_LOCKOUT``) and
of a stolen table alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core import ratelimit
from core.auth import Principal
from core.db import db
from core.errors import DomainError, RateLimited
from core.i18n import _l
from identity import typed_codes
from identity.audit import record_audit
from identity.models import LinkCode, Resident

PREFIX = "HPL"
BODY_LENGTH = 12
#: Where wrong codes are counted (per WeChat account) in the rate limiter's storage.
SCOPE = "link-code-failures"


class LinkCodeUnknown(DomainError):
    status, code, title = 404, "link_code_unknown", _l("No such link code")


class LinkCodeUsed(DomainError):
    status, code, title = 409, "link_code_used", _l("This link code was used already")


class LinkCodeExpired(DomainError):
    status, code, title = 410, "link_code_expired", _l("This link code has expired")


class ResidentHasWeChat(DomainError):
    status, code, title = 409, "resident_has_wechat", _l("The resident has WeChat already")


@dataclass(frozen=True, slots=True)
class IssuedLinkCode:
    """A code just issued: the one moment it is known."""

    code: str
    expires_at: datetime
    resident_id: int

    @property
    def grouped(self) -> str:
        """``HPL-ABCD-EFGH-JKMN``: the code as printed for a person to read or type."""
        return typed_codes.grouped(self.code, PREFIX)


def issue(actor: Principal, resident: Resident, now: datetime, ttl_seconds: int) -> IssuedLinkCode:
    """A code that joins ``resident`` (registered at a desk) to the WeChat account that uses
    it within ``ttl_seconds``; ``resident_has_wechat`` if they have one already."""
    if resident.has_wechat:
        raise ResidentHasWeChat(
            _l("This resident logs in with WeChat already; there is nothing to link.")
        )
    code = typed_codes.new_code(PREFIX, BODY_LENGTH)
    expires_at = now + timedelta(seconds=ttl_seconds)
    db.session.add(
        LinkCode(
            resident_id=resident.id,
            code_hash=typed_codes.code_hash(code),
            issued_by_id=actor.id,
            issued_at=now,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    record_audit(actor, "resident.link_code", resident.id)
    return IssuedLinkCode(code, expires_at, resident.id)


def claim(text: str, claimant: Resident, now: datetime, lockout: str) -> LinkCode:
    """Spend the code ``text`` for the WeChat account ``claimant``: the code, locked and
    marked used (a second use waits for the first, then finds it used). Refusals have their
    own codes; wrong codes count against the account, and ``lockout`` (e.g. ``5 per 15
    minutes``) of them lock it out for the rest of that window (``rate_limited``)."""
    key = str(claimant.id)
    wait = ratelimit.seconds_locked(lockout, SCOPE, key)
    if wait is not None:
        raise RateLimited(
            _l("Too many wrong link codes; try again in %(s)d seconds.", s=wait),
            headers={"Retry-After": str(wait)},
        )
    try:
        return _claim(text, claimant, now)
    except (LinkCodeUnknown, LinkCodeUsed, LinkCodeExpired):
        ratelimit.spend(lockout, SCOPE, key)
        raise


def _claim(text: str, claimant: Resident, now: datetime) -> LinkCode:
    code = typed_codes.spelled(text, PREFIX, BODY_LENGTH)
    found = (
        None
        if code is None
        else db.session.scalar(
            select(LinkCode)
            .where(LinkCode.code_hash == typed_codes.code_hash(code))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    target = db.session.get(Resident, found.resident_id) if found is not None else None
    if found is None or target is None or target.closed_at is not None:
        raise LinkCodeUnknown(_l("This is not a link code of ours; ask the desk for a new one."))
    if found.used_at is not None:
        raise LinkCodeUsed(_l("Each link code works once; ask the desk for a new one."))
    if now >= found.expires_at:
        raise LinkCodeExpired(_l("The link code has expired; ask the desk for a new one."))
    if target.has_wechat:
        raise ResidentHasWeChat(_l("This record is linked to a WeChat account already."))
    found.used_at, found.used_by_id = now, claimant.id
    db.session.flush()
    return found
