"""Access and refresh tokens: HS256 JWTs with every registered claim checked.

The access token carries the role and center, so authorizing a request needs no database
read: check-in, the hottest path, stays one query lighter.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from flask import current_app

from core.errors import TokenExpired, Unauthorized
from core.i18n import _l

ALGORITHM = "HS256"
ACCESS, REFRESH = "access", "refresh"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a resident, or a staff member with a role and maybe a center."""

    kind: Literal["resident", "staff"]
    id: int
    role: str
    center_id: int | None = None

    @property
    def is_district_wide(self) -> bool:
        return self.role == "admin" or (self.role == "manager" and self.center_id is None)

    def can_access_center(self, center_id: int | None) -> bool:
        return self.kind == "staff" and (self.is_district_wide or center_id == self.center_id)


def _encode(principal: Principal, token_type: str, ttl: int) -> str:
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
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, config["JWT_SECRET_KEY"], algorithm=ALGORITHM)


def issue_tokens(principal: Principal) -> dict[str, Any]:
    ttl = current_app.config["ACCESS_TOKEN_TTL"]
    return {
        "access_token": _encode(principal, ACCESS, ttl),
        "refresh_token": _encode(principal, REFRESH, current_app.config["REFRESH_TOKEN_TTL"]),
        "token_type": "Bearer",
        "expires_in": ttl,
    }


def decode(token: str, expected_type: str) -> Principal:
    """The principal a token names, or ``Unauthorized`` / ``TokenExpired``."""
    config = current_app.config
    try:
        claims = jwt.decode(
            token,
            config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            audience=config["JWT_AUDIENCE"],
            issuer=config["JWT_ISSUER"],
            options={"require": ["exp", "iat", "iss", "aud", "sub", "typ", "role"]},
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
    if kind not in ("resident", "staff") or not raw_id.isdigit():
        raise Unauthorized(_l("The token is not valid."))
    if center_id is not None and not isinstance(center_id, int):
        raise Unauthorized(_l("The token is not valid."))
    return Principal(kind=kind, id=int(raw_id), role=str(claims["role"]), center_id=center_id)  # type: ignore[arg-type]
