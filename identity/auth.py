"""Authentication and role checks for views: ``@auth_required("staff", "manager")``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import Blueprint

from core.errors import Forbidden, Unauthorized
from core.i18n import _l
from identity.tokens import ACCESS, Principal, decode

F = TypeVar("F", bound=Callable[..., Any])

RESIDENT = "resident"
STAFF_ROLES = ("staff", "manager", "admin")


def authenticate() -> Principal:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_l("Send 'Authorization: Bearer <access token>'."))
    return decode(token.strip(), ACCESS)


def auth_required(*roles: str) -> Callable[[F], F]:
    """Require an access token whose role is one of ``roles`` (any role when none given).

    Put it under ``@blp.response`` and above ``@blp.arguments`` so a stranger is told
    401 before anything about their request body.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if roles and principal.role not in roles:
                raise Forbidden(_l("Your role may not do this."))
            g.principal = principal
            return view(*args, **kwargs)

        return Blueprint.doc(security=[{"bearerAuth": []}])(wrapper)  # type: ignore[return-value]

    return decorator


def current_principal() -> Principal:
    return g.principal  # type: ignore[no-any-return]
