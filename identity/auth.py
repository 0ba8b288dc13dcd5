"""Authentication and role checks for views: ``@auth_required("staff", "manager")``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import Blueprint

from core.errors import Forbidden, Unauthorized
from core.i18n import _l
from identity import sessions
from identity.tokens import ACCESS, Principal, decode_claims

F = TypeVar("F", bound=Callable[..., Any])

RESIDENT = "resident"
STAFF_ROLES = ("staff", "manager", "admin")
ROLES = (RESIDENT, *STAFF_ROLES)
#: The OpenAPI extension on each secured operation that lists the roles which may call it.
ROLES_EXTENSION = "x-roles"


def authenticate() -> Principal:
    """Who the access token names. A staff token is checked against the account (one read by
    primary key, once per request); a resident's needs no database at all, so check-in stays
    one query lighter."""
    if "token_claims" not in g:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_l("Send 'Authorization: Bearer <access token>'."))
        claims = decode_claims(token.strip(), ACCESS)
        if claims.principal.kind == "staff":
            sessions.current_staff(claims)
        g.token_claims = claims
    return g.token_claims.principal  # type: ignore[no-any-return]


def auth_required(*roles: str) -> Callable[[F], F]:
    """Require an access token whose role is one of ``roles`` (any role when none given).

    Put it under ``@blp.response`` and above ``@blp.arguments`` so a stranger is told
    401 before anything about their request body. The OpenAPI document lists the roles
    under ``x-roles``, so clients (and tests) see who may call what.
    """
    documented = {"security": [{"bearerAuth": []}], ROLES_EXTENSION: list(roles or ROLES)}

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if roles and principal.role not in roles:
                raise Forbidden(_l("Your role may not do this."))
            g.principal = principal
            return view(*args, **kwargs)

        return Blueprint.doc(**documented)(wrapper)  # type: ignore[return-value]

    return decorator


def current_principal() -> Principal:
    return g.principal  # type: ignore[no-any-return]


def current_session() -> str | None:
    """The login (refresh-token family) the request's access token belongs to."""
    return g.token_claims.session  # type: ignore[no-any-return]
