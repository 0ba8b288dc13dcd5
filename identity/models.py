"""Who takes part: centers, their staff, residents, their member cards, link codes, consents,
refresh tokens and the audit log; and the lookups on them every package shares (a center's
name, a resident's active consent, the record a merged one lives on in)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement

from core.db import UTCDateTime, db, utcnow
from core.errors import DomainError
from core.i18n import _l

#: Chronic conditions staff may tag, keyed by a code that never leaves staff views.
CONDITIONS = {
    "hypertension": "高血压",
    "type2_diabetes": "2型糖尿病",
    "hyperlipidemia": "高脂血症",
    "coronary_heart_disease": "冠心病",
    "stroke": "脑卒中",
    "copd": "慢性阻塞性肺疾病",
}

#: A mainland China mobile number, the only kind a resident's record holds.
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")

#: Consent purposes a resident can grant; the one below gates condition tags.
HEALTH_CONDITIONS_CONSENT = "health_conditions"
CONSENT_PURPOSES = (HEALTH_CONDITIONS_CONSENT,)


class ConsentRequired(DomainError):
    status, code, title = 409, "consent_required", _l("The resident has not consented to this")


class Center(db.Model):
    """A community health center (社区卫生服务中心) of the district."""

    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name, unique in the district.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def named_centers(center_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{"id", "name"}`` of each center, by id, in one query: lists name centers, not only
    number them."""
    wanted = set(center_ids)
    if not wanted:
        return {}
    rows = db.session.execute(select(Center.id, Center.name).where(Center.id.in_(wanted)))
    return {center_id: {"id": center_id, "name": name} for center_id, name in rows}


def center_of(center_id: int | None) -> dict[str, Any] | None:
    """One center as ``{"id", "name"}``; None for none (the district, or no home center)."""
    return None if center_id is None else named_centers([center_id]).get(center_id)


