"""Which privacy-policy version each resident accepted, and when: at their first login and
again whenever ``PRIVACY_POLICY_VERSION`` changes. Every version accepted is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.errors import DomainError
from core.i18n import _l
from identity.models import PrivacyAcceptance, Resident


class PrivacyVersionMismatch(DomainError):
    status, code, title = (
        409,
        "privacy_version_mismatch",
        _l("That is not the current privacy policy"),
    )


@dataclass(frozen=True, slots=True)
class PrivacyState:
    """The version the resident accepted (the current one if they did, else their latest)."""

    accepted_version: str | None
    accepted_at: datetime | None
    current_version: str

    @property
    def needs_acceptance(self) -> bool:
        return self.accepted_version != self.current_version


def current_version() -> str:
    """The running app's ``PRIVACY_POLICY_VERSION`` (for views; the rules take it as an
    argument)."""
    return current_app.config["PRIVACY_POLICY_VERSION"]  # type: ignore[no-any-return]


def accept(resident: Resident, version: str, current: str) -> PrivacyAcceptance:
    """Record that the resident accepted ``version``, which must be the current one (the
    mini-program showed an outdated policy otherwise). Accepting it again changes nothing."""
    if version != current:
        raise PrivacyVersionMismatch(
            _l(
                "The current privacy policy is version %(current)s; show it and accept that one.",
                current=current,
            )
        )
    accepted = select(PrivacyAcceptance).where(
        PrivacyAcceptance.resident_id == resident.id, PrivacyAcceptance.version == version
    )
    earlier = db.session.scalars(accepted).first()
    if earlier is not None:
        return earlier
    try:
        with db.session.begin_nested():
            acceptance = PrivacyAcceptance(resident_id=resident.id, version=version)
            db.session.add(acceptance)
    except IntegrityError:
        # A double tap accepted it at the same moment: the first record stands.
        return db.session.scalars(accepted).one()
    return acceptance


def accept_at_login(resident: Resident, version: str, current: str) -> None:
    """Record a login's acceptance if it is of the current policy. A mini-program build that
    still shows an older one must not lock its residents out: they are asked again instead."""
    if version == current:
        accept(resident, version, current)


def state(resident_id: int, current: str) -> PrivacyState:
    latest = db.session.scalars(
        select(PrivacyAcceptance)
        .where(PrivacyAcceptance.resident_id == resident_id)
        .order_by(
            (PrivacyAcceptance.version == current).desc(),
            PrivacyAcceptance.accepted_at.desc(),
            PrivacyAcceptance.id.desc(),
        )
        .limit(1)
    ).first()
    if latest is None:
        return PrivacyState(None, None, current)
    return PrivacyState(latest.version, latest.accepted_at, current)
