"""Who is asking, and the role checks for views: ``@auth_required("staff", "manager")``.

Verifying a bearer token needs identity's accounts and logins, which core does not import:
the app hands :func:`init_app` identity's authenticator, and :func:`authenticate` asks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import Flask, current_app, g, request
from flask_smorest import Blueprint

from core.errors import Forbidden, Unauthorized
from core.i18n import _l

F = TypeVar("F", bound=Callable[..., Any])

RESIDENT = "resident"


class Role(StrEnum):
    """A staff account's role: the desk, a center's (or with no center, the district's)
    manager, or an administrator."""

    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = tuple(Role)
ROLES = (RESIDENT, *STAFF_ROLES)
#: The OpenAPI extension on each secured operation that lists the roles which may call it.
ROLES_EXTENSION = "x-roles"
_AUTHENTICATOR = "authenticator"


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


#: Verifies an access token and returns whom it names, or raises a 401 ``DomainError``.
Authenticator = Callable[[str], Principal]


def init_app(app: Flask, authenticator: Authenticator) -> None:
    app.extensions[_AUTHENTICATOR] = authenticator


def authenticate() -> Principal:
    """Who the request's access token names, verified once per request."""
    if "authenticated" not in g:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_l("Send 'Authorization: Bearer <access token>'."))
        g.authenticated = current_app.extensions[_AUTHENTICATOR](token.strip())
    return g.authenticated  # type: ignore[no-any-return]


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
