"""A WeChat resident's phone number is the one WeChat vouches for (getPhoneNumber), and a
verified number belongs to one resident. Numbers typed at a desk stay unverified."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.errors import DomainError
from core.i18n import _l
from identity.models import PHONE_PATTERN, Resident
from identity.wechat import WeChatPhoneFailed


class PhoneTaken(DomainError):
    status, code, title = 409, "phone_taken", _l("The phone number belongs to another resident")


def record_verified(resident: Resident, phone: str, now: datetime) -> Resident:
    """Give the resident the number WeChat vouched for, unless another resident holds it
    verified (``phone_taken``; the database's unique index settles a race)."""
    if not PHONE_PATTERN.match(phone):
        raise WeChatPhoneFailed(_l("Only a mainland China mobile number can be used here."))
    holder = db.session.scalar(
        select(Resident.id).where(
            Resident.phone == phone,
            Resident.phone_verified_at.is_not(None),
            Resident.id != resident.id,
        )
    )
    taken = PhoneTaken(_l("Another account verified this number; ask the desk if it is yours."))
    if holder is not None:
        raise taken
    try:
        with db.session.begin_nested():
            resident.phone, resident.phone_verified_at = phone, now
    except IntegrityError:
        raise taken from None
    return resident
