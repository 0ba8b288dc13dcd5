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

from core.i18n import Text, _l, field_message

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: Sent with every 503: a lock held or a statement cancelled is usually gone by then.
RETRY_AFTER_SECONDS = "2"
#: SQLSTATEs of a request that lost a race for a row another transaction held: a lock wait
#: past ``DB_LOCK_TIMEOUT_MS`` (lock_not_available), two waiting for each other
#: (deadlock_detected: PostgreSQL undoes one), a serialization failure. A 503
#: ``unavailable`` like an outage (the contract's code), with words that say to resend.
LOCK_CONFLICTS = frozenset({"55P03", "40P01", "40001"})

#: The contract's codes for plain HTTP errors (werkzeug's own, webargs', Flask-Limiter's).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


#: Title and detail of plain HTTP errors, by status.
HTTP_WORDS: dict[int, tuple[Text, Text]] = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Authentication required"), _l("Log in first.")),
    403: (_l("Not allowed"), _l("You are not allowed to do this.")),
    404: (_l("Not found"), _l("Nothing is at this address.")),
    405: (_l("Method not allowed"), _l("This address does not take this method.")),
    406: (_l("Not acceptable"), _l("This address cannot answer in a format you accept.")),
    409: (
        _l("Conflict with the current state"),
        _l("The request conflicts with the current state."),
    ),
    410: (_l("Gone"), _l("This is no longer available.")),
    411: (_l("Length required"), _l("Say the body's length (Content-Length).")),
    413: (_l("Request too large"), _l("The request body is too large.")),
    414: (_l("Address too long"), _l("The address is too long.")),
    415: (_l("Unsupported media type"), _l("This address does not take a body of this type.")),
    416: (_l("Range not satisfiable"), _l("The requested range is not available.")),
    422: (
        _l("The request has invalid fields"),
        _l("Some fields are missing or invalid; see errors."),
    ),
    429: (_l("Too many requests"), _l("Too many requests; wait a moment and try again.")),
    431: (_l("Headers too large"), _l("The request headers are too large.")),
    500: (_l("Internal server error"), _l("Something went wrong.")),
    503: (_l("Service unavailable"), _l("The service is not available now; try again later.")),
}


class DomainError(Exception):
    """A refusal the client can act on. Subclasses fix ``status``, ``code`` and ``title``.

    ``extensions``: members the problem carries besides the standard ones (RFC 9457 §3.2),
    JSON-ready; a view that adds some documents them with ``core.api.problems``.
    """

    status: int = 400
    code: str = "bad_request"
    title: Text = _l("Bad request")

    def __init__(
        self,
        detail: Text | None = None,
        *,
        status: int | None = None,
        errors: Mapping[str, list[Text]] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.title
        if status is not None:
            self.status = status
        self.errors = errors
        self.headers = headers
        self.extensions = dict(extensions or {})
        super().__init__(self.detail)


class BadRequest(DomainError):
    pass


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", _l("The request has invalid fields")


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", _l("Authentication required")


class TokenExpired(DomainError):
    status, code, title = 401, "token_expired", _l("The token has expired")


class TokenRevoked(DomainError):
    status, code, title = 401, "token_revoked", _l("The token has been revoked")


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", _l("Not allowed")


class NotFound(DomainError):
    status, code, title = 404, "not_found", _l("Not found")


class Conflict(DomainError):
    status, code, title = 409, "conflict", _l("Conflict with the current state")


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", _l("The request body is too large")


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", _l("Too many requests")


class Unavailable(DomainError):
    status, code, title = 503, "unavailable", _l("Service unavailable")


def problem_response(error: DomainError) -> Response:
    return _problem(
        error.status,
        error.code,
        error.title,
        error.detail,
        error.errors,
        error.headers,
        error.extensions,
    )


def http_problem(error: HTTPException) -> Response:
    """Render werkzeug's exceptions (and webargs' 422 with its field messages)."""
    status = error.code or 500
    if status >= 500 and status != 503:
        return _problem(500, "internal_error", *HTTP_WORDS[500])
    code = HTTP_CODES.get(status) or HTTPStatus(status).name.lower()
    data = getattr(error, "data", None) or {}
    errors = None
    # Werkzeug's and the libraries' own sentences are English: say it in the request's language.
    title, detail = HTTP_WORDS.get(status, (HTTPStatus(status).phrase, error.description or ""))
    if status == 422 and "messages" in data:
        errors = flatten_messages(data["messages"])
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return _problem(status, code, title, detail, errors, headers)


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
    title: Text,
    detail: Text,
    errors: Mapping[str, list[Text]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:health-points:problem:{code}",
        "title": str(title),  # lazy strings are rendered in the request's language here
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = {
            field: [field_message(m) for m in messages] for field, messages in errors.items()
        }
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never in place of a standard member
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
        return problem_response(Conflict(_l("The change conflicts with existing data.")))

    @app.errorhandler(DataError)
    def unstorable_value(error: DataError) -> Response:
        # A value the schema let through but the database cannot hold (a NUL character).
        return problem_response(BadRequest(_l("A value in the request cannot be stored.")))

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        if getattr(error.orig, "sqlstate", None) in LOCK_CONFLICTS:
            # Its work is undone; the same request sent again, after the other, goes through.
            app.logger.warning("lost a race for a lock: %s", error.orig)
            return problem_response(
                Unavailable(_l("Another change to the same records was under way; send it again."))
            )
        # Also a statement past its timeout (core.db): cancelled, not hung.
        app.logger.error("database unavailable: %s", error.orig)
        return problem_response(Unavailable(_l("The database is not answering; try again.")))
