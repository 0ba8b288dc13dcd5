"""What a request body may be: how large, and which JSON documents the app takes.

Every route takes less than ``MAX_CONTENT_LENGTH`` bytes (64 KiB: any JSON body this API
defines fits); a route that takes uploads says so with :func:`body_limit`. A larger body
is ``413 payload_too_large``, refused from its ``Content-Length`` before it is read, or
once a chunked body reaches the limit.

JSON is parsed in one place, for ``request.get_json`` and for the views' schemas alike, and
a document Python parses but nothing downstream can hold is invalid JSON (400): a number of
more than 4300 digits, nesting deeper than the interpreter's stack, a string with a lone
UTF-16 surrogate (``"\\ud800"``, which no database or password hash can encode).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from core.errors import PayloadTooLarge, problem_response
from core.i18n import _l

F = TypeVar("F", bound=Callable[..., Any])

#: Room for the multipart framing around an uploaded file (boundaries, part headers, fields).
MULTIPART_ALLOWANCE = 16 * 1024

#: A JSON escape of a UTF-16 surrogate: half of a pair (an emoji) or a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(document: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` that raises ``JSONDecodeError`` for any document the app cannot hold."""
    try:
        text = document.decode() if isinstance(document, bytes | bytearray) else document
        data = json.loads(text, **kwargs)
    except json.JSONDecodeError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # Not UTF-8, a number past int()'s digit limit, or nested past the stack.
        raise json.JSONDecodeError(type(error).__name__, "(request body)", 0) from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise json.JSONDecodeError("lone surrogate", "(request body)", 0) from None
    return data


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing with :func:`loads`; 中文 stays readable in responses."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)


class ArgumentsParser(FlaskParser):
    """webargs' parser for the views' schemas, reading JSON bodies with :func:`loads`."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return webargs_core.missing
        body = req.get_data(cache=True)
        limit = req.max_content_length
        if limit is not None and req.content_length is None and len(body) >= limit:
            # A chunked body is cut at the limit without a word (werkzeug's LimitedStream).
            raise RequestEntityTooLarge()
        return loads(body)


def body_limit(config_key: str) -> Callable[[F], F]:
    """Let a view take an upload of up to ``config[config_key]`` bytes (and its framing).

    Put it above ``@blp.arguments`` (and anything else that reads the body).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            limit = current_app.config[config_key] + MULTIPART_ALLOWANCE
            request.max_content_length = limit
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def too_large() -> PayloadTooLarge:
    """The refusal of this request's body, saying how much it may carry."""
    limit = request.max_content_length
    detail = _l("A request here may carry at most %(n)d bytes.", n=limit) if limit else None
    return PayloadTooLarge(detail)


def payload_too_large(error: RequestEntityTooLarge) -> Response:
    return problem_response(too_large())


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.register_error_handler(RequestEntityTooLarge, payload_too_large)
