"""``Idempotency-Key`` for every write that moves points or stock: ``@idempotent``.

The key (per user) is claimed with an insert in the request's own transaction, and the
response is stored on that row before the request commits: a replay returns the stored
response; a concurrent duplicate blocks on the claim until the first commits, then replays
it; a refused first attempt rolls its claim back, so the retry runs afresh. The same key
with a different request is ``idempotency_key_reused``. A replay has the type the view's
answers have: JSON for the API, HTML for a console view (``@replayed_as(...)``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime, timedelta
from functools import wraps
from typing import IO, Any, TypeVar
from urllib.parse import urlencode

from flask import Response, make_response, request
from sqlalchemy import String, Text, delete, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.auth import authenticate
from core.db import UTCDateTime, db, utcnow
from core.errors import BadRequest, Conflict, DomainError
from core.i18n import _l

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
JSON = "application/json"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
#: Keys are kept at least this long; ``flask points prune-keys`` deletes older ones.
KEEP_FOR = timedelta(hours=24)


class IdempotencyKey(db.Model):
    """A write's key with the response it got, stored in the write's own transaction."""

    __tablename__ = "idempotency_keys"

    #: ``resident:12`` or ``staff:3``: keys are per user.
    principal: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    #: The answer's ``Location`` and htmx headers (``HX-Trigger``...): a browser acts on
    #: them, so a replay without them would not lead where the first answer did.
    headers: Mapped[list[tuple[str, str]] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IdempotencyKeyReused(DomainError):
    status, code, title = (
        409,
        "idempotency_key_reused",
        _l("Idempotency-Key used for another request"),
    )


def idempotent(view: F) -> F:
    """Honour ``Idempotency-Key``. Put it above ``@blp.response`` so it stores the final body."""
    return replayed_as(JSON)(view)


def replayed_as(content_type: str) -> Callable[[F], F]:
    """:func:`idempotent` for a view whose successful answers are ``content_type`` (a console
    page's HTML fragment): a replay says the type the first answer had."""

    def decorator(view: F) -> F:
        return _idempotent(view, content_type)

    return decorator


def _idempotent(view: F, content_type: str) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _VALID_KEY.match(key):
            raise BadRequest(
                _l("%(header)s is 1-64 printable characters without spaces.", header=HEADER)
            )
        principal = authenticate()
        owner = f"{principal.kind}:{principal.id}"
        request_hash = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), _request_body()])
        ).hexdigest()
        claimed = db.session.execute(
            postgresql.insert(IdempotencyKey)
            .values(principal=owner, key=key, request_hash=request_hash, created_at=utcnow())
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.key)
        ).scalar()
        if claimed is None:
            return _replay(owner, key, request_hash, content_type)
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.principal == owner, IdempotencyKey.key == key)
                .values(
                    status_code=response.status_code,
                    body=response.get_data(as_text=True),
                    headers=_kept_headers(response) or None,
                )
            )
        return response

    # Listed with the view's own arguments: a `parameters` given to Blueprint.doc would replace
    # theirs in the document (a query string's, e.g. DELETE /me?confirm=true).
    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
    arguments = wrapper._apidoc.setdefault("arguments", {})  # type: ignore[attr-defined]
    arguments.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": "Retry-safe key: the same key and body replay the first response",
            "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        }
    )
    return wrapper  # type: ignore[return-value]


def _replay(owner: str, key: str, request_hash: str, content_type: str) -> Response:
    stored = db.session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.principal == owner, IdempotencyKey.key == key)
    ).one_or_none()
    if stored is None or stored.status_code is None:
        raise Conflict(_l("The first request with this key is still being handled; retry."))
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReused(_l("This key was used with a different request."))
    response = Response(
        stored.body,
        status=stored.status_code,
        content_type=content_type,
        headers=[(name, value) for name, value in stored.headers or ()],
    )
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _kept_headers(response: Response) -> list[tuple[str, str]]:
    """The headers a replay repeats, in order (a name may come twice): those that tell the
    browser what to do next."""
    return [
        (name, value)
        for name, value in response.headers
        if name.lower() == "location" or name.lower().startswith("hx-")
    ]


def prune(now: datetime) -> int:
    """Forget keys claimed more than :data:`KEEP_FOR` before ``now``; returns how many."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP_FOR)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: A form's anti-forgery token: a new one on every page, not part of what is asked.
_FORM_TOKEN = "csrf_token"


def _request_body() -> bytes:
    """What the request asks, for its hash: the JSON body, or a form's fields and files (the
    CSRF check has read a form's body by now, so it is read back from ``request.form``; a
    file by its name and SHA-256: the same key with another file is another request)."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = sorted(
            (name, value) for name, value in request.form.items(multi=True) if name != _FORM_TOKEN
        )
        files = sorted(
            (name, f"{upload.filename}:{_sha256(upload.stream)}")
            for name, upload in request.files.items(multi=True)
        )
        return urlencode(fields + files).encode()
    return request.get_data()


def _sha256(stream: IO[bytes]) -> str:
    """The file's digest, read through and rewound for the view."""
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()
