"""What every console page stands on: its blueprint, the login and CSRF checks before each
request, the role check per view, forms read through the API's schemas, and refusals shown
in words.

A console view is a view like the API's: it parses, authorizes, calls one service function
and renders. A refusal is the service's own ``DomainError``, shown as a page, or for an htmx
request as the fragment ``console/_refusal.html`` (it carries ``data-testid="result"``) with the
error's status, so the request's transaction is rolled back like an API refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from console import session
from core.auth import Principal, current_principal
from core.errors import HTTP_CODES, HTTP_WORDS, DomainError, Forbidden, ValidationFailed
from core.i18n import Text, _l, field_message
from core.idempotency import replayed_as
from core.requestbody import MULTIPART_ALLOWANCE, too_large

F = TypeVar("F", bound=Callable[..., Any])

ROOT = Path(__file__).resolve().parent
csrf = CSRFProtect()
#: A console action not to be done twice: the same ``Idempotency-Key`` (the ``once()`` macro
#: of console/_forms.html on its button) replays the first answer, a page fragment.
done_once = replayed_as("text/html; charset=utf-8")

#: Views anyone may open (the login form): marked by :func:`public`.
_PUBLIC = "_console_public"
#: Views that take an upload, by the config key of its size: marked by :func:`takes_upload`.
_UPLOAD = "_console_upload"


class CsrfRefused(DomainError):
    status, code, title = 400, "csrf_failed", _l("The form has expired")


@dataclass(frozen=True)
class Area:
    """A part of the console in the navigation bar: its label, its first page and who may
    open it."""

    label: Text
    endpoint: str
    roles: tuple[str, ...]

    def open_to(self, principal: Principal) -> bool:
        return principal.role in self.roles


def console_blueprint(name: str, url_prefix: str) -> Blueprint:
    """A console area's blueprint: every view needs a live login (but those marked
    :func:`public`), every unsafe request a CSRF token, and refusals are rendered for people."""
    blueprint = Blueprint(
        f"console_{name}",
        __name__,
        url_prefix=f"/console{url_prefix}",
        template_folder=str(ROOT / "templates"),
    )
    blueprint.before_request(_guard)
    blueprint.register_error_handler(DomainError, render_refusal)
    blueprint.register_error_handler(HTTPException, _http_refusal)
    # The app answers a body over its size in JSON, for the API; a page says it in words.
    blueprint.register_error_handler(
        RequestEntityTooLarge, lambda error: render_refusal(too_large())
    )
    return blueprint


def public(view: F) -> F:
    setattr(view, _PUBLIC, True)
    return view


def takes_upload(config_key: str) -> Callable[[F], F]:
    """Let a view take an upload of up to ``config[config_key]`` bytes (the API's
    ``body_limit``). The limit is set before the CSRF check reads the form: put it right
    under the route."""

    def decorator(view: F) -> F:
        setattr(view, _UPLOAD, config_key)
        return view

    return decorator


def roles_required(*roles: str) -> Callable[[F], F]:
    """The console's ``auth_required``: the signed-in staff member's role is one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_principal().role not in roles:
                raise Forbidden(_l("Your role may not do this."))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _guard() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    upload = getattr(view, _UPLOAD, None)
    if upload is not None:
        request.max_content_length = current_app.config[upload] + MULTIPART_ALLOWANCE
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            csrf.protect()
        except CSRFError:
            raise CsrfRefused(
                _l("The page was open too long or came from elsewhere; reload it and try again.")
            ) from None
    if not getattr(view, _PUBLIC, False):
        session.signed_in()


def form_args(schema: Schema, data: dict[str, Any] | None = None) -> Any:
    """A form's fields loaded by ``schema`` (an API schema: one set of rules); fields left
    empty are absent. A 422 ``ValidationFailed`` carries the field messages."""
    if data is None:
        data = {
            key: value.strip() if isinstance(value, str) else value
            for key, value in request.form.items()
            if key != "csrf_token"
        }
        data = {key: value for key, value in data.items() if value != ""}
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = (
            error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        )
        raise ValidationFailed(
            _l("Some fields are missing or invalid."),
            errors={field: _strings(value) for field, value in messages.items()},
        ) from None


def _strings(value: Any) -> list[Text]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [field_message(value)]


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_refusal(error: DomainError) -> Response | tuple[Any, ...]:
    if error.status == 401:
        login = url_for("console_auth.login", next=_next_path())
        if is_htmx():
            return Response(status=401, headers={"HX-Redirect": login})
        return redirect(login)
    template = "console/_refusal.html" if is_htmx() else "console/refusal.html"
    return render_template(template, error=error), error.status, dict(error.headers or {})


def render_refusal_in(error: DomainError, target: str) -> Response | tuple[Any, ...]:
    """A refusal of an htmx form that swaps something else on success, shown in the form's
    own result box (``target``, a CSS selector) so what was typed stays."""
    rendered = render_refusal(error)
    if is_htmx() and isinstance(rendered, tuple):
        body, status, headers = rendered
        return body, status, {**headers, "HX-Retarget": target, "HX-Reswap": "innerHTML"}
    return rendered


def _http_refusal(error: HTTPException) -> Response | tuple[Any, ...]:
    status = error.code or 500
    if status >= 500:
        raise error
    title, detail = HTTP_WORDS.get(status, HTTP_WORDS[400])
    refusal = DomainError(detail, status=status)
    refusal.code, refusal.title = HTTP_CODES.get(status, "bad_request"), title
    return render_refusal(refusal)


def _next_path() -> str | None:
    if request.method != "GET" or is_htmx():
        return None
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str | None:
    """A ``next`` to go to after logging in: a console path of this site, never elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return None
    if "\\" in target or target.startswith("//"):
        return None
    return target
