"""Logins as sessions: single-use refresh tokens in families, logout, and revocation.

Each login starts a family of refresh tokens. Refreshing spends the token and issues the
next of its family; a spent token presented again was copied, so its whole family is
revoked. Staff tokens also carry the account's ``token_version``: raising it voids every
token the account holds, access tokens included, at their next request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g
from sqlalchemy import delete, select, update

from core.auth import Principal
from core.db import db, utcnow, write_regardless
from core.errors import TokenRevoked
from core.i18n import _l
from identity import service
from identity.models import RefreshToken, Resident, Staff
from identity.tokens import (
    ACCESS,
    REFRESH,
    TokenClaims,
    decode_claims,
    issue_tokens,
    new_token_id,
)

logger = logging.getLogger("health_points.sessions")


def start(account: Staff | Resident) -> dict[str, Any]:
    """A new login: a new family and its first pair of tokens."""
    return _issue(account, family=new_token_id())


def refresh(refresh_token: str) -> tuple[Staff | Resident, dict[str, Any]]:
    """Spend a refresh token for the next pair of its family.

    A token spent or revoked before is ``token_revoked``, and its family is revoked even
    though the request is refused.
    """
    claims = decode_claims(refresh_token, REFRESH)
    now = utcnow()
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == claims.jti,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        # Someone holds a copy of a spent token (or a client retried a lost answer): end the
        # login for both, and leave a trace for whoever looks into it.
        principal = claims.principal
        logger.warning(
            "refresh token reused: %s:%s, login %s revoked",
            principal.kind,
            principal.id,
            claims.session,
        )
        if claims.session is not None:
            family = _revoke_family(claims.session, now)
            write_regardless(lambda: db.session.execute(family))
        raise TokenRevoked(_l("This refresh token was used before or revoked; log in again."))
    account = current_staff(claims) if claims.principal.kind == "staff" else _resident(claims)
    return account, _issue(account, family=claims.session or new_token_id())


def end(refresh_token: str) -> None:
    """Log out: the refresh token's family can no longer be refreshed."""
    claims = decode_claims(refresh_token, REFRESH)
    if claims.session is not None:
        db.session.execute(_revoke_family(claims.session, utcnow()))


def start_browser_login(staff: Staff, lifetime: timedelta) -> str:
    """A staff console login: a family whose one record is never handed out as a token.

    The browser's session cookie names the family; logging out, :func:`revoke_all` (a
    deactivation, a password reset) or the record's expiry ends it like any other login.
    """
    family, now = new_token_id(), utcnow()
    db.session.add(
        RefreshToken(
            jti=family, family=family, issued_at=now, expires_at=now + lifetime, staff_id=staff.id
        )
    )
    db.session.flush()
    return family


def browser_principal(staff_id: int, family: str, version: int) -> Principal:
    """Who a console session cookie speaks for, while its login is neither ended nor revoked
    (one read: the account and its login record)."""
    staff = db.session.execute(
        select(Staff)
        .join(RefreshToken, RefreshToken.staff_id == Staff.id)
        .where(
            Staff.id == staff_id,
            RefreshToken.jti == family,
            RefreshToken.family == family,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > utcnow(),
        )
    ).scalar_one_or_none()
    if staff is None or not staff.active or staff.token_version != version:
        raise TokenRevoked(_l("This login has ended; log in again."))
    return service.staff_principal(staff)


def end_browser_login(family: str) -> None:
    """Log a console session out: its login record is revoked."""
    db.session.execute(_revoke_family(family, utcnow()))


def access_principal(access_token: str) -> Principal:
    """Who an access token speaks for: the app's authenticator (``core.auth``). A staff token
    is checked against the account (one read by primary key, once per request); a resident's
    needs no database at all, so check-in stays one query lighter."""
    claims = decode_claims(access_token, ACCESS)
    if claims.principal.kind == "staff":
        current_staff(claims)
    g.token_claims = claims
    return claims.principal


def current_session() -> str | None:
    """The login (refresh-token family) the request's access token belongs to."""
    return g.token_claims.session  # type: ignore[no-any-return]


def current_staff(claims: TokenClaims) -> Staff:
    """The staff account a token names, while the token still speaks for it."""
    staff = db.session.get(Staff, claims.principal.id)
    if (
        staff is None
        or not staff.active
        or staff.token_version != claims.version
        or staff.role != claims.principal.role
        or staff.center_id != claims.principal.center_id
    ):
        raise TokenRevoked(_l("This account's tokens were revoked; log in again."))
    return staff


def revoke_all(staff: Staff, now: datetime) -> None:
    """Void every token the account holds: access tokens at their next request."""
    staff.token_version += 1
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.staff_id == staff.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.flush()


def revoke_resident(resident_id: int, now: datetime) -> None:
    """End every login of a resident (their account is closing)."""
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.resident_id == resident_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_other_sessions(staff: Staff, session: str | None, now: datetime) -> None:
    """Revoke the refresh tokens of every login of the account but ``session``."""
    db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.staff_id == staff.id,
            RefreshToken.family != (session or ""),
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def prune(now: datetime) -> int:
    """Delete refresh tokens past their expiry; returns how many."""
    result = db.session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _revoke_family(family: str, now: datetime) -> Any:
    return (
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _resident(claims: TokenClaims) -> Resident:
    resident = db.session.get(Resident, claims.principal.id)
    # A closed account: also a token issued by a login or refresh that raced the closing.
    if resident is None or resident.closed_at is not None:
        raise TokenRevoked(_l("This account's tokens were revoked; log in again."))
    return resident


def _issue(account: Staff | Resident, family: str) -> dict[str, Any]:
    jti, now = new_token_id(), utcnow()
    ttl = timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"])
    if isinstance(account, Staff):
        principal, version = service.staff_principal(account), account.token_version
        owner = {"staff_id": account.id}
    else:
        principal, version = service.resident_principal(account), 0
        owner = {"resident_id": account.id}
    db.session.add(
        RefreshToken(jti=jti, family=family, issued_at=now, expires_at=now + ttl, **owner)
    )
    db.session.flush()
    return issue_tokens(principal, session=family, refresh_jti=jti, version=version)
