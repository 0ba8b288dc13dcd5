"""Every refusal is an RFC 9457 problem with a stable ``code`` the clients switch on.

Domain code raises a :class:`DomainError` subclass; werkzeug's and webargs' HTTP errors,
database outages and anything unforeseen are rendered here too, so no view builds an
error body by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from core.i18n import _l

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: Sent with every 503: a lock held or a statement cancelled is usually gone by then.
RETRY_AFTER_SECONDS = "2"

#: The contract's codes for plain HTTP errors (werkzeug's own, webargs', Flask-Limiter's).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class DomainError(Exception):
    """A refusal the client can act on. Subclasses fix ``status``, ``code`` and ``title``."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if status is not None:
            self.status = status
        self.errors = errors
        self.headers = headers
        super().__init__(self.detail)


class BadRequest(DomainError):
    pass


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", "The request has invalid fields"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"


class TokenExpired(DomainError):
    status, code, title = 401, "token_expired", "The token has expired"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", _l("The request body is too large")


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"


class Unavailable(DomainError):
    status, code, title = 503, "unavailable", "Service unavailable"


def problem_response(error: DomainError) -> Response:
    return _problem(
        error.status, error.code, error.title, error.detail, error.errors, error.headers
    )


def http_problem(error: HTTPException) -> Response:
    """Render werkzeug's exceptions (and webargs' 422 with its field messages)."""
    status = error.code or 500
    if status >= 500 and status != 503:
        return _problem(500, "internal_error", "Internal server error", "Something went wrong.")
    code = HTTP_CODES.get(status) or HTTPStatus(status).name.lower()
    data = getattr(error, "data", None) or {}
    errors = None
    detail = error.description or HTTPStatus(status).description
    if status == 422 and "messages" in data:
        errors = flatten_messages(data["messages"])
        detail = "Some fields are missing or invalid; see errors."
    elif "messages" in data:
        detail = "; ".join(_flat_strings(data["messages"])) or detail
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return _problem(status, code, HTTPStatus(status).phrase, detail, errors, headers)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn webargs' ``{location: {field: {nested: [msg]}}}`` into ``{"field.nested": [msg]}``."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "headers", "files", "path"):
                name = ""
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, msgs in flatten_messages(value, name).items():
                flat.setdefault(field, []).extend(msgs)
        return flat
    return {prefix or "_schema": _flat_strings(messages)}


def _flat_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _flat_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _flat_strings(v)]
    return [str(value)]


def _problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:health-points:problem:{code}",
        "title": str(title),  # lazy strings are rendered in the request's language here
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    response = current_app.response_class(
        json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    response.headers.update(headers or {})
    if status == 503:
        response.headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, problem_response)

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError) -> Response:
        # A constraint the service did not anticipate: the database kept the invariant.
        app.logger.warning("unhandled integrity error: %s", error.orig)
        return problem_response(Conflict("The change conflicts with existing data."))

    @app.errorhandler(DataError)
    def unstorable_value(error: DataError) -> Response:
        # A value the schema let through but the database cannot hold (a NUL character).
        return problem_response(BadRequest("A value in the request cannot be stored."))

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        # Also a statement or lock wait past its timeout (core.db): cancelled, not hung.
        app.logger.error("database unavailable: %s", error.orig)
        return problem_response(Unavailable("The database is not answering; try again."))