class Staff(db.Model):
    """A staff account. A manager without a center is a district manager."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint("role IN ('staff', 'manager', 'admin')", name="role"),
        CheckConstraint("role <> 'staff' OR center_id IS NOT NULL", name="staff_has_center"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Argon2id hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    #: A deactivated account cannot log in, and its tokens stop working at once.
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: Carried in the account's tokens; raising it voids every token issued before
    #: (deactivation, a password reset, a new role or center).
    token_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Where mail for this account goes (the weekly report); set by the account or an admin.
    email: Mapped[str | None] = mapped_column(String(254))
    #: A manager who asked for the weekly report by e-mail (needs ``email``).
    weekly_report: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @hybrid_property
    def name(self) -> str:
        """What residents and records call this staff member: the display name, else the login."""
        return self.display_name or self.username

    @name.inplace.expression
    @classmethod
    def _name_expression(cls) -> ColumnElement[str]:
        return func.coalesce(cls.display_name, cls.username)


class Resident(db.Model):
    """A resident taking part in the programme, through WeChat or registered at a desk."""

    __tablename__ = "residents"
    __table_args__ = (
        # One resident per number WeChat vouched for; desk-typed numbers may repeat.
        Index(
            "uq_residents_verified_phone",
            "phone",
            unique=True,
            postgresql_where=text("phone_verified_at IS NOT NULL"),
        ),
        CheckConstraint("merged_into_id IS NULL OR closed_at IS NOT NULL", name="merged_is_closed"),
        CheckConstraint("merge_reason IS NULL OR merged_into_id IS NOT NULL", name="merge_reason"),
        # Few rows: the reports ask for the records merged lately (stats.rollups).
        Index(
            "ix_residents_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: WeChat openid for this mini-program; null for residents registered at a desk.
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    #: Full number, kept so the desk can find a resident; shown only masked.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    #: When WeChat's getPhoneNumber vouched for ``phone``; null for a number typed at a desk.
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The center the resident usually attends (the desk that registered them, or their choice).
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: Keys the resident's member codes; a new one voids every code issued before.
    member_secret: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the resident closed their account: personal data erased, the ledger kept under
    #: this anonymous row, every token refused. Also when the record was merged into another.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The record this one was merged into (two records of one person, joined): the person
    #: lives on there; this row stays, anonymous, under the ledger entries that name it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    #: Why the manager who merged this record judged it the same person (their words, kept
    #: here and out of the audit trail, which holds no personal data in clear); null for a
    #: link made by a link code.
    merge_reason: Mapped[str | None] = mapped_column(String(200))

    #: Read-only views; the service writes consents and tags and expires these.
    consents: Mapped[list[Consent]] = relationship(order_by="Consent.id", viewonly=True)
    condition_tags: Mapped[list[ResidentCondition]] = relationship(
        order_by="ResidentCondition.condition", viewonly=True
    )
    #: Every card printed for the resident, newest first (identity.member_cards issues them).
    member_cards: Mapped[list[MemberCard]] = relationship(
        order_by="MemberCard.id.desc()", viewonly=True
    )

    @property
    def phone_masked(self) -> str | None:
        return mask_phone(self.phone)

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def has_wechat(self) -> bool:
        return self.openid is not None

    @property
    def conditions(self) -> list[str]:
        return [tag.condition for tag in self.condition_tags]

    @property
    def member_card(self) -> MemberCard | None:
        """The card the desk knows the resident by: the live one, else the last revoked."""
        return self.member_cards[0] if self.member_cards else None


class MemberCard(db.Model):
    """A printed member card: a static code the desk scanner reads like the phone's member
    code, for residents without a smartphone. Only the code's hash is kept (the code is shown
    once, when the card is printed); a lost card is revoked and another printed."""

    __tablename__ = "member_cards"
    __table_args__ = (
        # At most one live card per resident: printing another revokes it first.
        Index(
            "uq_member_cards_live_resident",
            "resident_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by_id IS NULL) "
            "AND (revoked_at IS NULL) = (revoke_reason IS NULL)",
            name="revocation_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: SHA-256 of the code (hex); the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The code's last characters, so staff can tell which card a resident holds.
    last_chars: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    #: Who printed and who revoked it, for the resident's page.
    issued_by: Mapped[Staff] = relationship(foreign_keys=[issued_by_id], viewonly=True)
    revoked_by: Mapped[Staff | None] = relationship(foreign_keys=[revoked_by_id], viewonly=True)

    @property
    def status(self) -> str:
        return "live" if self.revoked_at is None else "revoked"


class LinkCode(db.Model):
    """A one-time code that joins a desk-registered resident to the WeChat account that
    scans it (identity.link_codes): issued by staff who have the resident before them,
    short-lived, and kept only as a hash."""

    __tablename__ = "link_codes"
    __table_args__ = (
        CheckConstraint("(used_at IS NULL) = (used_by_id IS NULL)", name="use_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The desk-registered resident the code joins to a WeChat account.
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: SHA-256 of the code (hex); the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The WeChat account that used it: merged into ``resident_id`` since.
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


def mask_phone(phone: str | None) -> str | None:
    """``13812341234`` → ``138****1234``; short numbers keep only their last two digits."""
    if not phone:
        return None
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str | None) -> str | None:
    """``黄秀英`` → ``黄*英``, ``张明`` → ``张*``: enough for the desk to confirm who it is."""
    if not name:
        return None
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class Consent(db.Model):
    """A resident's recorded consent to one purpose; withdrawing keeps the record."""

    __tablename__ = "consents"
    __table_args__ = (
        Index(
            "uq_consents_active_purpose",
            "resident_id",
            "purpose",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    #: Version of the consent text the resident agreed to.
    version: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def active_consent(resident_id: int, purpose: str) -> Consent | None:
    return db.session.scalar(
        select(Consent).where(
            Consent.resident_id == resident_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
    )


class PrivacyAcceptance(db.Model):
    """A resident accepted one version of the privacy policy; every version accepted is kept."""

    __tablename__ = "privacy_acceptances"
    __table_args__ = (UniqueConstraint("resident_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    #: The ``PRIVACY_POLICY_VERSION`` the mini-program showed and the resident accepted.
    version: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResidentCondition(db.Model):
    """A chronic-condition tag, valid only under the consent it was recorded with."""

    __tablename__ = "resident_conditions"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    condition: Mapped[str] = mapped_column(String(40), primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefreshToken(db.Model):
    """A refresh token, usable once: refreshing marks it used and issues the next of its family.

    A family is one login's chain of refresh tokens; presenting a used token again means it
    was copied, so the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        CheckConstraint("(staff_id IS NULL) <> (resident_id IS NULL)", name="one_account"),
    )

    #: The token's ``jti`` claim.
    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The login this token descends from (the access tokens' ``sid`` claim).
    family: Mapped[str] = mapped_column(String(32), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was traded for the next token of its family.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it stopped being usable (logout, reuse, password or account change).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(db.Model):
    """Who read, changed or exported which resident's personal data, or changed which staff
    account, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: ``staff``, ``resident`` or ``system``.
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    #: What was done, e.g. ``resident.read``, ``resident.search``, ``staff.update``.
    action: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The staff account an account change (``staff.*``) was made to.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    #: Free text without personal data in clear (search terms are stored masked).
    detail: Mapped[str | None] = mapped_column(String(255))
