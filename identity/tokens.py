"""Access and refresh tokens: HS256 JWTs with every registered claim checked.

The access token carries the role and center, so authorizing a resident's request needs no
database read: check-in, the hottest path, stays one query lighter. A staff member's tokens
carry their account's ``ver`` (token version), checked against the account on every request,
so a deactivated or changed account is shut out at once. Every token carries ``sid``, the
login (refresh-token family) it belongs to.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from flask import current_app

from core.api import MAX_ID
from core.auth import Principal
from core.errors import TokenExpired, Unauthorized
from core.i18n import _l

ALGORITHM = "HS256"
_ASCII_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
ACCESS, REFRESH = "access", "refresh"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says besides who it names."""

    principal: Principal
    jti: str
    #: The login (refresh-token family) the token belongs to.
    session: str | None
    #: The staff account's token version when the token was issued.
    version: int


def new_token_id() -> str:
    return uuid.uuid4().hex


def _encode(
    principal: Principal, token_type: str, ttl: int, session: str, version: int, jti: str
) -> str:
    config = current_app.config
    now = int(time.time())
    claims = {
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "sub": f"{principal.kind}:{principal.id}",
        "role": principal.role,
        "cid": principal.center_id,
        "typ": token_type,
        "iat": now,
        "exp": now + ttl,
        "jti": jti,
        "sid": session,
        "ver": version,
    }
    return jwt.encode(claims, config["JWT_SECRET_KEY"], algorithm=ALGORITHM)


def issue_tokens(
    principal: Principal, *, session: str, refresh_jti: str, version: int = 0
) -> dict[str, Any]:
    """An access and a refresh token; the caller records ``refresh_jti`` (identity.service)."""
    config = current_app.config
    ttl = config["ACCESS_TOKEN_TTL"]
    return {
        "access_token": _encode(principal, ACCESS, ttl, session, version, new_token_id()),
        "refresh_token": _encode(
            principal, REFRESH, config["REFRESH_TOKEN_TTL"], session, version, refresh_jti
        ),
        "token_type": "Bearer",
        "expires_in": ttl,
    }


def decode_claims(token: str, expected_type: str, *, verify_expiry: bool = True) -> TokenClaims:
    """A verified token's principal, id, session and version, or ``Unauthorized`` /
    ``TokenExpired``. Without ``verify_expiry`` an expired token still answers (its signature
    is checked all the same): to tell whose it is, never to let it in."""
    config = current_app.config
    try:
        claims = jwt.decode(
            token,
            config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            audience=config["JWT_AUDIENCE"],
            issuer=config["JWT_ISSUER"],
            options={
                "require": ["exp", "iat", "iss", "aud", "sub", "typ", "role"],
                "verify_exp": verify_expiry,
            },
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired(_l("The token has expired; refresh it or log in again.")) from None
    except jwt.InvalidTokenError:
        raise Unauthorized(_l("The token is not valid.")) from None
    if claims.get("typ") != expected_type:
        raise Unauthorized(
            _l("An access token is required.")
            if expected_type == ACCESS
            else _l("A refresh token is required.")
        )
    kind, _, raw_id = str(claims["sub"]).partition(":")
    center_id = claims.get("cid")
    # Signed is not well-formed: check the claims' shapes (``true`` is an int to isinstance,
    # "²" a digit to isdigit).
    if (
        kind not in ("resident", "staff")
        or not _ASCII_NUMBER.fullmatch(raw_id)
        or int(raw_id) > MAX_ID
    ):
        raise Unauthorized(_l("The token is not valid."))
    if center_id is not None and (type(center_id) is not int or not 1 <= center_id <= MAX_ID):
        raise Unauthorized(_l("The token is not valid."))
    jti, session, version = claims.get("jti"), claims.get("sid"), claims.get("ver", 0)
    if (
        not isinstance(jti, str)
        or not (session is None or isinstance(session, str))
        or not isinstance(version, int)
        or isinstance(version, bool)
    ):
        raise Unauthorized(_l("The token is not valid."))
    principal = Principal(kind=kind, id=int(raw_id), role=str(claims["role"]), center_id=center_id)  # type: ignore[arg-type]
    return TokenClaims(principal=principal, jti=jti, session=session, version=version)
